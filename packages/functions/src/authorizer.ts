import { SecretsProvider } from "@aws-lambda-powertools/parameters/secrets";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { ApiKeyStore, authorizer, findApiKey } from "@users-api/core";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { awsClientConfig } from "./aws-client-config.js";
import { boundValue } from "./bindings.js";
import { logger } from "./observability.js";
import { traceAwsClient } from "./tracing.js";

/** Key records are cached in memory this long, so a revoked key stops working within a minute. */
const KEY_CACHE_SECONDS = 60;
/**
 * An unknown key re-reads the secret at most this often, so a key created a
 * moment ago works at once while random keys cannot hammer Secrets Manager.
 */
const UNKNOWN_KEY_REFRESH_MS = 5_000;
let lastRefreshForUnknownKey = 0;
const apiKeysSecretArn = boundValue("apiKeysSecretArn");
/**
 * With the functions' timeouts: a hung Secrets Manager fails the authorizer fast (API Gateway answers 503).
 * Every read is a subsegment of the invocation's trace.
 */
const secrets = new SecretsProvider({ awsSdkV3Client: traceAwsClient(new SecretsManagerClient(awsClientConfig)) });

async function loadKeys(forceFetch = false): Promise<ApiKeyStore> {
  const stored = await secrets.get(apiKeysSecretArn, { maxAge: KEY_CACHE_SECONDS, transform: "json", forceFetch });
  return ApiKeyStore.parse(stored);
}

async function findKey(presented: string) {
  const cached = findApiKey(await loadKeys(), presented);
  if (cached || Date.now() - lastRefreshForUnknownKey < UNKNOWN_KEY_REFRESH_MS) return cached;
  lastRefreshForUnknownKey = Date.now();
  return findApiKey(await loadKeys(true), presented);
}

/** The policy allows the whole API stage: it is cached per key, and each handler checks its route's scope. */
function wholeStage(methodArn: string) {
  // arn:aws:execute-api:<region>:<account>:<apiId>/<stage>/<METHOD>/<path>
  const [apiArn, stage] = methodArn.split("/");
  return `${apiArn}/${stage}/*`;
}

/**
 * Lambda REQUEST authorizer. Throwing `Unauthorized` is how API Gateway is
 * told to answer 401; the key itself is never logged.
 */
export async function handler(event: APIGatewayRequestAuthorizerEvent): Promise<APIGatewayAuthorizerResult> {
  const header = Object.entries(event.headers ?? {}).find(([name]) => name.toLowerCase() === authorizer.identityHeader);
  const presented = header?.[1];
  const record = presented ? await findKey(presented) : undefined;
  if (!record) {
    logger.info("rejected an unknown or revoked API key");
    throw new Error("Unauthorized");
  }
  return {
    principalId: record.name,
    policyDocument: {
      Version: "2012-10-17",
      Statement: [{ Action: "execute-api:Invoke", Effect: "Allow", Resource: wholeStage(event.methodArn) }],
    },
    context: { keyName: record.name, scopes: record.scopes.join(" ") },
  };
}
