import { describe, expect, it } from "vitest";
import { lintDeployedTemplates } from "../src/checker/cfn-lint.js";
import { useRehearsalEmulator } from "./helpers/emulator.js";

/** The rehearsal's stand-in for CloudFormation's validation of property values, which the emulator lacks. */
const cfn = useRehearsalEmulator();

const logGroup = (retentionInDays: number) => ({
  Resources: { GetUserLogs: { Type: "AWS::Logs::LogGroup", Properties: { RetentionInDays: retentionInDays } } },
});

describe("cfn-lint on the deployed templates", () => {
  it("fails an invalid log retention the emulator accepted, naming the stack, the resource and the property", async () => {
    // CloudFormation refuses 8 days (not one of Logs' retention values); the emulator creates it.
    expect((await cfn.createStack("invalid-retention", logGroup(8))).StackStatus).toBe("CREATE_COMPLETE");

    const errors = await lintDeployedTemplates(["invalid-retention"], cfn.clients());

    expect(errors).toEqual([expect.stringMatching(/^invalid-retention GetUserLogs \(Properties\/RetentionInDays\): E3030 8 is not one of \[1, 3, 5, 7, 14/)]);
  });

  it("finds nothing in a valid template", async () => {
    await cfn.createStack("valid-retention", logGroup(14));

    expect(await lintDeployedTemplates(["valid-retention"], cfn.clients())).toEqual([]);
  });
});
