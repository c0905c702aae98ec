import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { freePort } from "@users-api/emulators/child-process";
import { API_REFERENCE_PATH } from "../gateway/index.js";
import { localPaths, type RunningLocalApi } from "../local-paths.js";
import { launchChromium, openReference, recordProblems } from "./browser.js";
import { startPnpmLocal, type PnpmLocal } from "./pnpm-local.js";

const usage = `Take a screenshot of the API reference page (/docs) in headless Chromium.

  pnpm docs:screenshot [--url <base URL>] [--out .local/api-reference.png] [--width 1280]

--url    an API serving /docs; default: the running \`pnpm local\`, or else one started for the screenshot
--out    the PNG to write (the whole page)
--width  the window's width in pixels

Fails when the page logs an error, a request fails, or it shows no operation.`;

const { values } = parseArgs({
  options: {
    url: { type: "string" },
    out: { type: "string", default: ".local/api-reference.png" },
    width: { type: "string", default: "1280" },
    help: { type: "boolean", short: "h" },
  },
});

/** The running `pnpm local`, if its process is still there. */
function runningLocalApi(): string | undefined {
  const { runningFile } = localPaths();
  if (!existsSync(runningFile)) return undefined;
  const running = JSON.parse(readFileSync(runningFile, "utf8")) as RunningLocalApi;
  try {
    process.kill(running.pid, 0);
    return running.url;
  } catch {
    return undefined;
  }
}

async function main(): Promise<number> {
  if (values.help) {
    console.log(usage);
    return 0;
  }
  // pnpm runs scripts from the repository root; a relative --out means the caller's directory.
  const out = resolve(process.env.INIT_CWD ?? process.cwd(), values.out);
  let started: { local: PnpmLocal; dataDir: string } | undefined;
  let baseUrl = values.url ?? runningLocalApi();
  if (!baseUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), "users-api-docs-"));
    console.log("No pnpm local is running: starting one for the screenshot...");
    started = { local: await startPnpmLocal({ dataDir, port: await freePort() }), dataDir };
    baseUrl = started.local.url;
  }
  const browser = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: Number(values.width), height: 900 } });
    const problems = recordProblems(page);
    const pageUrl = `${baseUrl.replace(/\/+$/, "")}${API_REFERENCE_PATH}`;
    const { operations } = await openReference(page, pageUrl);
    mkdirSync(dirname(out), { recursive: true });
    await page.screenshot({ path: out, fullPage: true });
    console.log(`${pageUrl}: ${operations.length} operations (${operations.join(", ")})\nScreenshot: ${out}`);
    if (problems.length > 0 || operations.length === 0) {
      console.error(`The page has problems:\n${problems.join("\n") || "no operations shown"}`);
      return 1;
    }
    return 0;
  } finally {
    await browser.close();
    if (started) {
      await started.local.stop();
      rmSync(started.dataDir, { recursive: true, force: true });
    }
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`Error: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
