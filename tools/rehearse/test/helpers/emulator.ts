import { CreateStackCommand, DeleteStackCommand, DescribeStackEventsCommand, DescribeStacksCommand, UpdateStackCommand } from "@aws-sdk/client-cloudformation";
import { afterAll, beforeAll } from "vitest";
import { emulatorClients, type EmulatorClients } from "../../src/checker/clients.js";
import { startRehearsalEmulator, type RehearsalEmulator } from "../../src/emulator.js";

export type Template = {
  Resources: Record<string, unknown>;
  Outputs?: Record<string, unknown>;
  Parameters?: Record<string, unknown>;
  Conditions?: Record<string, unknown>;
};

/** The extended moto_server for the tests of one file, with SDK clients pointed at it. */
export function useRehearsalEmulator(options: { without?: readonly string[] } = {}) {
  const state: { emulator?: RehearsalEmulator; clients?: EmulatorClients } = {};
  beforeAll(async () => {
    state.emulator = await startRehearsalEmulator({ without: options.without });
    state.clients = emulatorClients(state.emulator);
  }, 60_000);
  afterAll(async () => {
    state.clients?.destroy();
    await state.emulator?.stop();
  });
  const clients = () => {
    if (!state.clients) throw new Error("emulator not started");
    return state.clients;
  };
  return {
    clients,
    emulator: () => state.emulator as RehearsalEmulator,
    /** Creates a stack from a template body; answers its description once CloudFormation is done. */
    async createStack(name: string, template: Template) {
      await clients().cloudFormation.send(
        new CreateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template), Capabilities: ["CAPABILITY_IAM"] }),
      );
      return describe(name);
    },
    async updateStack(name: string, template: Template) {
      await clients().cloudFormation.send(
        new UpdateStackCommand({ StackName: name, TemplateBody: JSON.stringify(template), Capabilities: ["CAPABILITY_IAM"] }),
      );
      return describe(name);
    },
    async deleteStack(name: string) {
      await clients().cloudFormation.send(new DeleteStackCommand({ StackName: name }));
    },
    describe,
    async events(name: string) {
      return (await clients().cloudFormation.send(new DescribeStackEventsCommand({ StackName: name }))).StackEvents ?? [];
    },
  };
  async function describe(name: string) {
    const stack = (await clients().cloudFormation.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0];
    if (!stack) throw new Error(`no stack ${name}`);
    return stack;
  }
}
