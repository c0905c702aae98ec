import { describe, expect, it } from "vitest";
import { parseAutoscalingArgs } from "../../src/autoscaling/args.js";
import { loadTestUsage, parseDuration, parseLoadTestArgs } from "../../src/loadtest/args.js";

describe("durations", () => {
  it.each([
    ["45", 45],
    ["30s", 30],
    ["2m", 120],
    ["1h", 3600],
    ["1m30s", 90],
    ["0.5s", 0.5],
  ])("reads %s as %d seconds", (text, seconds) => {
    expect(parseDuration(text)).toBe(seconds);
  });

  it.each(["", "0", "0s", "soon", "2 minutes", "30s2m", "-5s"])("rejects %j", (text) => {
    expect(() => parseDuration(text)).toThrow();
  });
});

describe("pnpm loadtest arguments", () => {
  const required = ["--url", "https://abc123.execute-api.us-east-1.amazonaws.com/prod/", "--key", "k-1", "--rate", "20", "--duration", "2m"];

  it("reads the required options and fills in the defaults", () => {
    expect(parseLoadTestArgs(required, {})).toEqual({
      url: "https://abc123.execute-api.us-east-1.amazonaws.com/prod",
      key: "k-1",
      rate: 20,
      durationSeconds: 120,
      mix: "read-heavy",
      timeoutSeconds: 10,
      out: ".local/loadtest-report.json",
    });
  });

  it("reads every optional setting", () => {
    const args = parseLoadTestArgs([...required, "--mix", "write-heavy", "--connections", "4", "--timeout", "3s", "--out", "/tmp/r.json"], {});
    expect(args).toMatchObject({ mix: "write-heavy", connections: 4, timeoutSeconds: 3, out: "/tmp/r.json" });
  });

  it("shows the key passed in USERS_API_KEY first, and says --key is visible to anyone running ps", () => {
    expect(loadTestUsage).toMatch(/^ {2}USERS_API_KEY=<API key> pnpm loadtest --url <base URL> --rate/m);
    expect(loadTestUsage).toMatch(/^--key .*visible to every user of the machine in `ps`/m);
  });

  it("takes the key from USERS_API_KEY when --key is absent", () => {
    const withoutKey = required.filter((_, index) => index !== 2 && index !== 3);
    expect(parseLoadTestArgs(withoutKey, { USERS_API_KEY: "from-env" })?.key).toBe("from-env");
  });

  it("returns nothing for --help", () => {
    expect(parseLoadTestArgs(["--help"], {})).toBeUndefined();
  });

  it.each([
    [["--key", "k", "--rate", "5", "--duration", "10s"], "--url must be an http(s) URL"],
    [["--url", "ftp://host/x", "--key", "k", "--rate", "5", "--duration", "10s"], "--url must be an http(s) URL"],
    [["--url", "http://127.0.0.1:3000", "--rate", "5", "--duration", "10s"], "--key (or USERS_API_KEY) is required"],
    [["--url", "http://127.0.0.1:3000", "--key", "k", "--duration", "10s"], "--rate is required"],
    [["--url", "http://127.0.0.1:3000", "--key", "k", "--rate", "0", "--duration", "10s"], "--rate must be above 0"],
    [["--url", "http://127.0.0.1:3000", "--key", "k", "--rate", "2.5", "--duration", "10s"], "--rate must be a whole number"],
    [["--url", "http://127.0.0.1:3000", "--key", "k", "--rate", "5"], "--duration is required"],
    [["--url", "http://127.0.0.1:3000", "--key", "k", "--rate", "5", "--duration", "soon"], "is not a duration"],
    [["--url", "http://127.0.0.1:3000", "--key", "k", "--rate", "5", "--duration", "5s", "--mix", "chaos"], "--mix must be one of read-heavy, write-heavy"],
    [["--url", "http://127.0.0.1:3000", "--key", "k", "--rate", "5", "--duration", "5s", "--bogus"], "Unknown option '--bogus'"],
  ])("rejects %j with a message naming the problem", (argv, message) => {
    expect(() => parseLoadTestArgs(argv, {})).toThrow(message);
  });
});

describe("pnpm autoscaling arguments", () => {
  it("reads a profile and fills in the stage and output directory", () => {
    expect(parseAutoscalingArgs(["--profile", "burst"])).toEqual({ profile: "burst", stage: "prod", out: ".local/autoscaling" });
  });

  it("reads every optional setting", () => {
    expect(parseAutoscalingArgs(["--profile", "daily-3000", "--stage", "staging", "--mix", "write-heavy", "--burst-minutes", "5", "--out", "/tmp/a"])).toEqual({
      profile: "daily-3000",
      stage: "staging",
      mix: "write-heavy",
      burstMinutes: 5,
      out: "/tmp/a",
    });
  });

  it.each([
    [[], "--profile is required"],
    [["--profile", "burst", "--mix", "heavy"], "--mix must be one of"],
    [["--profile", "burst", "--burst-minutes", "0"], "--burst-minutes must be at least 1"],
    [["--profile"], "argument missing"],
  ])("rejects %j", (argv, message) => {
    expect(() => parseAutoscalingArgs(argv)).toThrow(message);
  });
});
