/**
 * Media types of the request bodies the API reads (parameters such as
 * `charset` aside). API Gateway passes bodies of these types to the functions
 * base64-encoded (its binary media types), so a handler sees the bytes sent
 * and can refuse invalid UTF-8 instead of reading text the gateway decoded.
 */
export const requestBodyMediaTypes = ["application/json", "application/merge-patch+json"] as const;
export type RequestBodyMediaType = (typeof requestBodyMediaTypes)[number];

/** What each body may be sent as: JSON, and for PATCH also a JSON merge patch (RFC 7396). */
export const bodyMediaTypes = {
  user: ["application/json"],
  mergePatch: ["application/merge-patch+json", "application/json"],
} as const satisfies Record<string, readonly RequestBodyMediaType[]>;

/** The media type of a Content-Type header value, lower-cased, without parameters. */
export const mediaTypeOf = (contentType: string) => contentType.split(";")[0]?.trim().toLowerCase() ?? "";
