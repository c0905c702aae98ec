import { getSecret } from "@aws-lambda-powertools/parameters/secrets";
import { ApiKeyStore, authorizer, findApiKey } from "@users-api/core";
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { Config } from "sst/node/config";
import { logger } from "./observability.js";

/** Key records are cached in memory this long, so a revoked key stops working within a minute. */
const KEY_CACHE_SECONDS = 60;

async function loadKeys(): Promise<ApiKeyStore> {
  const stored = await getSecret(Config.API_KEYS_SECRET_ARN, { maxAge: KEY_CACHE_SECONDS, transform: "json" });
  return ApiKeyStore.parse(stored);
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
  const record = presented ? findApiKey(await loadKeys(), presented) : undefined;
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
