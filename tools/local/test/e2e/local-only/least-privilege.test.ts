import { randomUUID } from "node:crypto";
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { authorizer, etagOf, routeList, routes, usersTable, type DynamoDbAction, type FunctionDefinition, type RouteDefinition } from "@users-api/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditGrants, localGrantTargets } from "../../../src/iam/index.js";
import { clientsFor } from "@users-api/emulators/stage";
import { startTestApi, type ApiResponse, type TestApi } from "../../helpers/local-api.js";

/**
 * Local only: every route driven through each of its code paths (replays, retries after a lost
 * answer, conflicts, stale preconditions, pages) with every AWS call of every function going
 * through the IAM proxy that enforces its grants; then least privilege both ways: no call was
 * denied, and no grant went unused.
 */

interface Step {
  readonly path: string;
  readonly expected: number;
  readonly status: number;
  readonly text: string;
}

/** A run of code paths against one local API: each step is a request, the status it must get, and the status it got. */
class CodePathRun {
  readonly steps: Step[] = [];
  private readonly table: DynamoDBDocumentClient;

  constructor(readonly api: TestApi) {
    this.table = DynamoDBDocumentClient.from(clientsFor(api.stage.endpoints).dynamoDb);
  }

  async step(path: string, expected: number, response: Promise<ApiResponse>): Promise<ApiResponse> {
    const answer = await response;
    this.steps.push({ path, expected, status: answer.status, text: answer.text });
    return answer;
  }

  private readonly mismatches: string[] = [];

  /** Records a difference, so one wrong answer does not hide the paths after it. */
  same(path: string, actual: unknown, expected: unknown) {
    if (JSON.stringify(actual) !== JSON.stringify(expected))
      this.mismatches.push(`${path}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
  }

  /** The steps that did not get their status, as `path: expected N, got M (body)`, and the differences recorded. */
  failures() {
    return [
      ...this.steps.filter((step) => step.status !== step.expected).map((step) => `${step.path}: expected ${step.expected}, got ${step.status} (${step.text})`),
      ...this.mismatches,
    ];
  }

  newUser = (label: string) => ({ email: `${label}-${randomUUID()}@example.com`, name: `User ${label}` });

  async createdUser(label: string) {
    const answer = await this.step(`arrange: create ${label}`, 201, this.api.request("POST", "/users", { body: this.newUser(label) }));
    return answer.json as { userId: string; email: string; version: number };
  }

  /** Idempotency records (Powertools' keys are its own business: a record is found as the one a request added). */
  private async idempotencyRecordKeys(): Promise<Set<string>> {
    const { Items = [] } = await this.table.send(
      new ScanCommand({
        TableName: this.api.stage.tableName,
        ConsistentRead: true,
        FilterExpression: "begins_with(pk, :prefix)",
        ExpressionAttributeValues: { ":prefix": "IDEMPOTENCY#" },
      }),
    );
    return new Set(Items.map((item) => String(item.pk)));
  }

  /** A POST with an Idempotency-Key, and the key of the idempotency record it left. */
  async createWithKey(path: string, expected: number, body: unknown, idempotencyKey: string) {
    const before = await this.idempotencyRecordKeys();
    const answer = await this.step(path, expected, this.api.request("POST", "/users", { body, headers: { "idempotency-key": idempotencyKey } }));
    const record = [...(await this.idempotencyRecordKeys())].find((key) => !before.has(key));
    return { answer, record: { pk: record ?? "", sk: "RECORD" } };
  }

  /** As if the record's 24 hours had passed (DynamoDB's TTL deletes such items late, or not yet). */
  async expire(record: { pk: string; sk: string }) {
    await this.table.send(
      new UpdateCommand({
        TableName: this.api.stage.tableName,
        Key: record,
        UpdateExpression: "SET #expiration = :past",
        ExpressionAttributeNames: { "#expiration": usersTable.timeToLiveAttribute },
        ExpressionAttributeValues: { ":past": Math.floor(Date.now() / 1000) - 60 },
      }),
    );
  }

  /** As if another attempt with the key were still running. */
  async markInProgress(record: { pk: string; sk: string }) {
    await this.table.send(
      new UpdateCommand({
        TableName: this.api.stage.tableName,
        Key: record,
        UpdateExpression: "SET #status = :inProgress, in_progress_expiration = :later",
        ExpressionAttributeNames: { "#status": "status" },
        ExpressionAttributeValues: { ":inProgress": "INPROGRESS", ":later": Date.now() + 60_000 },
      }),
    );
  }

  destroy() {
    this.table.destroy();
  }
}

const ifMatch = (version: number) => ({ "if-match": etagOf(version) });
const mergePatch = { "content-type": "application/merge-patch+json" };

/** Each function's code paths. A driver may create users (through CreateUser) to arrange what its paths need. */
const codePaths: Record<string, (run: CodePathRun) => Promise<void>> = {
  async [routes.createUser.id](run) {
    const { api } = run;
    await run.step("create: new, no Idempotency-Key", 201, api.request("POST", "/users", { body: run.newUser("plain") }));

    const body = run.newUser("keyed");
    const key = randomUUID();
    const first = await run.createWithKey("create: new, with an Idempotency-Key", 201, body, key);
    const replay = await run.step("create: replay (same key, same body)", 201, api.request("POST", "/users", { body, headers: { "idempotency-key": key } }));
    run.same("create: the replay's body", replay.json, first.answer.json);
    await run.step(
      "create: same key, another body, record live",
      422,
      api.request("POST", "/users", { body: run.newUser("other"), headers: { "idempotency-key": key } }),
    );

    // The record is gone (its 24 hours passed, or the first attempt was killed): the user the key made is found, not read.
    await run.expire(first.record);
    const retried = await run.step(
      "create: record expired, user exists, same body",
      201,
      api.request("POST", "/users", { body, headers: { "idempotency-key": key } }),
    );
    run.same("create: the user of the retry after expiry", (retried.json as { userId?: string }).userId, (first.answer.json as { userId: string }).userId);
    await run.expire(first.record);
    await run.step(
      "create: record expired, user exists, another body",
      422,
      api.request("POST", "/users", { body: run.newUser("other"), headers: { "idempotency-key": key } }),
    );

    const runningBody = run.newUser("running");
    const runningKey = randomUUID();
    const running = await run.createWithKey("create: arrange a request in progress", 201, runningBody, runningKey);
    await run.markInProgress(running.record);
    await run.step("create: same key while in progress", 409, api.request("POST", "/users", { body: runningBody, headers: { "idempotency-key": runningKey } }));

    const taken = await run.createdUser("taken");
    await run.step("create: email taken, no key", 409, api.request("POST", "/users", { body: { email: taken.email, name: "Second" } }));
    // The failed create removes its in-progress record, so the key can be used again.
    await run.step(
      "create: email taken, with a key",
      409,
      api.request("POST", "/users", { body: { email: taken.email, name: "Second" }, headers: { "idempotency-key": randomUUID() } }),
    );
    await run.step("create: invalid body", 400, api.request("POST", "/users", { body: { email: "not an email" } }));
  },

  async [routes.getUser.id](run) {
    const { api } = run;
    const user = await run.createdUser("get");
    await run.step("get: found", 200, api.request("GET", `/users/${user.userId}`));
    await run.step("get: not found", 404, api.request("GET", `/users/${randomUUID()}`));
  },

  async [routes.replaceUser.id](run) {
    const { api } = run;
    const user = await run.createdUser("replace");
    const other = await run.createdUser("replace-other");
    await run.step(
      "replace: found, same email",
      200,
      api.request("PUT", `/users/${user.userId}`, { body: { email: user.email, name: "Renamed" }, headers: ifMatch(1) }),
    );
    await run.step("replace: found, new email", 200, api.request("PUT", `/users/${user.userId}`, { body: run.newUser("replaced") }));
    await run.step("replace: If-Match stale", 412, api.request("PUT", `/users/${user.userId}`, { body: run.newUser("stale"), headers: ifMatch(1) }));
    await run.step("replace: email taken", 409, api.request("PUT", `/users/${user.userId}`, { body: { email: other.email, name: "Clash" } }));
    await run.step("replace: not found", 404, api.request("PUT", `/users/${randomUUID()}`, { body: run.newUser("missing") }));
  },

  async [routes.patchUser.id](run) {
    const { api } = run;
    const user = await run.createdUser("patch");
    const other = await run.createdUser("patch-other");
    const patch = (body: unknown, headers: Record<string, string> = {}) =>
      api.request("PATCH", `/users/${user.userId}`, { body, headers: { ...mergePatch, ...headers } });
    await run.step("patch: found, same email", 200, patch({ name: "Patched" }, ifMatch(1)));
    await run.step("patch: found, new email", 200, patch({ email: run.newUser("patched").email }));
    await run.step("patch: If-Match stale", 412, patch({ name: "Stale" }, ifMatch(1)));
    await run.step("patch: email taken", 409, patch({ email: other.email }));
    await run.step("patch: not found", 404, api.request("PATCH", `/users/${randomUUID()}`, { body: { name: "Nobody" }, headers: mergePatch }));
  },

  async [routes.deleteUser.id](run) {
    const { api } = run;
    const user = await run.createdUser("delete");
    await run.step("delete: If-Match stale", 412, api.request("DELETE", `/users/${user.userId}`, { headers: ifMatch(7) }));
    await run.step("delete: found", 204, api.request("DELETE", `/users/${user.userId}`, { headers: ifMatch(1) }));
    await run.step("delete: not found", 404, api.request("DELETE", `/users/${user.userId}`));
  },

  async [routes.listUsers.id](run) {
    const { api } = run;
    for (const label of ["list-1", "list-2", "list-3"]) await run.createdUser(label);
    let page = await run.step("list: first page", 200, api.request("GET", "/users?limit=1"));
    for (let pages = 1; (page.json as { nextCursor?: string }).nextCursor && pages < 5; pages++) {
      const cursor = encodeURIComponent((page.json as { nextCursor: string }).nextCursor);
      page = await run.step(`list: cursor page ${pages + 1}`, 200, api.request("GET", `/users?limit=1&cursor=${cursor}`));
    }
    await run.step("list: tampered cursor", 400, api.request("GET", "/users?cursor=abc.def"));
    await run.step("list: limit out of range", 400, api.request("GET", "/users?limit=0"));
  },

  async [authorizer.id](run) {
    const { api } = run;
    await run.step("authorizer: full-access key", 200, api.request("GET", "/users?limit=1"));
    await run.step("authorizer: read-only key writing", 403, api.request("POST", "/users", { body: run.newUser("read-only"), key: api.keys.readOnly }));
    await run.step("authorizer: unknown key", 401, api.request("GET", "/users", { key: `unknown-${randomUUID()}` }));
  },
};

describe("every route's code paths, with every AWS call checked against its function's grants", () => {
  let api: TestApi;
  let run: CodePathRun;
  beforeAll(async () => {
    api = await startTestApi("least-privilege");
    run = new CodePathRun(api);
    for (const drive of Object.values(codePaths)) await drive(run);
  });
  afterAll(async () => {
    run?.destroy();
    await api?.stop();
  });

  it("drives every function, each path answering as the API document says", () => {
    expect(Object.keys(codePaths).sort()).toEqual([...routeList, authorizer].map(({ id }) => id).sort());
    expect(run.failures()).toEqual([]);
  });

  it("makes no call a grant does not allow, and leaves no grant unused", () => {
    expect(auditGrants([...routeList, authorizer], localGrantTargets(api.stage), api.iam.usage(), api.iam.denials())).toEqual([]);
  });
});

describe("the least-privilege check, when a route's grants are broken on purpose", () => {
  const withTableActions = (route: RouteDefinition, table: readonly DynamoDbAction[]): RouteDefinition => ({
    ...route,
    tableAccess: { ...route.tableAccess, table },
  });
  // PatchUser loses GetItem (it reads the user before writing); GetUser gains a Query it never makes.
  const missingGetItem = withTableActions(routes.patchUser, ["dynamodb:PutItem", "dynamodb:DeleteItem"]);
  const spareQuery = withTableActions(routes.getUser, ["dynamodb:GetItem", "dynamodb:Query"]);
  const broken: FunctionDefinition[] = [missingGetItem, spareQuery];
  let api: TestApi;
  let run: CodePathRun;
  beforeAll(async () => {
    api = await startTestApi("least-privilege-broken", {
      functions: { routes: routeList.map((route) => [missingGetItem, spareQuery].find(({ id }) => id === route.id) ?? route) },
    });
    run = new CodePathRun(api);
    await codePaths[routes.patchUser.id]!(run);
    await codePaths[routes.getUser.id]!(run);
  });
  afterAll(async () => {
    run?.destroy();
    await api?.stop();
  });

  it("names the function and the action of a missing grant, and of a spare one", () => {
    const table = localGrantTargets(api.stage).tableArn;

    const problems = auditGrants(broken, localGrantTargets(api.stage), api.iam.usage(), api.iam.denials());

    expect(problems).toEqual(
      expect.arrayContaining([`PatchUser was denied dynamodb:GetItem on ${table}`, `GetUser is granted dynamodb:Query on ${table} but never used it`]),
    );
    expect(run.failures()).toContainEqual(expect.stringMatching(/^patch: found, same email: expected 200, got 5\d\d/));
  });
});
