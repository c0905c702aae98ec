import { randomBytes } from "node:crypto";
import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import type { UserInput } from "@users-api/core";

/**
 * Users for the benchmarks: with their keys and timestamps the stored item is
 * a little under 1 KB, the size `theoreticalCapacity` assumes (`itemSizeBytes`
 * of a stored one is reported with the results).
 */
export function benchUsers(label: string) {
  const run = randomBytes(3).toString("hex");
  let sequence = 0;
  return (): UserInput => {
    sequence += 1;
    return {
      email: `bench-${label}-${run}-${sequence}@example.com`,
      name: `Bench User ${sequence}`,
      phone: "+4915112345678",
      attributes: { plan: "pro", seats: 3, trial: false, bio: "b".repeat(560) },
    };
  };
}

/** Bytes of a DynamoDB number: about one byte per two significant digits, plus one. */
function numberSize(value: string): number {
  const digits = value.replace(/^-/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "").replace(/0+$/, "");
  return Math.ceil(Math.max(digits.length, 1) / 2) + 1;
}

function valueSize(value: AttributeValue): number {
  if (value.S !== undefined) return Buffer.byteLength(value.S, "utf8");
  if (value.N !== undefined) return numberSize(value.N);
  if (value.B !== undefined) return value.B.byteLength;
  if (value.BOOL !== undefined || value.NULL !== undefined) return 1;
  // Documents: 3 bytes, plus 1 byte per element, plus the elements (and map keys).
  if (value.M !== undefined) return 3 + Object.entries(value.M).reduce((sum, [name, inner]) => sum + Buffer.byteLength(name) + valueSize(inner) + 1, 0);
  if (value.L !== undefined) return 3 + value.L.reduce((sum, inner) => sum + valueSize(inner) + 1, 0);
  if (value.SS !== undefined) return value.SS.reduce((sum, inner) => sum + Buffer.byteLength(inner), 0);
  if (value.NS !== undefined) return value.NS.reduce((sum, inner) => sum + numberSize(inner), 0);
  if (value.BS !== undefined) return value.BS.reduce((sum, inner) => sum + inner.byteLength, 0);
  return 0;
}

/** An item's size as DynamoDB bills it: attribute names plus values (rules of the DynamoDB developer guide). */
export const itemSizeBytes = (item: Record<string, AttributeValue>) =>
  Object.entries(item).reduce((sum, [name, value]) => sum + Buffer.byteLength(name) + valueSize(value), 0);
