import { describe, expect, it } from "vitest";
import { gatewayProblem, gatewayResponses, type GatewayResponseType } from "../../src/api/gateway-responses.js";
import { PROBLEM_CONTENT_TYPE, problemTypes } from "../../src/problem.js";

describe("gatewayProblem", () => {
  it.each(Object.keys(gatewayResponses) as GatewayResponseType[])("answers %s with a problem document of its status", (type) => {
    const { status, detail } = gatewayResponses[type];
    expect(gatewayProblem(type)).toEqual({
      status,
      contentType: PROBLEM_CONTENT_TYPE,
      headers: status === 503 || status === 429 ? { "Retry-After": "1" } : {},
      body: { ...problemTypes[status], status, detail },
    });
  });

  it.each(["AUTHORIZER_FAILURE", "AUTHORIZER_CONFIGURATION_ERROR"] as const)(
    "answers %s (the authorizer could not read the keys in time) with 503 and Retry-After",
    (type) => {
      expect(gatewayProblem(type)).toMatchObject({ status: 503, headers: { "Retry-After": "1" } });
    },
  );

  it("answers a missing or bad API key with 401", () => {
    expect(gatewayProblem("UNAUTHORIZED").status).toBe(401);
  });
});
