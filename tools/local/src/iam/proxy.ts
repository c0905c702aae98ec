import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { DescribeSecretCommand, ResourceNotFoundException, SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { authorizer, routeList, type FunctionDefinition } from "@users-api/core";
import { LOCAL_CREDENTIALS, type LocalStage } from "@users-api/emulators/stage";
import { assumedRoleArn, LOCAL_ACCOUNT_ID, secretsManagerSecretArn } from "./arns.js";
import {
  accessDenied,
  awsErrorResponse,
  missingAuthenticationToken,
  serializationError,
  unknownOperation,
  unrecognizedClient,
  type AwsErrorResponse,
} from "./aws-errors.js";
import { grantsOf, isAllowed, localGrantTargets, type PolicyStatement } from "./policy.js";
import { MalformedRequestError, operationOf, requiredAccess, type AccessCheck, type AwsService } from "./required-access.js";

/** One authorization decision: which function asked for which action on which resource. */
export interface IamCall {
  readonly functionId: string;
  readonly action: string;
  readonly resource: string;
}

export interface IamProxyOptions {
  readonly stage: LocalStage;
  /** @default every route's function and the authorizer */
  readonly functions?: readonly FunctionDefinition[];
  /** @default a free port */
  readonly port?: number;
  /**
   * The statements of each function's role: plain IAM statements, so deployed roles can be enforced too.
   * @default what the product grants it (`grantsOf`), on the stage's local ARNs
   */
  readonly statementsFor?: (definition: FunctionDefinition) => readonly PolicyStatement[];
  /**
   * Where a function's allowed calls go, per service: a fault placed behind the IAM check (a hung or
   * refusing endpoint), so the function's traffic is still checked. @default the stage's emulators
   */
  readonly upstreamsFor?: (functionId: string) => Partial<Record<AwsService, string>>;
  /**
   * The identities to enforce, each with its role's statements as deployed (e.g. read from the emulator's
   * IAM after `sst deploy`), instead of `functions` and their grants.
   */
  readonly policies?: readonly FunctionPolicy[];
}

/** One function's identity as deployed: the name the proxy knows it by, its role's name and statements. */
export interface FunctionPolicy {
  readonly functionId: string;
  readonly roleName: string;
  readonly statements: readonly PolicyStatement[];
}

export interface IamProxy {
  /** Where the functions' SDK clients send DynamoDB, Secrets Manager and SSM requests. */
  readonly endpoint: string;
  /**
   * AWS_* variables for one function: the three service endpoints pointing at
   * the proxy, its region, and credentials that identify the function.
   */
  environmentFor(functionId: string): Record<string, string>;
  /** Every call allowed so far: function id, IAM action, resource ARN (to prove each grant is used). */
  usage(): readonly IamCall[];
  /** Every call denied so far. */
  denials(): readonly IamCall[];
  stop(): Promise<void>;
}

interface FunctionIdentity {
  readonly functionId: string;
  readonly principalArn: string;
  readonly statements: readonly PolicyStatement[];
  readonly upstreams: Readonly<Record<AwsService, URL>>;
  readonly credentials: { readonly accessKeyId: string; readonly secretAccessKey: string; readonly sessionToken: string };
}

/** Temporary credentials as Lambda hands them to a function: an `ASIA…` key id, a secret and a session token. */
function sessionCredentials() {
  return {
    accessKeyId: `ASIA${randomBytes(8).toString("hex").toUpperCase()}`,
    secretAccessKey: randomBytes(30).toString("base64"),
    sessionToken: randomBytes(96).toString("base64"),
  };
}

/** Access key id and region from a SigV4 `Authorization` header's credential scope. */
function credentialScopeOf(authorization: string | undefined) {
  const match = /Credential=([^/,\s]+)\/\d{8}\/([^/]+)\/[^/]+\/aws4_request/.exec(authorization ?? "");
  return match?.[1] && match[2] ? { accessKeyId: match[1], region: match[2] } : undefined;
}

function send(response: ServerResponse, error: AwsErrorResponse) {
  response.writeHead(error.status, { ...error.headers, "content-length": Buffer.byteLength(error.body) });
  response.end(error.body);
}

async function readBody(request: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * Sends the request on unchanged (the emulators do not check signatures) and streams the answer back. An
 * upstream that refuses or drops the connection drops the function's too, so its SDK sees the network
 * fault it would see without the proxy; a function that gives up on a silent upstream ends the upstream call.
 */
function forward(request: IncomingMessage, body: Buffer, upstream: URL, response: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      { hostname: upstream.hostname, port: upstream.port, method: request.method, path: request.url, headers: request.headers },
      (incoming) => {
        response.writeHead(incoming.statusCode ?? 502, incoming.rawHeaders);
        pipeline(incoming, response).then(resolve, reject);
      },
    );
    outgoing.once("error", () => {
      response.destroy();
      resolve();
    });
    response.once("close", () => outgoing.destroy());
    outgoing.end(body);
  });
}

/**
 * Starts an HTTP proxy in front of DynamoDB Local and moto that enforces, per
 * function, the grants its definition gives it on AWS. Each function gets its
 * own access key id; a call outside its grants gets the `AccessDeniedException`
 * AWS would send, and nothing reaches the emulator.
 *
 * @example
 * const iam = await startIamProxy({ stage });
 * spawn("node", [entry], { env: { ...process.env, ...iam.environmentFor("GetUser") } });
 */
export async function startIamProxy(options: IamProxyOptions): Promise<IamProxy> {
  const { stage } = options;
  const functions = options.functions ?? [...routeList, authorizer];
  const targets = localGrantTargets(stage);
  const emulators: Record<AwsService, string> = {
    dynamodb: stage.endpoints.dynamoDb,
    secretsmanager: stage.endpoints.moto,
    ssm: stage.endpoints.moto,
  };
  const upstreamsOf = (functionId: string): Record<AwsService, URL> => {
    const chosen = { ...emulators, ...options.upstreamsFor?.(functionId) };
    return { dynamodb: new URL(chosen.dynamodb), secretsmanager: new URL(chosen.secretsmanager), ssm: new URL(chosen.ssm) };
  };
  const policies: readonly FunctionPolicy[] =
    options.policies ??
    functions.map((definition) => ({
      functionId: definition.id,
      roleName: "",
      statements: options.statementsFor?.(definition) ?? grantsOf(definition, targets),
    }));
  const identities = new Map<string, FunctionIdentity>();
  for (const { functionId, roleName, statements } of policies) {
    if (identities.has(functionId)) throw new Error(`Function id "${functionId}" is defined twice.`);
    identities.set(functionId, {
      functionId,
      principalArn: roleName ? `arn:aws:sts::${LOCAL_ACCOUNT_ID}:assumed-role/${roleName}/${functionId}` : assumedRoleArn(LOCAL_ACCOUNT_ID, functionId),
      statements,
      upstreams: upstreamsOf(functionId),
      credentials: sessionCredentials(),
    });
  }
  const byAccessKeyId = new Map([...identities.values()].map((identity) => [identity.credentials.accessKeyId, identity]));
  const used: IamCall[] = [];
  const denied: IamCall[] = [];

  // The proxy's own look-ups use the emulator directly, under no function's identity.
  const secretsClients = new Map<string, SecretsManagerClient>();
  async function resolveSecretArn(region: string, secretId: string): Promise<string> {
    let client = secretsClients.get(region);
    if (!client) {
      client = new SecretsManagerClient({ region, endpoint: stage.endpoints.moto, credentials: LOCAL_CREDENTIALS });
      secretsClients.set(region, client);
    }
    try {
      const { ARN } = await client.send(new DescribeSecretCommand({ SecretId: secretId }));
      if (ARN) return ARN;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    // AWS authorizes before it looks the secret up, so a missing secret is judged by the ARN it would have.
    return secretId.startsWith("arn:") ? secretId : secretsManagerSecretArn({ region, account: LOCAL_ACCOUNT_ID }, secretId);
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const body = await readBody(request);
    const target = operationOf(request.headers["x-amz-target"]?.toString());
    if (!target) return send(response, unknownOperation());
    const scope = credentialScopeOf(request.headers.authorization);
    if (!scope) return send(response, missingAuthenticationToken(target.service));
    const identity = byAccessKeyId.get(scope.accessKeyId);
    if (!identity) return send(response, unrecognizedClient(target.service));

    let checks: AccessCheck[];
    try {
      const payload: unknown = body.length > 0 ? JSON.parse(body.toString("utf8")) : {};
      checks = await requiredAccess(target.service, target.operation, payload, {
        scope: { region: scope.region, account: LOCAL_ACCOUNT_ID },
        resolveSecretArn: (secretId) => resolveSecretArn(scope.region, secretId),
      });
    } catch (error) {
      if (error instanceof SyntaxError || error instanceof MalformedRequestError) return send(response, serializationError(target.service, error.message));
      throw error;
    }

    const refused = checks.filter((check) => !isAllowed(identity.statements, check.action, check.resource));
    const [first] = refused;
    if (first) {
      denied.push(...refused.map((check) => ({ functionId: identity.functionId, ...check })));
      return send(response, accessDenied(target.service, identity.principalArn, first.action, first.resource));
    }
    used.push(...checks.map((check) => ({ functionId: identity.functionId, ...check })));
    await forward(request, body, identity.upstreams[target.service], response);
  }

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (response.headersSent) return response.destroy();
      send(response, awsErrorResponse(undefined, 500, "InternalFailure", `IAM proxy: ${String(error)}`));
    });
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    endpoint,
    environmentFor(functionId) {
      const identity = identities.get(functionId);
      if (!identity) throw new Error(`No function "${functionId}" is known to the IAM proxy.`);
      return {
        AWS_REGION: stage.region,
        AWS_DEFAULT_REGION: stage.region,
        AWS_ACCESS_KEY_ID: identity.credentials.accessKeyId,
        AWS_SECRET_ACCESS_KEY: identity.credentials.secretAccessKey,
        AWS_SESSION_TOKEN: identity.credentials.sessionToken,
        AWS_ENDPOINT_URL_DYNAMODB: endpoint,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: endpoint,
        AWS_ENDPOINT_URL_SSM: endpoint,
      };
    },
    usage: () => [...used],
    denials: () => [...denied],
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      for (const client of secretsClients.values()) client.destroy();
    },
  };
}
