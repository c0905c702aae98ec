import { ValidationFailed } from "../errors.js";

/** The `ETag` of a user at a version: a strong entity tag carrying the version number. */
export const etagOf = (version: number) => `"${version}"`;

/** A precondition on the version of a user, from an `If-Match` header. */
export interface VersionCondition {
  matches(version: number): boolean;
}

/** An entity tag (RFC 9110): optionally weak (`W/`), then quoted visible characters other than `"`. */
const ENTITY_TAG = String.raw`(?:W/)?"[\x21\x23-\x7e\x80-\xff]*"`;

/** `If-Match` as RFC 9110 writes it: `*`, or a comma-separated list of entity tags. */
export const IF_MATCH_PATTERN = new RegExp(String.raw`^(?:\*|${ENTITY_TAG}(?:[ \t]*,[ \t]*${ENTITY_TAG})*)$`);

/**
 * Parses `If-Match` (RFC 9110): `*` or a list of entity tags compared strongly,
 * so weak tags (`W/"3"`) never match. Returns `undefined` when there is no
 * header; a header that is not `If-Match` syntax is a {@link ValidationFailed}.
 */
export function parseIfMatch(header: string | undefined): VersionCondition | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (!IF_MATCH_PATTERN.test(value)) {
    throw new ValidationFailed("The If-Match header is not valid.", [{ path: "headers.if-match", message: 'must be * or a list of entity tags such as "3"' }]);
  }
  if (value === "*") return { matches: () => true };
  const strongTags = new Set(
    value
      .split(",")
      .map((tag) => tag.trim())
      .filter((tag) => tag.startsWith('"')),
  );
  return { matches: (version) => strongTags.has(etagOf(version)) };
}
