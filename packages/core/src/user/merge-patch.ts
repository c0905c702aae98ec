export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Applies a JSON merge patch (RFC 7396): objects merge recursively, `null`
 * removes a member, anything else replaces the target.
 *
 * @example
 * applyMergePatch({ a: 1, b: { c: 2 } }, { b: { c: null }, d: 3 }) // { a: 1, b: {}, d: 3 }
 */
export function applyMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else {
      const merged = applyMergePatch(Object.hasOwn(result, key) ? result[key] : undefined, value);
      // Defined, not assigned: assigning "__proto__" would set the prototype instead of adding a member.
      Object.defineProperty(result, key, { value: merged, enumerable: true, writable: true, configurable: true });
    }
  }
  return result;
}
