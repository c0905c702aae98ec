import path from "node:path";
import { fileURLToPath } from "node:url";
import type { ManagedProcess } from "@users-api/emulators/child-process";
import { startMotoLauncher } from "@users-api/emulators/moto";
import type { EmulatorAccess } from "./checker/clients.js";

/** The launcher: moto_server with the rehearsal's extensions (see moto/rehearsal_moto). */
export const LAUNCHER = path.join(path.dirname(fileURLToPath(import.meta.url)), "moto", "launcher.py");

/** The emulator stands for one fake AWS account: these credentials are accepted and mean nothing. */
export const FAKE_CREDENTIALS = { accessKeyId: "rehearsal", secretAccessKey: "rehearsal" } as const;
/** The app's region (sst.config.ts), which the rehearsal keeps. */
export const REHEARSAL_REGION = "us-east-1";

export interface RehearsalEmulator extends EmulatorAccess {
  readonly process: ManagedProcess;
  stop(): Promise<void>;
}

/** Starts the extended moto_server on a free loopback port and waits until it answers. */
export async function startRehearsalEmulator(
  options: {
    port?: number;
    logFile?: NodeJS.WritableStream;
    without?: readonly string[] /** The MQTT broker's `host:port`, IoT's data endpoint. */;
    iotDataEndpoint?: string;
  } = {},
): Promise<RehearsalEmulator> {
  // REHEARSAL_EMULATOR_WITHOUT (comma-separated types) withholds models, for tests of the rehearsal itself.
  const without = [...(options.without ?? []), ...(process.env.REHEARSAL_EMULATOR_WITHOUT ?? "").split(",")].filter(Boolean);
  const withholding = without.length > 0 ? ["--without", without.join(",")] : [];
  const iot = options.iotDataEndpoint ? ["--iot-endpoint", options.iotDataEndpoint] : [];
  const emulator = await startMotoLauncher({
    launcher: LAUNCHER,
    args: [...withholding, ...iot],
    name: "the rehearsal emulator",
    port: options.port,
    logFile: options.logFile,
    timeoutMs: 60_000,
  });
  return { ...emulator, region: REHEARSAL_REGION, credentials: FAKE_CREDENTIALS };
}

/**
 * The environment every command of the rehearsal runs with: the parent's, minus anything that could
 * reach a real AWS account, plus the emulator's endpoint and fake credentials. These are the only
 * differences from a real deploy's environment (see README, "Rehearsing a deploy").
 */
export function rehearsalEnvironment(access: EmulatorAccess, isolationDir: string): NodeJS.ProcessEnv {
  const environment: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    // Profiles, session tokens, service-specific endpoints and the SDK's config files could point elsewhere.
    if (/^AWS_/.test(name)) continue;
    // Under a test runner: SST skips its bootstrap lookup when NODE_ENV is "test"; a deploy must not.
    if (name === "NODE_ENV" || /^VITEST/.test(name)) continue;
    environment[name] = value;
  }
  return {
    ...environment,
    AWS_ENDPOINT_URL: access.endpoint,
    AWS_ACCESS_KEY_ID: access.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: access.credentials.secretAccessKey,
    AWS_REGION: access.region,
    // No ~/.aws/config or credentials file of the developer's: they could name profiles, regions or endpoints.
    AWS_CONFIG_FILE: path.join(isolationDir, "aws-config"),
    AWS_SHARED_CREDENTIALS_FILE: path.join(isolationDir, "aws-credentials"),
    AWS_EC2_METADATA_DISABLED: "true",
    SST_TELEMETRY_DISABLED: "1",
  };
}
