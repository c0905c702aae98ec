import { existsSync } from "node:fs";
import { chromium, type Browser, type Page } from "playwright-core";

/** Debian's Chromium (`apt-get install chromium`, as .ci/run does); CHROMIUM_PATH names another Chromium or Chrome. */
export const chromiumPath = () => process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";

/**
 * Headless Chromium driven by playwright-core, with none of its background connections: the machine has no
 * network beyond what it serves itself, and a refused background connection must not pass for a page's error.
 */
export async function launchChromium(): Promise<Browser> {
  const executablePath = chromiumPath();
  if (!existsSync(executablePath)) {
    throw new Error(`No Chromium at ${executablePath}: install Debian's (apt-get install chromium), or set CHROMIUM_PATH.`);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** What went wrong while a page loaded: console errors, uncaught exceptions, failed or refused requests. */
export function recordProblems(page: Page): string[] {
  const problems: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
  page.on("requestfailed", (request) => problems.push(`request failed: ${request.method()} ${request.url()} (${request.failure()?.errorText})`));
  page.on("response", (response) => {
    if (response.status() >= 400) problems.push(`HTTP ${response.status()}: ${response.request().method()} ${response.url()}`);
  });
  return problems;
}

export interface RenderedReference {
  /** Each operation the page shows, as "METHOD /path". */
  readonly operations: readonly string[];
  /** Every request the page made, as absolute URLs. */
  readonly requests: readonly string[];
}

/** Opens the reference page and waits until Swagger UI has rendered the document's operations. */
export async function openReference(page: Page, pageUrl: string): Promise<RenderedReference> {
  const requests: string[] = [];
  page.on("request", (request) => requests.push(request.url()));
  await page.goto(pageUrl, { waitUntil: "load" });
  await page.locator(".opblock").first().waitFor({ state: "visible", timeout: 30_000 });
  await page.waitForLoadState("networkidle");
  const operations = await page.locator(".opblock-summary").evaluateAll((summaries) =>
    summaries.map((summary) => {
      const method = summary.querySelector(".opblock-summary-method")?.textContent?.trim() ?? "";
      const path = summary.querySelector(".opblock-summary-path")?.getAttribute("data-path") ?? "";
      return `${method} ${path}`;
    }),
  );
  return { operations, requests };
}
