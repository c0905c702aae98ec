import type { GatewayResponseType } from "@users-api/core";
import type { APIGatewayRequestAuthorizerEvent } from "aws-lambda";
import { AuthorizerResult, policyAllowsInvoke, type PolicyDocument } from "./authorizer-policy.js";
import type { InvokeOutcome } from "./execution-environment.js";
import type { AuthorizerOutput } from "@users-api/emulators/api-gateway/proxy-event";

export type AuthorizerDecision =
  | { readonly allowed: true; readonly output: AuthorizerOutput }
  | { readonly allowed: false; readonly response: Extract<GatewayResponseType, "UNAUTHORIZED" | "ACCESS_DENIED" | "AUTHORIZER_FAILURE"> };

interface CachedPolicy {
  readonly expiresAt: number;
  readonly principalId: string;
  readonly policy: PolicyDocument;
  readonly context: Readonly<Record<string, string>>;
}

/** REST APIs hand the authorizer's context to the integration with every value as a string. */
const stringValues = (context: AuthorizerResult["context"]) =>
  Object.fromEntries(
    Object.entries(context ?? {})
      .filter(([, value]) => value !== null)
      .map(([key, value]) => [key, String(value)]),
  );

/**
 * A Lambda REQUEST authorizer as API Gateway runs it: the policy and context
 * are cached per identity-source value for the TTL, and a cached policy is
 * evaluated again against each request's method ARN.
 */
export class RequestAuthorizer {
  readonly #cache = new Map<string, CachedPolicy>();

  constructor(
    private readonly invoke: (event: APIGatewayRequestAuthorizerEvent, traceRoot: string) => Promise<InvokeOutcome>,
    private readonly ttlMs: number,
  ) {}

  async authorize(identity: string, event: APIGatewayRequestAuthorizerEvent, traceRoot: string): Promise<AuthorizerDecision> {
    const started = performance.now();
    let cached = this.#cache.get(identity);
    if (cached && cached.expiresAt <= Date.now()) {
      this.#cache.delete(identity);
      cached = undefined;
    }
    if (!cached) {
      const outcome = await this.invoke(event, traceRoot);
      if (!outcome.ok) {
        return { allowed: false, response: outcome.error.errorMessage === "Unauthorized" ? "UNAUTHORIZED" : "AUTHORIZER_FAILURE" };
      }
      const result = AuthorizerResult.safeParse(outcome.payload);
      if (!result.success) return { allowed: false, response: "AUTHORIZER_FAILURE" };
      cached = {
        expiresAt: Date.now() + this.ttlMs,
        principalId: result.data.principalId,
        policy: result.data.policyDocument,
        context: stringValues(result.data.context),
      };
      if (this.ttlMs > 0) this.#cache.set(identity, cached);
    }
    if (!policyAllowsInvoke(cached.policy, event.methodArn)) return { allowed: false, response: "ACCESS_DENIED" };
    return {
      allowed: true,
      output: { principalId: cached.principalId, context: cached.context, integrationLatency: Math.round(performance.now() - started) },
    };
  }
}
