import { fileURLToPath } from "node:url";
import { freePort, startProcess, waitUntil } from "./child-process.js";
import type { Emulator } from "./dynamodb-local.js";

/** moto_server with Secrets Manager made safe for concurrent version-stage moves, and optional durable mirrors. */
export const MOTO_LAUNCHER = fileURLToPath(new URL("./moto_server_for_local_stages.py", import.meta.url));
/** The Python that runs moto (it must have `moto[server]` installed). */
export const PYTHON = process.env.USERS_API_PYTHON ?? "python3";

export interface MotoOptions {
  readonly port?: number;
  readonly logFile?: NodeJS.WritableStream;
  /**
   * Secrets whose current value is written to a file (fsynced) before moto answers the write
   * that changed it: secret name → file.
   */
  readonly mirrorSecrets?: Readonly<Record<string, string>>;
}

const mirrorArguments = (mirrorSecrets: MotoOptions["mirrorSecrets"]) =>
  Object.entries(mirrorSecrets ?? {}).flatMap(([name, file]) => ["--mirror-secret", `${name}=${file}`]);

/** The command line that runs the local stages' moto_server on 127.0.0.1:port (what {@link startMoto} runs). */
export function motoCommand(options: { port: number; mirrorSecrets?: MotoOptions["mirrorSecrets"] }): { command: string; args: string[] } {
  return { command: PYTHON, args: [MOTO_LAUNCHER, ...mirrorArguments(options.mirrorSecrets), "-H", "127.0.0.1", "-p", String(options.port)] };
}

/** Starts moto_server (through {@link MOTO_LAUNCHER}), which serves Secrets Manager and SSM (in memory) on one port. */
export async function startMoto(options: MotoOptions = {}): Promise<Emulator> {
  return startMotoLauncher({
    launcher: MOTO_LAUNCHER,
    args: mirrorArguments(options.mirrorSecrets),
    name: "moto_server",
    port: options.port,
    logFile: options.logFile,
  });
}

/**
 * Runs a moto_server launcher script (moto with extensions registered before `moto.server.main`) on a
 * loopback port and waits until its moto API answers; the local runner's and the deploy rehearsal's both.
 */
export async function startMotoLauncher(options: {
  readonly launcher: string;
  readonly args?: readonly string[];
  /** Named in the error when it does not come up in time. */
  readonly name: string;
  readonly port?: number;
  readonly logFile?: NodeJS.WritableStream;
  readonly timeoutMs?: number;
}): Promise<Emulator> {
  const port = options.port ?? (await freePort());
  const child = startProcess(PYTHON, [options.launcher, ...(options.args ?? []), "-H", "127.0.0.1", "-p", String(port)], { logFile: options.logFile });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      async () => {
        const response = await fetch(`${endpoint}/moto-api/`);
        if (!response.ok) throw new Error(`status ${response.status}`);
      },
      options.name,
      options.timeoutMs ?? 30_000,
      child.child,
    );
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { endpoint, process: child, stop: () => child.stop() };
}
