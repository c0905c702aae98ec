import { validateHeaderName, validateHeaderValue } from "node:http";
import { z } from "zod";

const HeaderValue = z.union([z.string(), z.number(), z.boolean()]);

/** The Lambda proxy integration result API Gateway accepts; anything else is a "Malformed Lambda proxy response" (502). */
const ProxyResult = z.object({
  // A 1xx cannot be a final response.
  statusCode: z.number().int().min(200).max(599),
  headers: z.record(z.string(), HeaderValue).nullish(),
  multiValueHeaders: z.record(z.string(), z.array(HeaderValue)).nullish(),
  body: z.string().nullish(),
  isBase64Encoded: z.boolean().nullish(),
});

/** Response headers API Gateway renames to `x-amzn-Remapped-<name>` instead of passing them on. */
const REMAPPED = new Set(["authorization", "connection", "content-length", "date", "server", "www-authenticate"]);
/** Hop-by-hop headers that never reach the client. */
const DROPPED = new Set(["transfer-encoding", "keep-alive", "upgrade", "trailer", "te", "proxy-connection"]);

export interface HttpResponseParts {
  readonly statusCode: number;
  readonly headers: Record<string, string[]>;
  readonly body: Buffer;
}

/**
 * Turns a handler's result into the HTTP response API Gateway sends: headers
 * and multi-value headers merged (a multi-value entry replaces the single
 * one of the same name), `application/json` when the handler names no content
 * type. `undefined` when the result is malformed.
 */
export function httpResponseOf(payload: unknown): HttpResponseParts | undefined {
  const parsed = ProxyResult.safeParse(payload);
  if (!parsed.success) return undefined;
  const result = parsed.data;
  const merged = new Map<string, { name: string; values: string[] }>();
  for (const [name, value] of Object.entries(result.headers ?? {})) merged.set(name.toLowerCase(), { name, values: [String(value)] });
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    merged.set(name.toLowerCase(), { name, values: values.map(String) });
  }
  const headers: Record<string, string[]> = {};
  for (const [lower, { name, values }] of merged) {
    if (DROPPED.has(lower)) continue;
    const outgoing = REMAPPED.has(lower) ? `x-amzn-Remapped-${name}` : name;
    try {
      validateHeaderName(outgoing);
      for (const value of values) validateHeaderValue(outgoing, value);
    } catch {
      return undefined;
    }
    headers[outgoing] = values;
  }
  if (!merged.has("content-type")) headers["Content-Type"] = ["application/json"];
  const body = result.body == null ? Buffer.alloc(0) : Buffer.from(result.body, result.isBase64Encoded ? "base64" : "utf8");
  return { statusCode: result.statusCode, headers, body };
}
