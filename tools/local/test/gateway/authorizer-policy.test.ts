import { describe, expect, it } from "vitest";
import { policyAllowsInvoke, type PolicyDocument } from "../../src/gateway/authorizer-policy.js";

const ARN = "arn:aws:execute-api:us-east-1:123456789012:abcdef0123/local/GET/users/42";

const policy = (...Statement: PolicyDocument["Statement"]): PolicyDocument => ({ Version: "2012-10-17", Statement });

describe("policyAllowsInvoke", () => {
  it.each([
    ["the exact method ARN", "arn:aws:execute-api:us-east-1:123456789012:abcdef0123/local/GET/users/42"],
    ["the whole stage", "arn:aws:execute-api:us-east-1:123456789012:abcdef0123/local/*"],
    ["any method on the path", "arn:aws:execute-api:us-east-1:123456789012:abcdef0123/local/*/users/42"],
    ["one-character wildcards", "arn:aws:execute-api:us-east-1:123456789012:abcdef0123/local/GET/users/4?"],
    ["everything", "*"],
  ])("allows a request when an Allow names %s", (_, resource) => {
    expect(policyAllowsInvoke(policy({ Effect: "Allow", Action: "execute-api:Invoke", Resource: resource }), ARN)).toBe(true);
  });

  it.each([
    ["another stage", "arn:aws:execute-api:us-east-1:123456789012:abcdef0123/prod/*"],
    ["another method", "arn:aws:execute-api:us-east-1:123456789012:abcdef0123/local/POST/*"],
    ["a path with different case", "arn:aws:execute-api:us-east-1:123456789012:abcdef0123/local/GET/Users/42"],
    ["a shorter path without a wildcard", "arn:aws:execute-api:us-east-1:123456789012:abcdef0123/local/GET/users"],
  ])("denies a request when the only Allow names %s", (_, resource) => {
    expect(policyAllowsInvoke(policy({ Effect: "Allow", Action: "execute-api:Invoke", Resource: resource }), ARN)).toBe(false);
  });

  it("denies when an explicit Deny matches, whatever else is allowed", () => {
    const document = policy(
      { Effect: "Allow", Action: ["execute-api:*"], Resource: ["*"] },
      { Effect: "Deny", Action: "execute-api:Invoke", Resource: "arn:aws:execute-api:*:*:*/local/GET/*" },
    );

    expect(policyAllowsInvoke(document, ARN)).toBe(false);
  });

  it("ignores statements about other actions, and compares actions case-insensitively", () => {
    expect(policyAllowsInvoke(policy({ Effect: "Allow", Action: "execute-api:ManageConnections", Resource: "*" }), ARN)).toBe(false);
    expect(policyAllowsInvoke(policy({ Effect: "Allow", Action: "Execute-API:invoke", Resource: "*" }), ARN)).toBe(true);
  });

  it("treats regular-expression characters in a resource literally", () => {
    expect(
      policyAllowsInvoke(policy({ Effect: "Allow", Action: "*", Resource: "arn:aws:execute-api:us-east-1:123456789012:abcdef0123/local/GET/users/4." }), ARN),
    ).toBe(false);
  });
});
