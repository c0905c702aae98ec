import { execFile } from "node:child_process";
import { accessSync, constants, readFileSync } from "node:fs";
import { PYTHON } from "./moto.js";

/** A program the local runner or the tests need from the machine, and how to tell whether it is there. */
export interface Prerequisite {
  readonly name: string;
  /** `undefined` when present and usable; otherwise one line saying what is missing and how to install it. */
  check(env: NodeJS.ProcessEnv): Promise<string | undefined>;
}

interface Run {
  readonly found: boolean;
  readonly ok: boolean;
  readonly output: string;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(command, args, { env, timeout: 30_000 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      resolve({ found: code !== "ENOENT", ok: error === null, output: `${stdout}${stderr}` });
    });
  });
}

/** Major version from `java -version` ("17.0.9", "21", or "1.8.0_392" for Java 8). */
export function javaMajorVersion(versionOutput: string): number | undefined {
  const match = /version "(\d+)(?:\.(\d+))?/.exec(versionOutput);
  if (!match) return undefined;
  const first = Number(match[1]);
  return first === 1 ? Number(match[2]) : first;
}

const installJava = "install it, e.g. `sudo apt-get install openjdk-17-jre-headless` (Debian, Ubuntu) or `brew install openjdk@17` (macOS)";

/** DynamoDB Local 3 runs on Java 17 or later. */
export const java17: Prerequisite = {
  name: "Java 17",
  async check(env) {
    const java = await run("java", ["-version"], env);
    if (!java.found) return `Java 17 or later is needed to run DynamoDB Local, and \`java\` is not on the PATH: ${installJava}.`;
    const major = javaMajorVersion(java.output);
    if (major === undefined || major < 17) {
      return `Java 17 or later is needed to run DynamoDB Local; \`java\` on the PATH is ${major === undefined ? "not one that says its version" : `Java ${major}`}: ${installJava}.`;
    }
    return undefined;
  },
};

const installMoto = "install it with `pip install 'moto[server]'` (or point USERS_API_PYTHON at a Python that has it)";

/** moto emulates Secrets Manager and SSM; the runner starts it through its own launcher, on this Python. */
export const moto: Prerequisite = {
  name: "moto",
  async check(env) {
    const python = await run(PYTHON, ["-c", "import moto.server"], env);
    if (!python.found) return `moto (Python) is needed to emulate Secrets Manager and SSM, and \`${PYTHON}\` is not on the PATH: ${installMoto}.`;
    if (!python.ok) return `moto (Python) is needed to emulate Secrets Manager and SSM, and \`${PYTHON}\` cannot import moto.server: ${installMoto}.`;
    return undefined;
  },
};

/** The infrastructure tests lint every synthesized template. */
export const cfnLint: Prerequisite = {
  name: "cfn-lint",
  async check(env) {
    const lint = await run("cfn-lint", ["--version"], env);
    if (!lint.found || !lint.ok)
      return "cfn-lint is needed by the infrastructure tests, and `cfn-lint` is not on the PATH: install it with `pip install cfn-lint`.";
    return undefined;
  },
};

/** The Node major version the tools need: the one `engines` in the root package.json names (`>=22`). */
export function requiredNodeMajor(): number {
  const manifest = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { engines: { node: string } };
  const major = /(\d+)/.exec(manifest.engines.node)?.[1];
  if (!major) throw new Error(`package.json engines.node "${manifest.engines.node}" names no version`);
  return Number(major);
}

/** The tools, the tests and the AWS SDK v3 run on the Node the functions run on (Lambda nodejs22.x); older is end of life. */
export const nodeVersion: Prerequisite = {
  name: "Node.js",
  async check(env) {
    const node = await run("node", ["-p", "process.versions.node"], env);
    const required = requiredNodeMajor();
    const found = node.ok ? node.output.trim() : undefined;
    if (found !== undefined && Number(found.split(".")[0]) >= required) return undefined;
    return (
      `Node.js ${required} or later is needed (the functions run on ${required} on Lambda, and the AWS SDK warns on older), ` +
      `and \`node\` on the PATH is ${found ? `Node ${found}` : "missing"}: install Node ${required} (e.g. \`nvm install ${required}\`, ` +
      `or \`npm install --prefix ~/.node${required} node@${required}\` and put ~/.node${required}/node_modules/.bin first on the PATH, as .ci/run does).`
    );
  },
};

/** The browser the API reference page's test drives: Debian's Chromium, or CHROMIUM_PATH. */
export const chromium: Prerequisite = {
  name: "Chromium",
  async check(env) {
    const path = env.CHROMIUM_PATH ?? "/usr/bin/chromium";
    try {
      accessSync(path, constants.X_OK);
      return undefined;
    } catch {
      return `Chromium is needed by the API reference page's browser test, and there is none at ${path}: install it with \`sudo apt-get install chromium\` (Debian, Ubuntu), or set CHROMIUM_PATH to a Chromium or Chrome.`;
    }
  },
};

/** What `pnpm local` needs. */
export const localRunnerPrerequisites = [java17, moto] as const;
/** What `pnpm test` needs. */
export const testPrerequisites = [nodeVersion, java17, moto, cfnLint, chromium] as const;

/** One line per missing prerequisite (all checked at once); empty when everything is there. */
export async function missingPrerequisites(prerequisites: readonly Prerequisite[], env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const problems = await Promise.all(prerequisites.map((prerequisite) => prerequisite.check(env)));
  return problems.filter((problem): problem is string => problem !== undefined);
}
