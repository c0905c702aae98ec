import { mkdtempSync, rmSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { extname, join } from "node:path";
import { routeList } from "@users-api/core";
import { openApiDocument } from "@users-api/core/api/openapi";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchChromium, openReference, recordProblems, type RenderedReference } from "../../src/docs/browser.js";
import { buildApiReference } from "../../src/docs/build.js";
import { startPnpmLocal, type PnpmLocal } from "../../src/docs/pnpm-local.js";
import { freePort } from "@users-api/emulators/child-process";

/** "METHOD /path" of every operation in the OpenAPI document the page renders. */
const documentedOperations = () =>
  Object.entries(openApiDocument().paths as Record<string, Record<string, unknown>>)
    .flatMap(([path, item]) =>
      Object.keys(item)
        .filter((key) => httpMethods.has(key))
        .map((method) => `${method.toUpperCase()} ${path}`),
    )
    .sort();
const httpMethods = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

const staticTypes: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".json": "application/json",
  ".png": "image/png",
};

const dataDir = mkdtempSync(join(tmpdir(), "users-api-docs-test-"));
let local: PnpmLocal | undefined;
beforeAll(async () => {
  local = await startPnpmLocal({ dataDir, port: await freePort() });
}, 240_000);
afterAll(async () => {
  await local?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** The API reference at /docs of `pnpm local`, as a person opens it: in a real browser (Debian's Chromium). */
describe("the API reference page of pnpm local", () => {
  let browser: Browser | undefined;
  let page: Page;
  let problems: string[];
  let rendered: RenderedReference;
  beforeAll(async () => {
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    problems = recordProblems(page);
    rendered = await openReference(page, `${local?.url}/docs`);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
  });

  it("is announced when pnpm local starts", () => {
    expect(local?.output()).toContain(`${local?.url}/docs`);
  });

  it("loads with no console error, no failed request and no request to another origin", () => {
    expect(problems).toEqual([]);
    expect(rendered.requests.filter((url) => new URL(url).origin !== local?.url)).toEqual([]);
    expect(rendered.requests).toContain(`${local?.url}/openapi.json`);
  });

  it("shows every operation of the document: the six routes of routes.ts among them", () => {
    expect([...rendered.operations].sort()).toEqual(documentedOperations());
    expect(rendered.operations).toEqual(expect.arrayContaining(routeList.map((route) => `${route.method} ${route.path}`)));
    expect(routeList).toHaveLength(6);
  });

  it("shows the API-key security scheme: its name, the header and where it goes", async () => {
    await page.locator("button.authorize").first().click();
    const dialog = page.locator(".auth-container");

    const text = await dialog.innerText();

    expect(text).toMatch(/ApiKey\s+\(apiKey\)/);
    expect(text).toMatch(/Name:\s*x-api-key/);
    expect(text).toMatch(/In:\s*header/);
  });

  it("calls the API from the page with the key given in Authorize (Try it out)", async () => {
    const key = local?.apiKey ?? "";
    await page.locator(".auth-container input").first().fill(key);
    await page.locator(".auth-btn-wrapper button.authorize").click();
    await page.locator(".auth-btn-wrapper button.btn-done").click();
    const listUsers = page.locator("#operations-users-listUsers");
    await listUsers.locator(".opblock-summary").click();
    await listUsers.locator("button.try-out__btn").click();

    const [request] = await Promise.all([
      page.waitForRequest((candidate) => candidate.url().startsWith(`${local?.url}/users`) && candidate.method() === "GET"),
      listUsers.locator("button.execute").click(),
    ]);
    const status = listUsers.locator(".live-responses-table tbody .response-col_status").first();
    await status.waitFor();

    expect(request.headers()["x-api-key"]).toBe(key);
    expect((await status.innerText()).trim()).toBe("200");
    expect(problems).toEqual([]);
  });
});

describe("the page's own answers", () => {
  let url: string;
  beforeAll(() => {
    url = local?.url ?? "";
  });

  it("serves the page without a key, under a policy that lets it load nothing from elsewhere", async () => {
    const response = await fetch(`${url}/docs`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("content-security-policy")).toMatch(/default-src 'self'/);
    expect(response.headers.get("content-security-policy")).toMatch(/script-src 'self';/);
    expect(await response.text()).not.toMatch(/https?:\/\//);
  });

  it.each([
    ["swagger-ui-bundle.js", "text/javascript; charset=utf-8"],
    ["swagger-ui.css", "text/css; charset=utf-8"],
    ["reference.js", "text/javascript; charset=utf-8"],
  ])("serves docs/%s from the installed package", async (name, contentType) => {
    const response = await fetch(`${url}/docs/${name}`);

    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(contentType);
    expect((await response.arrayBuffer()).byteLength).toBeGreaterThan(100);
  });

  it("leaves every other path to the API: an unknown file under /docs is the API's 404 problem", async () => {
    const response = await fetch(`${url}/docs/secrets.txt`);

    expect(response.status).toBe(404);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
  });

  it("sends /docs/ to /docs, so the page's relative links resolve", async () => {
    const response = await fetch(`${url}/docs/`, { redirect: "manual" });

    expect(response.status).toBe(308);
    expect(new URL(response.headers.get("location") ?? "", `${url}/docs/`).href).toBe(`${url}/docs`);
  });
});

/** `pnpm docs:build`: the same page as static files, as a deployed stage publishes it on a static host. */
describe("the API reference built as static files", () => {
  const outDir = mkdtempSync(join(tmpdir(), "users-api-docs-site-"));
  const serverUrl = "https://abc123.execute-api.us-east-1.amazonaws.com/pr-12";
  let site: Server;
  let siteUrl: string;
  let browser: Browser | undefined;
  beforeAll(async () => {
    buildApiReference(outDir, serverUrl);
    // A plain static host: files as they are, nothing else.
    site = createServer((request, response) => {
      const file = join(outDir, new URL(request.url ?? "/", "http://localhost").pathname.replace(/\/$/, "/index.html"));
      readFile(file).then(
        (body) => response.writeHead(200, { "content-type": staticTypes[extname(file)] ?? "application/octet-stream" }).end(body),
        () => response.writeHead(404).end(),
      );
    });
    await new Promise<void>((resolve) => site.listen(0, "127.0.0.1", resolve));
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await new Promise<void>((resolve) => site?.close(() => resolve()));
    rmSync(outDir, { recursive: true, force: true });
  });

  it("renders every operation with no error, against the stage's server URL", async () => {
    const page = await browser!.newPage();
    const problems = recordProblems(page);

    const rendered = await openReference(page, `${siteUrl}/`);

    expect(problems).toEqual([]);
    expect([...rendered.operations].sort()).toEqual(documentedOperations());
    expect(rendered.requests.filter((url) => new URL(url).origin !== siteUrl)).toEqual([]);
    expect(await page.locator(".servers select").inputValue()).toBe(serverUrl);
  });
});
