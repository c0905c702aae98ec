import { describe, expect, it } from "vitest";
import { FirstPageCache } from "../../src/user/first-page-cache.js";
import {
  ListLayouts,
  SINGLE_KEY_LAYOUT,
  defaultListSettings,
  listPartitionFor,
  listSettingsFrom,
  mergeSegments,
  slotSegments,
  type ListLayout,
} from "../../src/user/list-layout.js";

const since = "2027-01-01T00:00:00.000Z";
const sinceMs = Date.parse(since);
const sharded: ListLayout = { since, shards: 4, slotMs: 100 };
const layouts: ListLayouts = [SINGLE_KEY_LAYOUT, sharded];
const at = (ms: number) => new Date(sinceMs + ms).toISOString();

describe("listPartitionFor", () => {
  it("files every user under USERS with the single-key layout, as data written before layouts existed", () => {
    expect(listPartitionFor([SINGLE_KEY_LAYOUT], "2024-05-01T12:00:00.000Z")).toBe("USERS");
    expect(listPartitionFor(layouts, "2026-12-31T23:59:59.999Z")).toBe("USERS");
  });

  it("rotates creation times through the shards slot by slot, so a key takes creates only during its slot", () => {
    const keys = Array.from({ length: 12 }, (_, slot) => listPartitionFor(layouts, at(slot * 100 + 42)));
    expect(keys).toEqual(["USERS#0", "USERS#1", "USERS#2", "USERS#3", "USERS#0", "USERS#1", "USERS#2", "USERS#3", "USERS#0", "USERS#1", "USERS#2", "USERS#3"]);
    expect(listPartitionFor(layouts, at(99))).toBe("USERS#0");
    expect(listPartitionFor(layouts, at(100))).toBe("USERS#1");
  });
});

describe("ListLayouts", () => {
  it.each([
    ["no layout", []],
    ["a first layout that does not start at the epoch", [sharded]],
    ["layouts out of order", [SINGLE_KEY_LAYOUT, sharded, { since: "2026-01-01T00:00:00.000Z", shards: 1 }]],
    ["a sharded layout without slotMs", [SINGLE_KEY_LAYOUT, { since, shards: 4 }]],
    ["a fractional shard count", [SINGLE_KEY_LAYOUT, { since, shards: 2.5, slotMs: 100 }]],
  ])("refuses %s", (_, value) => {
    expect(ListLayouts.safeParse(value).success).toBe(false);
  });

  it("accepts going back to one key after a sharded layout", () => {
    expect(ListLayouts.safeParse([...layouts, { since: "2028-01-01T00:00:00.000Z", shards: 1 }]).success).toBe(true);
  });
});

describe("slotSegments", () => {
  it("reads a single-key layout as one range, bounded by the next layout, which shares nothing with it", () => {
    expect([...slotSegments(layouts, 0, sinceMs + 5000)]).toEqual([{ listPk: "USERS", from: "0", to: since, slotStartMs: 0 }]);
    expect([...slotSegments([SINGLE_KEY_LAYOUT], 0, sinceMs)]).toEqual([{ listPk: "USERS", from: "0", to: "~", slotStartMs: 0 }]);
  });

  it("walks a sharded layout one slot at a time, newest first, down to the layout's start", () => {
    const segments = [...slotSegments(layouts, 1, sinceMs + 250)];
    expect(segments.map(({ listPk, from, to }) => ({ listPk, from, to }))).toEqual([
      { listPk: "USERS#2", from: at(200), to: at(300) },
      { listPk: "USERS#1", from: at(100), to: at(200) },
      { listPk: "USERS#0", from: at(0), to: at(100) },
    ]);
  });

  it("bounds the last slot of a layout by the next layout's start", () => {
    const next = "2027-01-01T00:00:00.250Z";
    const [newest] = slotSegments([...layouts, { since: next, shards: 1 }], 1, Date.parse(next));
    expect(newest).toMatchObject({ listPk: "USERS#2", from: at(200), to: next });
  });

  it("merges what is left of a sharded layout across all its keys", () => {
    expect(mergeSegments(layouts, 1, sinceMs + 800)).toEqual(
      ["USERS#0", "USERS#1", "USERS#2", "USERS#3"].map((listPk) => ({ listPk, from: since, to: at(800) })),
    );
  });
});

describe("listSettingsFrom", () => {
  it("gives one key and no cache when the variable is absent", () => {
    expect(listSettingsFrom(undefined)).toEqual(defaultListSettings);
    expect(defaultListSettings).toEqual({ layouts: [SINGLE_KEY_LAYOUT], firstPageCacheMs: 0 });
  });

  it("reads the stage's settings", () => {
    expect(listSettingsFrom(JSON.stringify({ layouts, firstPageCacheMs: 500 }))).toEqual({ layouts, firstPageCacheMs: 500 });
  });

  it("fails loudly on settings that would misfile users", () => {
    expect(() => listSettingsFrom(JSON.stringify({ layouts: [sharded], firstPageCacheMs: 0 }))).toThrow(/USERS_LIST_SETTINGS is not valid/);
  });
});

describe("FirstPageCache", () => {
  it("serves the page it loaded until the time to live has passed, per page size", async () => {
    let now = 1000;
    let loads = 0;
    const cache = new FirstPageCache<string>(500, () => now);
    const load = (limit: number) => () => Promise.resolve(`page ${limit} #${++loads}`);

    expect(await cache.get(20, load(20))).toBe("page 20 #1");
    now += 499;
    expect(await cache.get(20, load(20))).toBe("page 20 #1");
    expect(await cache.get(5, load(5))).toBe("page 5 #2");
    now += 1;
    expect(await cache.get(20, load(20))).toBe("page 20 #3");
  });

  it("keeps nothing with a time to live of 0", async () => {
    let loads = 0;
    const cache = new FirstPageCache<number>(0);
    await cache.get(20, () => Promise.resolve(++loads));
    await cache.get(20, () => Promise.resolve(++loads));
    expect(loads).toBe(2);
  });
});
