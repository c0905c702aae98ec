import { freePort, startProcess, waitUntil } from "./child-process.js";
import type { Emulator } from "./dynamodb-local.js";

/** Starts `moto_server`, which serves Secrets Manager and SSM (in memory) on one port. */
export async function startMoto(options: { port?: number; logFile?: NodeJS.WritableStream } = {}): Promise<Emulator> {
  const port = options.port ?? (await freePort());
  const child = startProcess("moto_server", ["-H", "127.0.0.1", "-p", String(port)], { logFile: options.logFile });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      async () => {
        const response = await fetch(`${endpoint}/moto-api/`);
        if (!response.ok) throw new Error(`status ${response.status}`);
      },
      "moto_server",
      30_000,
      child.child,
    );
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { endpoint, process: child, stop: () => child.stop() };
}
