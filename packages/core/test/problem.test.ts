import { describe, expect, it } from "vitest";
import { PROBLEM_CONTENT_TYPE, problem, problemTypes, type ProblemStatus } from "../src/problem.js";

const statuses = Object.keys(problemTypes).map(Number) as ProblemStatus[];

describe("problem", () => {
  it("builds an RFC 9457 document with type, title, status and detail", () => {
    expect(problem(404, "No user has the id x.")).toEqual({
      type: "/problems/not-found",
      title: "Not Found",
      status: 404,
      detail: "No user has the id x.",
    });
  });

  it("lists field errors when there are some", () => {
    const errors = [{ path: "body.email", message: "must be a valid email address" }];
    expect(problem(400, "The body is not a valid user.", errors)).toEqual({
      type: "/problems/bad-request",
      title: "Bad Request",
      status: 400,
      detail: "The body is not a valid user.",
      errors,
    });
  });

  it("leaves out an empty list of field errors", () => {
    expect(problem(400, "Bad.", [])).not.toHaveProperty("errors");
  });

  it.each(statuses)("has a distinct problem type and a title for status %i", (status) => {
    const { type, title } = problemTypes[status];
    expect(type).toMatch(/^\/problems\/[a-z-]+$/);
    expect(title.length).toBeGreaterThan(0);
    expect(statuses.filter((other) => problemTypes[other].type === type)).toEqual([status]);
  });

  it("uses the problem+json media type", () => {
    expect(PROBLEM_CONTENT_TYPE).toBe("application/problem+json");
  });
});
