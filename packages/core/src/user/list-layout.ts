import * as z from "../zod.js";

/**
 * How the `byCreatedAt` index keys user items, by creation time.
 *
 * One partition key takes at most 1,000 WCU and 3,000 RCU a second, and every
 * user write (create, update, delete) also writes the index. With one key
 * (`USERS`, `shards: 1`) every write lands on one partition; that serves a
 * few hundred user writes a second. A sharded layout spreads the index over
 * `shards` keys by short time slots: a user created at `t` is filed under
 * `USERS#<floor(t / slotMs) mod shards>`, so each key takes creates only
 * during its own slot, while a page of the newest users still comes from one
 * key (one Query) as long as a slot holds a page's worth of users.
 *
 * Layouts apply from `since` on, by creation time; users created earlier keep
 * the key they were written with, so adding a layout moves no data.
 */
export const ListLayout = z
  .strictObject({
    /** Users created at or after this instant (ISO 8601, UTC) get this layout. */
    since: z.iso.datetime(),
    /** Number of index partition keys. */
    shards: z.int().check(z.minimum(1), z.maximum(1000)),
    /** Length of one time slot in milliseconds; required when `shards` > 1. */
    slotMs: z.optional(z.int().check(z.minimum(1), z.maximum(86_400_000))),
  })
  .check(z.refine((layout) => layout.shards === 1 || layout.slotMs !== undefined, "a sharded layout needs slotMs"));
export type ListLayout = z.infer<typeof ListLayout>;

/** Today's layout, and the one data written before layouts existed has: every user under one key. */
export const SINGLE_KEY_LAYOUT: ListLayout = { since: "1970-01-01T00:00:00.000Z", shards: 1 };

export const ListLayouts = z.array(ListLayout).check(
  z.minLength(1),
  z.superRefine((layouts, context) => {
    if (layouts[0]?.since !== SINGLE_KEY_LAYOUT.since) {
      context.addIssue({ code: "custom", message: `the first layout must start at ${SINGLE_KEY_LAYOUT.since}, so every user has one` });
    }
    layouts.forEach((layout, index) => {
      if (index > 0 && Date.parse(layout.since) <= Date.parse(layouts[index - 1]!.since)) {
        context.addIssue({ code: "custom", path: [index, "since"], message: "layouts must be in increasing order of since" });
      }
    });
  }),
);
export type ListLayouts = z.infer<typeof ListLayouts>;

export const defaultListLayouts: ListLayouts = [SINGLE_KEY_LAYOUT];

/** The index partition key of the single-key layout, as every user written before layouts existed has it. */
export const SINGLE_LIST_PARTITION = "USERS";

/** Stage settings of listing, as functions receive them (environment variable {@link LIST_SETTINGS_VARIABLE}). */
export const ListSettings = z.strictObject({
  layouts: ListLayouts,
  /**
   * How long a function keeps the first page of the list, in milliseconds (0: not at all).
   * Index reads are eventually consistent already; this adds at most this much staleness.
   */
  firstPageCacheMs: z.int().check(z.minimum(0), z.maximum(10_000)),
});
export type ListSettings = z.infer<typeof ListSettings>;

export const defaultListSettings: ListSettings = { layouts: defaultListLayouts, firstPageCacheMs: 0 };

/** Environment variable holding {@link ListSettings} as JSON; absent means {@link defaultListSettings}. */
export const LIST_SETTINGS_VARIABLE = "USERS_LIST_SETTINGS";

/** Reads {@link ListSettings} from the environment variable's value; a malformed value fails loudly at start. */
export function listSettingsFrom(value: string | undefined): ListSettings {
  if (value === undefined || value === "") return defaultListSettings;
  const parsed = ListSettings.safeParse(JSON.parse(value));
  if (!parsed.success) throw new Error(`${LIST_SETTINGS_VARIABLE} is not valid: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

const msOf = (iso: string) => Date.parse(iso);
const isoOf = (ms: number) => new Date(ms).toISOString();

/** Index of the layout that holds users created at `createdAtMs`. */
function layoutIndexAt(layouts: ListLayouts, createdAtMs: number): number {
  for (let index = layouts.length - 1; index > 0; index--) {
    if (createdAtMs >= msOf(layouts[index]!.since)) return index;
  }
  return 0;
}

const slotOf = (layout: ListLayout, ms: number) => Math.floor(ms / layout.slotMs!);
const shardKey = (layout: ListLayout, slot: number) => `${SINGLE_LIST_PARTITION}#${((slot % layout.shards) + layout.shards) % layout.shards}`;

/** The index partition key of a user created at `createdAt` (ISO 8601). */
export function listPartitionFor(layouts: ListLayouts, createdAt: string): string {
  const createdAtMs = msOf(createdAt);
  const layout = layouts[layoutIndexAt(layouts, createdAtMs)]!;
  return layout.shards === 1 ? SINGLE_LIST_PARTITION : shardKey(layout, slotOf(layout, createdAtMs));
}

/**
 * One key-condition range to read, newest first: `listPk = :pk AND listSk BETWEEN :from AND :to`.
 * Sort keys are `<createdAt ISO>#<userId>`, so a bare instant sorts before every user created at it.
 */
export interface ListSegment {
  readonly listPk: string;
  readonly from: string;
  readonly to: string;
}

/** Sorts after every sort key (`~` follows digits and letters). */
const END = "~";
/** Sorts before every sort key. */
const START = "0";

/**
 * The segments of one layout, newest first, from `beforeMs` back to the
 * layout's start: the whole layout for a single key, one slot at a time for
 * a sharded layout. `sparseAfter` slots in, the caller may prefer
 * {@link mergeSegments} for what is left of the layout.
 */
export function* slotSegments(layouts: ListLayouts, layoutIndex: number, beforeMs: number): Generator<ListSegment & { slotStartMs: number }> {
  const layout = layouts[layoutIndex]!;
  const layoutStartMs = msOf(layout.since);
  const layoutEnd = layouts[layoutIndex + 1]?.since;
  if (layout.shards === 1) {
    yield {
      listPk: SINGLE_LIST_PARTITION,
      from: layoutIndex === 0 ? START : layout.since,
      // Later single-key layouts share the key: the next layout's start bounds this one.
      to: layoutEnd ?? END,
      slotStartMs: layoutStartMs,
    };
    return;
  }
  for (let slot = slotOf(layout, beforeMs); slot * layout.slotMs! + layout.slotMs! > layoutStartMs; slot--) {
    const slotStartMs = Math.max(slot * layout.slotMs!, layoutStartMs);
    const slotEndMs = slot * layout.slotMs! + layout.slotMs!;
    yield {
      listPk: shardKey(layout, slot),
      from: isoOf(slotStartMs),
      // The next slot's first instant sorts before every user created at it: they belong to the next slot.
      to: layoutEnd && msOf(layoutEnd) <= slotEndMs ? layoutEnd : isoOf(slotEndMs),
      slotStartMs,
    };
  }
}

/** Every key of a sharded layout over `[layout start, beforeMs)`, for a k-way merge where slots hold few users. */
export function mergeSegments(layouts: ListLayouts, layoutIndex: number, beforeMs: number): ListSegment[] {
  const layout = layouts[layoutIndex]!;
  return Array.from({ length: layout.shards }, (_, shard) => ({
    listPk: shardKey(layout, shard),
    from: layout.since,
    to: isoOf(Math.min(beforeMs, layouts[layoutIndex + 1] ? msOf(layouts[layoutIndex + 1]!.since) : beforeMs)),
  }));
}

export { layoutIndexAt, msOf as instantMs };
