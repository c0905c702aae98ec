import { execFile } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { createSocket } from "node:dgram";
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import {
  GetPolicyCommand as GetManagedPolicyCommand,
  GetPolicyVersionCommand,
  GetRolePolicyCommand,
  ListAttachedRolePoliciesCommand,
  ListRolePoliciesCommand,
  type IAMClient,
} from "@aws-sdk/client-iam";
import { GetAliasCommand, GetFunctionCommand, GetFunctionConfigurationCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import { GetObjectCommand, HeadObjectCommand, ListBucketsCommand, type S3Client } from "@aws-sdk/client-s3";
import type { PolicyStatement } from "@users-api/core";
import { buildRuntimeBootstrap } from "@users-api/local/gateway/bundle";
import type { InvokeOutcome } from "@users-api/local/gateway/execution-environment";
import { FunctionPool } from "@users-api/local/gateway/function-pool";
import { StartLimiter } from "@users-api/local/gateway/start-limiter";
import { startIamProxy, type FunctionPolicy, type IamProxy } from "@users-api/local/iam";
import type { EmulatorAccess } from "../checker/clients.js";

const unzip = promisify(execFile);

/** Lambda's init phase has its own limit. */
const INIT_TIMEOUT_MS = 10_000;

/** A function version as deployed: its configuration and its code, unpacked from the emulator's S3. */
export interface DeployedFunction {
  /** The ARN it was asked for (e.g. the integration's, with the alias). */
  readonly invokedArn: string;
  readonly functionName: string;
  /** The alias in the ARN, if any. */
  readonly alias?: string;
  /** The version that answers: the alias's, or `$LATEST`. */
  readonly version: string;
  readonly handler: string;
  readonly runtime: string;
  readonly memorySizeMb: number;
  readonly timeoutSeconds: number;
  readonly environment: Readonly<Record<string, string>>;
  readonly roleArn: string;
  /** The code's SHA-256 (base64), as Lambda reports it and as the bytes in S3 hash to. */
  readonly codeSha256: string;
  /** Where the code is unpacked (Lambda's `/var/task`). */
  readonly taskRoot: string;
}

/** `arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` → name and qualifier. */
export function splitFunctionArn(arn: string): { functionName: string; qualifier?: string } {
  const match = /^arn:[^:]+:lambda:[^:]+:[^:]+:function:([^:]+)(?::([^:]+))?$/.exec(arn);
  if (!match?.[1]) throw new Error(`${arn} is not a Lambda function ARN`);
  return { functionName: match[1], qualifier: match[2] };
}

export interface DeployedClients {
  readonly lambda: LambdaClient;
  readonly s3: S3Client;
  readonly iam: IAMClient;
}

/** Finds the bucket holding an S3 key (the function's code asset, which Lambda reports without its bucket). */
async function bucketHolding(s3: S3Client, key: string): Promise<string> {
  const { Buckets = [] } = await s3.send(new ListBucketsCommand({}));
  for (const { Name } of Buckets) {
    if (!Name) continue;
    const found = await s3.send(new HeadObjectCommand({ Bucket: Name, Key: key })).then(
      () => true,
      () => false,
    );
    if (found) return Name;
  }
  throw new Error(`no bucket holds the code object ${key}`);
}

/**
 * Loads one deployed function version: resolves the alias to its version, reads that version's
 * configuration, downloads its code object from the emulator's S3, checks the bytes hash to the
 * version's CodeSha256 (so it is byte for byte the uploaded asset), and unpacks it under `workDir`.
 */
export async function loadDeployedFunction(clients: DeployedClients, functionArn: string, workDir: string): Promise<DeployedFunction> {
  const { functionName, qualifier } = splitFunctionArn(functionArn);
  let version = qualifier ?? "$LATEST";
  let alias: string | undefined;
  if (qualifier && !/^\d+$/.test(qualifier) && qualifier !== "$LATEST") {
    alias = qualifier;
    const found = await clients.lambda.send(new GetAliasCommand({ FunctionName: functionName, Name: qualifier }));
    if (!found.FunctionVersion) throw new Error(`${functionName}: alias ${qualifier} has no version`);
    version = found.FunctionVersion;
  }
  const { Configuration: configuration, Code: code } = await clients.lambda.send(new GetFunctionCommand({ FunctionName: functionName, Qualifier: version }));
  if (!configuration?.Handler || !configuration.Role || !configuration.CodeSha256)
    throw new Error(`${functionName}:${version} has no handler, role or code hash`);
  const key = code?.Location ? decodeURIComponent(new URL(code.Location).pathname.slice(1)) : undefined;
  if (!key) throw new Error(`${functionName}:${version} has no code in S3`);
  const bucket = await bucketHolding(clients.s3, key);
  const object = await clients.s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  const bytes = Buffer.from((await object.Body?.transformToByteArray()) ?? []);
  const sha256 = createHash("sha256").update(bytes).digest("base64");
  if (sha256 !== configuration.CodeSha256) {
    throw new Error(
      `${functionName}:${version}: the code in s3://${bucket}/${key} hashes to ${sha256}, the function's CodeSha256 is ${configuration.CodeSha256}`,
    );
  }
  const taskRoot = path.join(workDir, `${functionName}-${version}`);
  mkdirSync(taskRoot, { recursive: true });
  const archive = path.join(workDir, `${functionName}-${version}.zip`);
  writeFileSync(archive, bytes);
  await unzip("unzip", ["-o", "-q", archive, "-d", taskRoot]);
  return {
    invokedArn: functionArn,
    functionName,
    alias,
    version,
    handler: configuration.Handler,
    runtime: configuration.Runtime ?? "nodejs22.x",
    memorySizeMb: configuration.MemorySize ?? 128,
    timeoutSeconds: configuration.Timeout ?? 3,
    environment: configuration.Environment?.Variables ?? {},
    roleArn: configuration.Role,
    codeSha256: configuration.CodeSha256,
    taskRoot,
  };
}

interface PolicyDocument {
  readonly Statement:
    | readonly { Effect: string; Action?: string | string[]; Resource?: string | string[] }[]
    | { Effect: string; Action?: string | string[]; Resource?: string | string[] };
}

const asList = (value: string | readonly string[] | undefined): string[] => (value === undefined ? [] : typeof value === "string" ? [value] : [...value]);

/** The Allow statements of a policy document (IAM returns documents URL-encoded). */
function allowStatements(document: string | undefined): PolicyStatement[] {
  if (!document) return [];
  const text = document.trimStart().startsWith("{") ? document : decodeURIComponent(document);
  const { Statement } = JSON.parse(text) as PolicyDocument;
  const statements = Array.isArray(Statement) ? Statement : [Statement];
  return statements
    .filter((statement) => statement.Effect === "Allow")
    .map((statement) => ({ actions: asList(statement.Action), resources: asList(statement.Resource) }));
}

/** Every Allow statement of a role's inline and attached policies, as the emulator's IAM holds them. */
export async function rolePolicy(iam: IAMClient, roleArn: string): Promise<{ roleName: string; statements: PolicyStatement[] }> {
  const roleName = roleArn.split("/").at(-1) ?? roleArn;
  const statements: PolicyStatement[] = [];
  const { PolicyNames = [] } = await iam.send(new ListRolePoliciesCommand({ RoleName: roleName }));
  for (const PolicyName of PolicyNames) {
    const { PolicyDocument } = await iam.send(new GetRolePolicyCommand({ RoleName: roleName, PolicyName }));
    statements.push(...allowStatements(PolicyDocument));
  }
  const { AttachedPolicies = [] } = await iam.send(new ListAttachedRolePoliciesCommand({ RoleName: roleName }));
  for (const { PolicyArn } of AttachedPolicies) {
    const policy = await iam.send(new GetManagedPolicyCommand({ PolicyArn })).catch(() => undefined);
    if (!policy?.Policy?.DefaultVersionId) continue;
    const { PolicyVersion } = await iam.send(new GetPolicyVersionCommand({ PolicyArn, VersionId: policy.Policy.DefaultVersionId }));
    statements.push(...allowStatements(PolicyVersion?.Document));
  }
  return { roleName, statements };
}

export interface DeployedFunctionsOptions {
  readonly clients: DeployedClients;
  /** The emulator the functions' AWS calls go to, through the IAM proxy. */
  readonly emulator: EmulatorAccess;
  /** Where code is unpacked and each function's log (`<name>.log`) is written. */
  readonly workDir: string;
  /** The deployed function ARNs (with their alias qualifiers) to run. */
  readonly functionArns: readonly string[];
  /**
   * Variables for the rehearsal's stand-ins of services the IAM proxy does not front, added to every
   * function's: e.g. IoT's endpoint and the broker's certificate for SST's Live Lambda stubs.
   */
  readonly runtimeEnvironment?: Readonly<Record<string, string>>;
}

export interface DeployedFunctions {
  /** Each loaded function by the ARN it was asked for. */
  readonly functions: ReadonlyMap<string, DeployedFunction>;
  /** The IAM proxy enforcing the deployed roles: `denials()` says which call a role refused. */
  readonly iam: IamProxy;
  /** Invokes a loaded function as Lambda would; the outcome is Lambda's (an init error, a timeout, ...). */
  invoke(functionArn: string, event: unknown, traceRoot?: string): Promise<InvokeOutcome>;
  stop(): Promise<void>;
}

/** The execution environment's variables as Lambda sets them for a deployed function version. */
function lambdaVariables(fn: DeployedFunction, region: string, runtimeDir: string, xrayDaemonAddress: string, logStreamName: string): Record<string, string> {
  const [xrayHost = "127.0.0.1", xrayPort = "2000"] = xrayDaemonAddress.split(":");
  return {
    AWS_REGION: region,
    AWS_DEFAULT_REGION: region,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_VERSION: fn.version,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySizeMb),
    AWS_LAMBDA_INITIALIZATION_TYPE: "on-demand",
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: logStreamName,
    AWS_XRAY_CONTEXT_MISSING: "LOG_ERROR",
    AWS_XRAY_DAEMON_ADDRESS: xrayDaemonAddress,
    _AWS_XRAY_DAEMON_ADDRESS: xrayHost,
    _AWS_XRAY_DAEMON_PORT: xrayPort,
    _HANDLER: fn.handler,
    LAMBDA_TASK_ROOT: fn.taskRoot,
    LAMBDA_RUNTIME_DIR: runtimeDir,
    LANG: "en_US.UTF-8",
    PATH: "/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin",
    TZ: ":UTC",
    ...fn.environment,
  };
}

/**
 * Runs deployed functions as Lambda runs them: each version's uploaded code (byte for byte the asset in the
 * emulator's S3) on Node 22, with its deployed handler, environment, memory and timeout; every AWS call it
 * makes goes through the IAM proxy, which enforces the policies of the function's deployed execution role
 * (read through the emulator's IAM), not the route table's grants. Used by the served stage of the
 * rehearsal and by anything that needs to invoke a function of a stage deployed to the emulator.
 *
 * @example
 * const functions = await startDeployedFunctions({ clients, emulator, workDir, functionArns: [arn] });
 * const outcome = await functions.invoke(arn, event);
 * await functions.stop();
 */
export async function startDeployedFunctions(options: DeployedFunctionsOptions): Promise<DeployedFunctions> {
  const { clients, emulator, workDir } = options;
  mkdirSync(workDir, { recursive: true });
  const functions = new Map<string, DeployedFunction>();
  for (const arn of new Set(options.functionArns)) functions.set(arn, await loadDeployedFunction(clients, arn, path.join(workDir, "code")));
  const byName = new Map<string, DeployedFunction>();
  for (const fn of functions.values()) byName.set(fn.functionName, fn);
  const policies: FunctionPolicy[] = [];
  for (const fn of byName.values()) {
    const { roleName, statements } = await rolePolicy(clients.iam, fn.roleArn);
    policies.push({ functionId: fn.functionName, roleName, statements });
  }
  const iam = await startIamProxy({
    stage: {
      app: "",
      stage: "",
      region: emulator.region,
      tableName: "",
      apiKeysSecretArn: "",
      endpoints: { dynamoDb: emulator.endpoint, moto: emulator.endpoint },
    },
    policies,
  });
  const bootstrap = await buildRuntimeBootstrap(path.join(workDir, "runtime"));
  const xray = createSocket("udp4");
  xray.on("message", () => undefined);
  await new Promise<void>((resolve) => xray.bind(0, "127.0.0.1", () => resolve()));
  const xrayAddress = `127.0.0.1:${xray.address().port}`;
  const startLimiter = new StartLimiter(2);
  const logs: WriteStream[] = [];
  const pools = new Map<string, FunctionPool>();
  const retired: FunctionPool[] = [];
  const variables = new Map<string, Readonly<Record<string, string>>>();
  const poolOf = (arn: string, fn: DeployedFunction) => {
    const log = createWriteStream(path.join(workDir, `${fn.functionName}.log`), { flags: "a" });
    logs.push(log);
    const aws = iam.environmentFor(fn.functionName);
    const current = { ...fn, environment: variables.get(arn) ?? fn.environment };
    return new FunctionPool(
      {
        functionId: fn.functionName,
        bootstrap,
        taskRoot: fn.taskRoot,
        memorySizeMb: fn.memorySizeMb,
        initTimeoutMs: INIT_TIMEOUT_MS,
        log,
        environment: (logStreamName) => ({
          ...lambdaVariables(current, emulator.region, path.dirname(bootstrap), xrayAddress, logStreamName),
          ...aws,
          ...options.runtimeEnvironment,
        }),
      },
      { maxEnvironments: 10, idleTimeoutMs: 600_000, startLimiter },
    );
  };
  for (const [arn, fn] of functions) {
    variables.set(arn, fn.environment);
    pools.set(arn, poolOf(arn, fn));
  }
  /**
   * Lambda starts new environments once a version's variables change (`sst secrets set` restarts the bound
   * functions so): the pool is replaced when they differ from what its environments started with.
   */
  const poolFor = async (arn: string, fn: DeployedFunction) => {
    const { Environment } = await clients.lambda.send(new GetFunctionConfigurationCommand({ FunctionName: fn.functionName, Qualifier: fn.version }));
    const now = Environment?.Variables ?? {};
    if (JSON.stringify(now) !== JSON.stringify(variables.get(arn))) {
      const stale = pools.get(arn);
      variables.set(arn, now);
      pools.set(arn, poolOf(arn, fn));
      // Requests already in the old environments finish there, as on Lambda; they stop with the rest.
      if (stale) retired.push(stale);
    }
    return pools.get(arn);
  };
  return {
    functions,
    iam,
    async invoke(functionArn, event, traceRoot = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString("hex")}`) {
      const fn = functions.get(functionArn);
      if (!fn) throw new Error(`${functionArn} is not one of the loaded functions`);
      const pool = await poolFor(functionArn, fn);
      if (!pool) throw new Error(`${functionArn} is not one of the loaded functions`);
      return pool.invoke(
        { requestId: randomUUID(), event, invokedFunctionArn: functionArn, traceId: `Root=${traceRoot};Parent=${randomBytes(8).toString("hex")};Sampled=1` },
        fn.timeoutSeconds * 1000,
      );
    },
    async stop() {
      await Promise.all([...pools.values(), ...retired].map((pool) => pool.stop()));
      await iam.stop();
      await new Promise<void>((resolve) => xray.close(() => resolve()));
      await Promise.all(logs.map((log) => new Promise<void>((resolve) => log.end(() => resolve()))));
    },
  };
}

/**
 * Invokes one deployed function once (loads it, runs it under its deployed role, stops it): for a caller
 * that needs a single invocation rather than a running set.
 */
export async function invokeDeployedFunction(
  options: Omit<DeployedFunctionsOptions, "functionArns"> & { readonly functionArn: string; readonly event: unknown },
): Promise<InvokeOutcome> {
  const functions = await startDeployedFunctions({ ...options, functionArns: [options.functionArn] });
  try {
    return await functions.invoke(options.functionArn, options.event);
  } finally {
    await functions.stop();
  }
}
