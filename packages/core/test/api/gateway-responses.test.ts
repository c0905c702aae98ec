import { describe, expect, it } from "vitest";
import { gatewayProblem, gatewayResponses, type GatewayResponseType } from "../../src/api/gateway-responses.js";
import { PROBLEM_CONTENT_TYPE, problemTypes } from "../../src/problem.js";

describe("gatewayProblem", () => {
  it.each(Object.keys(gatewayResponses) as GatewayResponseType[])("answers %s with a problem document of its status", (type) => {
    const { status, detail } = gatewayResponses[type];
    expect(gatewayProblem(type)).toEqual({
      status,
      contentType: PROBLEM_CONTENT_TYPE,
      body: { ...problemTypes[status], status, detail },
    });
  });

  it("answers a missing or bad API key with 401", () => {
    expect(gatewayProblem("UNAUTHORIZED").status).toBe(401);
  });
});
