import type { ScalableDimension } from "@aws-sdk/client-application-auto-scaling";
import type { GuardSettings } from "@users-api/core";

export type Kind = "read" | "write";

/** One provisioned capacity dimension: the table's or an index's reads or writes. */
export interface GuardedDimension {
  readonly label: string;
  readonly kind: Kind;
  /** Absent for the table itself. */
  readonly indexName?: string;
  /** Application Auto Scaling's names for it. */
  readonly resourceId: string;
  readonly scalableDimension: ScalableDimension;
  readonly bounds: { readonly min: number; readonly max: number };
}

export function guardedDimensions(settings: GuardSettings): GuardedDimension[] {
  const kinds: Kind[] = ["read", "write"];
  const unit = (kind: Kind) => (kind === "read" ? "ReadCapacityUnits" : "WriteCapacityUnits");
  return [
    ...kinds.map((kind) => ({
      label: `table ${kind}s`,
      kind,
      resourceId: `table/${settings.tableName}`,
      scalableDimension: `dynamodb:table:${unit(kind)}` as ScalableDimension,
      bounds: settings.table[kind],
    })),
    ...settings.indexNames.flatMap((indexName) =>
      kinds.map((kind) => ({
        label: `index ${indexName} ${kind}s`,
        kind,
        indexName,
        resourceId: `table/${settings.tableName}/index/${indexName}`,
        scalableDimension: `dynamodb:index:${unit(kind)}` as ScalableDimension,
        bounds: settings.indexes[kind],
      })),
    ),
  ];
}
