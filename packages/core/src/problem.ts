import * as z from "./zod.js";

/** Media type of RFC 9457 problem details. */
export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** An RFC 9457 problem document, as every error of the API is returned; also its OpenAPI schema. */
export const Problem = z.strictObject({
  type: z.string().check(z.describe("URI reference naming the kind of problem, relative to the API, e.g. /problems/not-found.")),
  title: z.string().check(z.describe("Short summary of the kind of problem; the same for every problem of a type.")),
  status: z.int().check(z.minimum(400), z.maximum(599), z.describe("The HTTP status code.")),
  detail: z.string().check(z.describe("What went wrong with this request.")),
  errors: z
    .optional(z.array(z.strictObject({ path: z.string(), message: z.string() })))
    .check(z.describe("For invalid requests: each invalid field (e.g. body.email, query.limit) and why.")),
});
export type Problem = z.infer<typeof Problem>;

/** The problem types this API returns, by HTTP status; `type` is a URI reference relative to the API. */
export const problemTypes = {
  400: { type: "/problems/bad-request", title: "Bad Request" },
  401: { type: "/problems/unauthorized", title: "Unauthorized" },
  403: { type: "/problems/forbidden", title: "Forbidden" },
  404: { type: "/problems/not-found", title: "Not Found" },
  405: { type: "/problems/method-not-allowed", title: "Method Not Allowed" },
  409: { type: "/problems/conflict", title: "Conflict" },
  412: { type: "/problems/precondition-failed", title: "Precondition Failed" },
  413: { type: "/problems/payload-too-large", title: "Payload Too Large" },
  422: { type: "/problems/unprocessable-content", title: "Unprocessable Content" },
  429: { type: "/problems/too-many-requests", title: "Too Many Requests" },
  500: { type: "/problems/internal-error", title: "Internal Server Error" },
  502: { type: "/problems/bad-gateway", title: "Bad Gateway" },
  503: { type: "/problems/service-unavailable", title: "Service Unavailable" },
  504: { type: "/problems/gateway-timeout", title: "Gateway Timeout" },
} as const satisfies Record<number, { type: string; title: string }>;

export type ProblemStatus = keyof typeof problemTypes;

export function problem(status: ProblemStatus, detail: string, errors?: readonly { readonly path: string; readonly message: string }[]): Problem {
  return { ...problemTypes[status], status, detail, ...(errors && errors.length > 0 ? { errors: [...errors] } : {}) };
}
