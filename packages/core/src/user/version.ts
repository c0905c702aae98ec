/** The `ETag` of a user at a version: a strong entity tag carrying the version number. */
export const etagOf = (version: number) => `"${version}"`;

/** A precondition on the version of a user, from an `If-Match` header. */
export interface VersionCondition {
  matches(version: number): boolean;
}

/**
 * Parses `If-Match` (RFC 9110): `*` or a list of entity tags compared strongly,
 * so weak tags (`W/"3"`) never match. Returns `undefined` when there is no header.
 */
export function parseIfMatch(header: string | undefined): VersionCondition | undefined {
  if (header === undefined) return undefined;
  const value = header.trim();
  if (value === "*") return { matches: () => true };
  const strongTags = new Set(
    value
      .split(",")
      .map((tag) => tag.trim())
      .filter((tag) => /^"[^"]*"$/.test(tag)),
  );
  return { matches: (version) => strongTags.has(etagOf(version)) };
}
