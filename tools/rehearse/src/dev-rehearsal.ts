import { randomBytes, randomUUID } from "node:crypto";
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { stripVTControlCharacters } from "node:util";
import { DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { GetFunctionConfigurationCommand } from "@aws-sdk/client-lambda";
import { APP_NAME } from "@users-api/core/app";
import { authorizer, bindings, routeList, type RouteDefinition } from "@users-api/core/api/routes";
import { emulatorClients, type EmulatorClients } from "./checker/clients.js";
import { rehearsalEnvironment, startRehearsalEmulator } from "./emulator.js";
import { iotEnvironment, startIotBroker } from "./iot-broker.js";
import { startSstDev, type SstDevSession } from "./live-lambda.js";
import { projectCommands, stepRunner, type StepTiming } from "./rehearsal.js";
import type { ServedApi } from "./served/served-api.js";
import { checkServedStage, revoke } from "./served/served-stage.js";
import { run, sstBinary } from "./sst-cli.js";
import { copyWorkingTree } from "./workspace.js";

/** The personal stage `sst dev` is rehearsed on. */
export const DEV_STAGE = "rehearsal-dev";

/** SST's Live Lambda stub, which `sst dev` deploys in place of every function's code. */
const STUB_BUNDLE = (projectDir: string) => path.join(projectDir, "node_modules", "sst", "support", "bridge", "live-lambda.mjs");
const STUB_HANDLER = "live-lambda.handler";

const route = (method: string, routePath: string): RouteDefinition => {
  const found = routeList.find((candidate) => candidate.method === method && candidate.path === routePath);
  if (!found) throw new Error(`no route ${method} ${routePath} in packages/core`);
  return found;
};
const CREATE = route("POST", "/users");
const GET = route("GET", "/users/{userId}");
const LIST = route("GET", "/users");
/** The route the live edit changes. */
export const LIVE_EDITED_ROUTE = GET;

export interface DevRehearsalOptions {
  readonly projectDir: string;
  readonly workDir: string;
  readonly report?: (line: string) => void;
  /**
   * Called with the Live Lambda stage serving (after the live edit and the secret reload, before Ctrl-C):
   * `--dev --serve` keeps it serving until this resolves.
   */
  readonly whileServing?: (stage: { stage: string; url: string; apiKey: string; readOnlyKey: string }) => Promise<void>;
}

export interface DevRehearsal {
  readonly timings: readonly StepTiming[];
  /** Milliseconds per request of the portable suite: the deployed API, a stub, `sst dev` and back. */
  readonly requestDurationsMs: readonly number[];
}

/**
 * Rehearses `sst dev` with the real CLI: it deploys the personal stage in dev mode (SST's stub in every
 * function) and connects to IoT; the stage is served as the rehearsed stages are (served/: the deployed API,
 * its functions' uploaded code on Node 22 under their deployed roles), so the portable suite's requests reach
 * SST's stubs, which reach the handlers `sst dev` runs from the working tree over MQTT, and come back;
 * a live edit is served without a redeploy; `sst secrets set` reloads the bound functions; Ctrl-C ends the
 * session and `sst remove` removes the stage.
 */
export async function rehearseDev(options: DevRehearsalOptions): Promise<DevRehearsal> {
  const report = options.report ?? (() => {});
  const stage = DEV_STAGE;
  mkdirSync(options.workDir, { recursive: true });
  const logFile = path.join(options.workDir, "rehearsal-dev.log");
  writeFileSync(logFile, "");
  const appDir = copyWorkingTree(options.projectDir, path.join(options.workDir, "dev-app"));
  const emulatorLog = createWriteStream(path.join(options.workDir, "emulator-dev.log"));
  const broker = await startIotBroker(options.workDir);
  const emulator = await startRehearsalEmulator({ logFile: emulatorLog, iotDataEndpoint: broker.dataEndpoint });
  const environment = iotEnvironment(broker, rehearsalEnvironment(emulator, options.workDir));
  const clients = emulatorClients(emulator);
  const timings: StepTiming[] = [];
  const requestDurationsMs: number[] = [];
  let serving: { served: ServedApi; keyName: string } | undefined;
  let session: SstDevSession | undefined;

  const runStep = stepRunner({ logFile, timings, report });
  const step = <T>(name: string, action: () => Promise<T>) => runStep(stage, name, action);
  // Offsets are into the raw output (what waitFor matches), stripped of colours only for reading.
  const outputLength = () => session?.output().length ?? 0;
  const devOutput = (from = 0) => stripVTControlCharacters((session?.output() ?? "").slice(from));

  try {
    // The emulator is a fresh account, as a new developer's may be: its one-time set-up first (as the README says).
    await step("pnpm account:setup (a fresh account's API Gateway logging role)", () =>
      run("pnpm", ["-s", "run", "account:setup"], { cwd: appDir, env: environment, logFile }),
    );
    const sstSecretsSet = () =>
      run(sstBinary(appDir), ["secrets", "set", bindings.cursorSecret.id, randomBytes(36).toString("base64url"), "--stage", stage], {
        cwd: appDir,
        env: environment,
        logFile,
      });
    // As a developer does before the first `sst dev` of a stage (the handlers need it).
    await step("sst secrets set CURSOR_SECRET for the new stage", sstSecretsSet);

    await step("sst dev deploys the stage in dev mode and connects to IoT", async () => {
      session = startSstDev({ appDir, stage, environment, logFile });
      await session.waitFor(/✔\s+Deployed:|✖\s+Errors/, 5 * 60_000);
      if (/✖\s+Errors/.test(devOutput())) throw new Error(`sst dev failed to deploy:\n${tailOf(devOutput())}`);
      await session.waitFor(/Monitoring\s*\n/, 30_000);
      const announced = broker.messages.find((message) => message.topic === `/sst/${APP_NAME}/${stage}/events` && message.payload.includes("cli.dev"));
      if (!announced) throw new Error("sst dev did not announce itself over IoT (no cli.dev on the stage's events topic)");
    });

    const { pnpmKeys, pnpmE2e } = projectCommands(appDir, environment, logFile);
    const check = {
      stage,
      apiStackName: `${stage}-${APP_NAME}-Api`,
      clients,
      emulator,
      workDir: path.join(options.workDir, "served"),
      appDir,
      pnpmKeys,
      pnpmE2e,
      // IoT is not behind the IAM proxy: the stub's DescribeEndpoint goes to the emulator, its MQTT to the broker.
      runtimeEnvironment: { AWS_ENDPOINT_URL_IOT: emulator.endpoint, NODE_EXTRA_CA_CERTS: broker.certificateFile },
      beforeSuite: buildEachHandler,
    };
    const { served, keys } = await step(
      "the portable suite passes through the deployed API and SST's stubs to the handlers sst dev runs (keys from pnpm keys)",
      async () => {
        const from = outputLength();
        const result = await checkServedStage(check, true);
        serving = { served: result.served, keyName: result.keys!.name };
        const bundle = readFileSync(STUB_BUNDLE(options.projectDir));
        for (const fn of result.served.functions.functions.values()) {
          if (fn.handler !== STUB_HANDLER) throw new Error(`${fn.functionName} runs ${fn.handler}, not SST's stub ${STUB_HANDLER}`);
          if (!readFileSync(path.join(fn.taskRoot, "live-lambda.mjs")).equals(bundle))
            throw new Error(`${fn.functionName}'s code is not SST's stub (${STUB_BUNDLE(".")})`);
        }
        for (const definition of [...routeList, authorizer]) {
          if (!devOutput(from).includes(`Invoked ${definition.handler}`))
            throw new Error(`sst dev did not run ${definition.handler} (the suite's requests did not reach it):\n${tailOf(devOutput(from))}`);
        }
        requestDurationsMs.push(...result.served.requestDurationsMs());
        return { served: result.served, keys: result.keys! };
      },
    );
    const request = async (method: string, resource: string, body?: unknown) => {
      const response = await fetch(`${served.url}${resource}`, {
        method,
        headers: { "x-api-key": keys.apiKey, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, headers: response.headers, body: await response.text() };
    };
    const expectStatus = (result: Awaited<ReturnType<typeof request>>, status: number, what: string) => {
      if (result.status !== status) throw new Error(`${what}: expected ${status}, got ${result.status} ${result.body}`);
      return result;
    };
    const userPath = (userId: string) => LIVE_EDITED_ROUTE.path.replace("{userId}", encodeURIComponent(userId));
    const create = async (name: string) =>
      JSON.parse(
        expectStatus(await request(CREATE.method, CREATE.path, { email: `dev-${randomUUID()}@example.com`, name }), 201, `${CREATE.method} ${CREATE.path}`)
          .body,
      ) as { userId: string };

    await step("a live edit of a handler is served without a redeploy", async () => {
      const user = await create("Live edit");
      const before = await apiStackState(clients, stage, served);
      const from = outputLength();
      const marker = randomBytes(6).toString("hex");
      editHandler(appDir, LIVE_EDITED_ROUTE, marker);
      await session!.waitFor(new RegExp(`Built ${escapeRegExp(LIVE_EDITED_ROUTE.handler)}`), 60_000, from);
      // SST prints "Built" before the old worker has exited (sst/runtime/workers.js stops it asynchronously), and a
      // request to a worker still in the map before it exits is lost; a developer's next request comes later.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      const answer = expectStatus(
        await request(LIVE_EDITED_ROUTE.method, userPath(user.userId)),
        200,
        `${LIVE_EDITED_ROUTE.method} ${LIVE_EDITED_ROUTE.path} after the edit`,
      );
      if (answer.headers.get(LIVE_EDIT_HEADER) !== marker)
        throw new Error(`the edited handler was not served: ${LIVE_EDIT_HEADER} is ${answer.headers.get(LIVE_EDIT_HEADER)}, expected ${marker}`);
      const after = await apiStackState(clients, stage, served);
      if (after !== before) throw new Error(`the live edit redeployed the stage:\n  before ${before}\n  after  ${after}`);
    });

    await step("sst secrets set CURSOR_SECRET reloads the bound functions: cursors signed before no longer verify", async () => {
      await create("First");
      await create("Second");
      const page = JSON.parse(expectStatus(await request(LIST.method, `${LIST.path}?limit=1`), 200, `${LIST.method} ${LIST.path}?limit=1`).body) as {
        nextCursor: string | null;
      };
      if (!page.nextCursor) throw new Error(`${LIST.method} ${LIST.path}?limit=1 gave no nextCursor with two users`);
      const withCursor = `${LIST.path}?limit=1&cursor=${encodeURIComponent(page.nextCursor)}`;
      expectStatus(await request(LIST.method, withCursor), 200, `${LIST.method} ${LIST.path} with the cursor, before the new secret`);
      await sstSecretsSet();
      expectStatus(await request(LIST.method, withCursor), 400, `${LIST.method} ${LIST.path} with a cursor signed with the old secret`);
    });

    if (options.whileServing) {
      await options.whileServing({ stage, url: served.url, apiKey: keys.apiKey, readOnlyKey: keys.readOnlyKey });
    }
    await revoke({ pnpmKeys, stage }, keys.name);
    serving = undefined;
    await served.stop();

    await step("Ctrl-C ends sst dev", async () => {
      const ended = await session!.interrupt();
      if (ended.signal === "SIGKILL") throw new Error("sst dev did not exit on Ctrl-C (killed after 20 s)");
    });

    await step("sst remove removes the dev stage", async () => {
      await run(sstBinary(appDir), ["remove", "--stage", stage], { cwd: appDir, env: environment, logFile });
      const { Stacks = [] } = await clients.cloudFormation.send(new DescribeStacksCommand({}));
      const left = Stacks.filter((stack) => stack.StackName?.startsWith(`${stage}-`) && stack.StackStatus !== "DELETE_COMPLETE");
      if (left.length > 0) throw new Error(`stacks left after sst remove: ${left.map((stack) => `${stack.StackName} ${stack.StackStatus}`).join(", ")}`);
    });
  } finally {
    if (serving) await serving.served.stop().catch(() => undefined);
    session?.kill();
    clients.destroy();
    await Promise.all([emulator.stop(), broker.stop()]);
    emulatorLog.end();
  }
  return { timings, requestDurationsMs };
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
/**
 * One request per route, one at a time, so `sst dev` builds each handler before the suite's concurrent requests.
 * SST 2 builds a handler on its first invocation and, when a build succeeds, stops the function's running workers
 * (sst/runtime/workers.js, "function.build.success"); that event can land after the first worker has started, so
 * the request it was serving never gets an answer and the stub times out (seen on a busy machine: PatchUser's
 * first concurrent PATCHes). The answers here are not judged.
 */
async function buildEachHandler(served: ServedApi, apiKey: string) {
  for (const route of routeList) {
    const withBody = route.method !== "GET" && route.method !== "DELETE";
    await fetch(`${served.url}${route.path.replace("{userId}", "sst-dev-warm-up")}`, {
      method: route.method,
      headers: { "x-api-key": apiKey, ...(withBody ? { "content-type": "application/json" } : {}) },
      body: withBody ? "{}" : undefined,
      signal: AbortSignal.timeout(30_000),
    })
      .then((response) => response.arrayBuffer())
      .catch(() => undefined);
  }
}

const tailOf = (text: string) => text.trim().split("\n").slice(-30).join("\n");

/** What a redeploy would change: the Api stack's last update and every function's code and revision. */
async function apiStackState(clients: EmulatorClients, stage: string, served: ServedApi): Promise<string> {
  const { Stacks = [] } = await clients.cloudFormation.send(new DescribeStacksCommand({ StackName: `${stage}-${APP_NAME}-Api` }));
  const parts = [`stack ${Stacks[0]?.StackStatus} ${Stacks[0]?.LastUpdatedTime?.toISOString() ?? "never updated"}`];
  for (const fn of served.functions.functions.values()) {
    const configuration = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.functionName }));
    parts.push(`${fn.functionName} ${configuration.CodeSha256}`);
  }
  return parts.join(", ");
}

/** The header the live edit adds to the edited handler's answer. */
export const LIVE_EDIT_HEADER = "x-rehearsal-live-edit";

/** Changes the handler's answer in the rehearsal's copy, as a developer's edit would: one more response header. */
function editHandler(appDir: string, definition: RouteDefinition, marker: string) {
  const file = path.join(appDir, `${definition.handler.replace(/\.[^./]+$/, "")}.ts`);
  const source = readFileSync(file, "utf8");
  const edited = source.replace("{ etag: etagOf(user.version) }", `{ etag: etagOf(user.version), "${LIVE_EDIT_HEADER}": "${marker}" }`);
  if (edited === source) throw new Error(`${file} no longer has the line the live edit changes ({ etag: etagOf(user.version) })`);
  writeFileSync(file, edited);
}
