import { defineConfig } from "vitest/config";

/** Which suites (directories of tools/local/test/e2e) to run, comma-separated; `pnpm test:e2e` sets it. */
const suites = (process.env.E2E_SUITES ?? "portable,local-only,smoke").split(",").filter(Boolean);

/**
 * `pnpm test:e2e`: the end-to-end suites alone. Against a deployed stage (E2E_BASE_URL set) nothing local is
 * started, so the run needs neither Java nor moto; without it each file starts a local API on the emulators.
 */
export default defineConfig({
  test: {
    include: suites.map((suite) => `tools/local/test/e2e/${suite}/**/*.test.ts`),
    globalSetup: process.env.E2E_BASE_URL ? [] : ["test/helpers/emulators.global.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    maxWorkers: 2,
    minWorkers: 1,
    env: { AWS_REGION: "us-east-1", SST_TELEMETRY_DISABLED: "1" },
  },
});
