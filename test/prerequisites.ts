import { missingPrerequisites, testPrerequisites } from "@users-api/emulators/prerequisites";

/**
 * The first step of `pnpm test`: every tool the suites need from the machine (Node, Java, moto, cfn-lint,
 * Chromium), checked before the typecheck or any test starts, each missing one named in one line with how to
 * install it. vitest's globalSetup checks again, for runs of single files.
 */
const missing = await missingPrerequisites(testPrerequisites);
for (const line of missing) console.error(line);
if (missing.length === 0) console.log(`Prerequisites: ${testPrerequisites.map(({ name }) => name).join(", ")} found.`);
process.exit(missing.length === 0 ? 0 : 1);
