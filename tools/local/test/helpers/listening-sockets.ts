import { execFileSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";

/** One TCP socket a process listens on: the address it is bound to and the port. */
export interface ListeningSocket {
  readonly address: string;
  readonly port: number;
}

/** "0100007F" (host order) → "127.0.0.1"; tcp6's 32 hex digits → an IPv6 address in full. */
function decodeAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) => (word.match(/../g) ?? []).reverse().map((byte) => parseInt(byte, 16)));
  if (bytes.length === 4) return bytes.join(".");
  const groups = Array.from({ length: 8 }, (_, index) => (((bytes[2 * index] ?? 0) << 8) | (bytes[2 * index + 1] ?? 0)).toString(16));
  return groups.join(":");
}

/** Linux: the process's socket inodes matched against the kernel's tables of listening TCP sockets. */
function fromProc(pid: number): ListeningSocket[] {
  const inodes = new Set(
    readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
      try {
        return [/^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/fd/${fd}`))?.[1]].filter((inode): inode is string => inode !== undefined);
      } catch {
        return [];
      }
    }),
  );
  return ["tcp", "tcp6"].flatMap((table) =>
    readFileSync(`/proc/${pid}/net/${table}`, "utf8")
      .split("\n")
      .slice(1)
      .map((line) => line.trim().split(/\s+/))
      // local_address is field 1, st (0A = LISTEN) field 3, inode field 9.
      .filter((fields) => fields[3] === "0A" && inodes.has(fields[9] ?? ""))
      .map((fields) => {
        const [address = "", port = "0"] = (fields[1] ?? "").split(":");
        return { address: decodeAddress(address), port: parseInt(port, 16) };
      }),
  );
}

/** Elsewhere (macOS): lsof. */
function fromLsof(pid: number): ListeningSocket[] {
  const output = execFileSync("lsof", ["-nP", "-a", "-p", String(pid), "-iTCP", "-sTCP:LISTEN", "-Fn"], { encoding: "utf8" });
  return output
    .split("\n")
    .filter((line) => line.startsWith("n"))
    .map((line) => {
      const match = /^n\[?(.*?)\]?:(\d+)$/.exec(line);
      return { address: match?.[1] ?? line, port: Number(match?.[2]) };
    });
}

/** Every TCP socket the process listens on. */
export const listeningSockets = (pid: number): ListeningSocket[] => (existsSync(`/proc/${pid}/fd`) ? fromProc(pid) : fromLsof(pid));

/** Whether an address is the loopback interface's: 127.0.0.0/8, ::1, or IPv4 loopback mapped into IPv6. */
export function isLoopback(address: string): boolean {
  if (/^127\./.test(address)) return true;
  const groups = address.toLowerCase().split(":");
  if (address === "::1" || groups.join(":") === "0:0:0:0:0:0:0:1") return true;
  // ::ffff:127.x.x.x, written as ::ffff:7f00:1 (as /proc gives it) or with a dotted tail.
  const mapped = /^(0:0:0:0:0:|::)ffff:(.*)$/.exec(address.toLowerCase());
  return mapped !== null && (/^127\./.test(mapped[2] ?? "") || /^7f[0-9a-f]{2}:/.test(mapped[2] ?? ""));
}
