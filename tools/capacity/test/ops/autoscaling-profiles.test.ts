import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { TrafficProfile, apportion, burstProfile, dailyProfile, loadProfile } from "../../src/autoscaling/profiles.js";

const sum = (values: readonly number[]) => values.reduce((acc, value) => acc + value, 0);
const hourTotal = (requests: readonly number[], hour: number) => sum(requests.slice(hour * 60, hour * 60 + 60));

describe("profile generators", () => {
  it("daily-3000 spreads exactly 3,000 whole requests over the 1,440 minutes of a day", () => {
    const profile = dailyProfile();
    const requests = profile.map((entry) => entry.requestsPerMinute);
    expect(profile).toHaveLength(1440);
    expect(sum(requests)).toBe(3000);
    expect(requests.every((count) => Number.isInteger(count) && count >= 0)).toBe(true);
    expect(TrafficProfile.safeParse(profile).success).toBe(true);
  });

  it("daily-3000 has a morning and an evening peak well above the night", () => {
    const requests = dailyProfile().map((entry) => entry.requestsPerMinute);
    const night = hourTotal(requests, 3);
    expect(hourTotal(requests, 9)).toBeGreaterThan(3 * night);
    expect(hourTotal(requests, 19)).toBeGreaterThan(3 * night);
    // A trough between the peaks.
    expect(hourTotal(requests, 14)).toBeLessThan(hourTotal(requests, 9) / 2);
  });

  it.each([1000, 3000, 12345])("apportions %i requests per day exactly", (total) => {
    expect(sum(dailyProfile({ interactionsPerDay: total }).map((entry) => entry.requestsPerMinute))).toBe(total);
  });

  it("apportion keeps the total and the proportions", () => {
    expect(apportion(10, [1, 1, 1])).toEqual([4, 3, 3]);
    expect(apportion(7, [0, 2, 5])).toEqual([0, 2, 5]);
  });

  it("burst steps from the base to 20 times the base for the given minutes, then back", () => {
    const profile = burstProfile({ baseRequestsPerMinute: 100, startMinute: 10, burstMinutes: 5, totalMinutes: 30 });
    const requests = profile.map((entry) => entry.requestsPerMinute);
    expect(requests.slice(0, 10).every((count) => count === 100)).toBe(true);
    expect(requests.slice(10, 15).every((count) => count === 2000)).toBe(true);
    expect(requests.slice(15).every((count) => count === 100)).toBe(true);
  });
});

describe("profile files", () => {
  const dir = mkdtemp(join(tmpdir(), "profile-"));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it("loads a JSON file with named and weighted mixes", async () => {
    const file = join(await dir, "custom.json");
    await writeFile(
      file,
      JSON.stringify([
        { minute: 0, requestsPerMinute: 60, mix: "write-heavy" },
        { minute: 1, requestsPerMinute: 120, mix: { getUser: 3, createUser: 1 } },
      ]),
    );
    const profile = await loadProfile(file);
    expect(profile.map((entry) => entry.requestsPerMinute)).toEqual([60, 120]);
  });

  it.each([
    [
      "a gap between minutes",
      [
        { minute: 0, requestsPerMinute: 1, mix: "read-heavy" },
        { minute: 2, requestsPerMinute: 1, mix: "read-heavy" },
      ],
      "minutes start at 0",
    ],
    ["an unknown mix", [{ minute: 0, requestsPerMinute: 1, mix: "chaotic" }], "mix"],
    ["an unknown route", [{ minute: 0, requestsPerMinute: 1, mix: { getUsers: 1 } }], "getUsers"],
    ["negative traffic", [{ minute: 0, requestsPerMinute: -5, mix: "read-heavy" }], "requestsPerMinute"],
    ["no minutes", [], "at least one minute"],
  ])("rejects a profile with %s", async (_case, content, message) => {
    const file = join(await dir, "bad.json");
    await writeFile(file, JSON.stringify(content));
    await expect(loadProfile(file)).rejects.toThrow(message);
  });

  it("names the file it cannot read", async () => {
    await expect(loadProfile(join(await dir, "missing.json"))).rejects.toThrow(/Cannot read profile .*missing\.json/);
  });
});
