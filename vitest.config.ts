import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["packages/*/test/**/*.test.ts", "tools/*/test/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/helpers/emulators.global.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: the emulators and the synth each want one.
    maxWorkers: 2,
    minWorkers: 1,
    env: { AWS_REGION: "us-east-1", SST_TELEMETRY_DISABLED: "1" },
    // The JSON results let .ci/run print a plain "N passed, N failed" line.
    reporters: ["default", ["json", { outputFile: ".vitest/results.json" }]],
  },
});
