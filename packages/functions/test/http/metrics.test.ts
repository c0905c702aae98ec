import { routes } from "@users-api/core";
import { beforeAll, describe, expect, it } from "vitest";
import { bindFunctionsToNewStage } from "../helpers/local-stage.js";
import { importHandlers, newUser, userOf, usersApi, type UsersApi } from "../helpers/users-api.js";

/** What a handler writes to its log (stdout and stderr, which Lambda both sends to CloudWatch Logs) during `act`. */
async function logOutput(act: () => Promise<unknown>): Promise<string[]> {
  const lines: string[] = [];
  const capture = (stream: NodeJS.WriteStream) => {
    const write = stream.write.bind(stream);
    stream.write = ((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    }) as typeof stream.write;
    return () => {
      stream.write = write;
    };
  };
  const restore = [capture(process.stdout), capture(process.stderr)];
  try {
    await act();
  } finally {
    for (const undo of restore) undo();
  }
  return lines
    .join("")
    .split("\n")
    .filter((line) => line.trim() !== "");
}

let api: UsersApi;

beforeAll(async () => {
  await bindFunctionsToNewStage("metrics", {
    functionId: routes.createUser.id,
    environment: { POWERTOOLS_METRICS_DISABLED: "false", POWERTOOLS_LOG_LEVEL: "INFO" },
  });
  api = usersApi(await importHandlers());
});

describe("business metrics in the logs (CloudWatch embedded metric format)", () => {
  it("writes one metric line for a change, in the UsersApi namespace with the service and stage dimensions", async () => {
    const lines = await logOutput(() => api.createUser({ body: newUser() }));
    const emf = lines.map((line) => JSON.parse(line) as Record<string, unknown>).filter((entry) => "_aws" in entry);
    expect(emf).toHaveLength(1);
    expect(emf[0]).toMatchObject({
      UsersCreated: 1,
      service: "users-api",
      _aws: { CloudWatchMetrics: [{ Namespace: "UsersApi", Dimensions: [["service", "stage"]], Metrics: [{ Name: "UsersCreated", Unit: "Count" }] }] },
    });
  });

  it("writes nothing for a read: no metric, no warning about having none (log bytes are billed per request)", async () => {
    const user = userOf(await api.createUser({ body: newUser() }));
    expect(await logOutput(() => api.getUser({ userId: user.userId }))).toEqual([]);
    expect(await logOutput(() => api.listUsers())).toEqual([]);
  });
});
