import { fork, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import type { Writable } from "node:stream";
import { functionNode } from "./function-node.js";
import { MAX_INVOCATION_RESPONSE_BYTES, RESPONSE_TOO_LARGE_ERROR } from "./lambda-limits.js";
import type { InvokeMessage, LambdaError, RuntimeMessage } from "./runtime/protocol.js";

/** What it takes to start one of a function's execution environments. */
export interface EnvironmentSpec {
  readonly functionId: string;
  /** The runtime bootstrap (bundled). */
  readonly bootstrap: string;
  readonly taskRoot: string;
  readonly memorySizeMb: number;
  /** The environment's variables; the log stream name differs per environment, as on Lambda. */
  environment(logStreamName: string): Record<string, string>;
  /** Where the function's output goes (its "log group"); discarded when absent. */
  readonly log?: Writable;
  /** Lambda gives the init phase (loading the handler module) 10 s of its own. */
  readonly initTimeoutMs: number;
  /** The Node executable. @default {@link functionNode}'s: the Lambda runtime's major version */
  readonly nodePath?: string;
}

export interface InvokeRequest {
  readonly requestId: string;
  readonly event: unknown;
  readonly invokedFunctionArn: string;
  readonly traceId: string;
}

export type InvokeOutcome = { readonly ok: true; readonly payload: unknown } | { readonly ok: false; readonly error: LambdaError };

/** The environment could not load its handler: the invocation fails with this error. */
export class InitFailure extends Error {
  constructor(readonly lambdaError: LambdaError) {
    super(lambdaError.errorMessage);
    this.name = "InitFailure";
  }
}

/** Errors after which Lambda throws the environment away rather than reuse it. */
const FATAL_ERROR_TYPES = new Set(["Runtime.UncaughtException", "Runtime.UnhandledPromiseRejection", "Runtime.ExitError", "Sandbox.Timedout"]);

const logStreamName = () => {
  const day = new Date().toISOString().slice(0, 10).replace(/-/g, "/");
  return `${day}/[$LATEST]${randomBytes(16).toString("hex")}`;
};

interface PendingInvocation {
  readonly requestId: string;
  finish(outcome: InvokeOutcome): void;
}

/**
 * One execution environment: a child process with exactly the function's
 * environment, serving one invocation at a time. A timed-out or crashed
 * environment is killed and never reused.
 */
export class ExecutionEnvironment {
  #pending: PendingInvocation | undefined;
  #discarded = false;
  #initDurationMs: number | undefined;
  readonly #exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcess,
    private readonly spec: EnvironmentSpec,
  ) {
    this.#exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.on("message", (message: RuntimeMessage) => {
      if (message.type !== "result" && message.type !== "error") return;
      if (this.#pending?.requestId !== message.requestId) return;
      // Lambda does not deliver a result over its limit: the invocation fails (API Gateway then answers 502).
      if (message.type === "result" && Buffer.byteLength(message.payload) > MAX_INVOCATION_RESPONSE_BYTES) {
        this.#pending.finish({ ok: false, error: RESPONSE_TOO_LARGE_ERROR });
      } else if (message.type === "result") this.#pending.finish({ ok: true, payload: JSON.parse(message.payload) as unknown });
      else this.#pending.finish({ ok: false, error: message.error });
    });
    child.once("exit", (code, signal) => {
      this.#discarded = true;
      this.#pending?.finish({
        ok: false,
        error: {
          errorType: "Runtime.ExitError",
          errorMessage: `RequestId: ${this.#pending.requestId} Error: Runtime exited ${signal ? `with signal: ${signal}` : `with error: exit status ${code}`}`,
        },
      });
    });
    // A dead channel is reported by "exit"; this only keeps the error from being unhandled.
    child.on("error", () => undefined);
  }

  /** Starts an environment and waits until its handler module is loaded. */
  static async start(spec: EnvironmentSpec): Promise<ExecutionEnvironment> {
    const started = performance.now();
    const child = fork(spec.bootstrap, [], {
      execPath: spec.nodePath ?? functionNode().path,
      cwd: spec.taskRoot,
      env: spec.environment(logStreamName()),
      // Not the runner's flags (tsx's loaders): only a heap sized like Lambda's for the memory size.
      execArgv: [`--max-old-space-size=${Math.floor(spec.memorySizeMb * 0.9)}`],
      stdio: spec.log ? ["ignore", "pipe", "pipe", "ipc"] : ["ignore", "ignore", "ignore", "ipc"],
      serialization: "json",
      // A process group of its own, as a Lambda sandbox is apart from the terminal: Ctrl-C or a closed terminal
      // reaches the runner, which drains requests before it ends environments. It cannot outlive the runner
      // (it exits when the IPC channel closes).
      detached: true,
    });
    // Written, not piped: many environments share one log stream.
    const log = spec.log;
    if (log) {
      child.stdout?.on("data", (chunk: Buffer) => log.write(chunk));
      child.stderr?.on("data", (chunk: Buffer) => log.write(chunk));
    }
    const environment = new ExecutionEnvironment(child, spec);
    try {
      await environment.#initialized(spec.initTimeoutMs);
    } catch (error) {
      await environment.kill();
      throw error;
    }
    environment.#initDurationMs = performance.now() - started;
    return environment;
  }

  #initialized(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (error?: InitFailure) => {
        clearTimeout(timer);
        this.child.off("message", onMessage);
        this.child.off("exit", onExit);
        if (error) reject(error);
        else resolve();
      };
      const onMessage = (message: RuntimeMessage) => {
        if (message.type === "ready") done();
        else if (message.type === "init-error") done(new InitFailure(message.error));
      };
      const onExit = (code: number | null, signal: string | null) =>
        done(new InitFailure({ errorType: "Runtime.ExitError", errorMessage: `Runtime exited during init (${signal ?? `exit status ${code}`})` }));
      const timer = setTimeout(
        () => done(new InitFailure({ errorType: "Sandbox.Timedout", errorMessage: `INIT did not finish in ${timeoutMs / 1000} seconds` })),
        timeoutMs,
      );
      this.child.on("message", onMessage);
      this.child.once("exit", onExit);
    });
  }

  /** Whether the environment can take another invocation. */
  get reusable(): boolean {
    return !this.#discarded && this.child.exitCode === null && this.child.signalCode === null;
  }

  onExit(listener: () => void) {
    void this.#exited.then(listener);
  }

  /** Runs one invocation; a handler still running after `timeoutMs` ends the environment, as on Lambda. */
  invoke(request: InvokeRequest, timeoutMs: number): Promise<InvokeOutcome> {
    if (this.#pending) throw new Error("An execution environment serves one invocation at a time.");
    const { requestId } = request;
    const log = (line: string) => this.spec.log?.write(`${line}\n`);
    const started = performance.now();
    log(`START RequestId: ${requestId} Version: $LATEST`);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        log(`${new Date().toISOString()} ${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds`);
        finish({
          ok: false,
          error: { errorType: "Sandbox.Timedout", errorMessage: `${requestId} Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` },
        });
        void this.kill();
      }, timeoutMs);
      const finish = (outcome: InvokeOutcome) => {
        if (this.#pending?.requestId !== requestId) return;
        clearTimeout(timer);
        this.#pending = undefined;
        if (!outcome.ok && FATAL_ERROR_TYPES.has(outcome.error.errorType)) this.#discarded = true;
        const duration = performance.now() - started;
        const init = this.#initDurationMs === undefined ? "" : `\tInit Duration: ${this.#initDurationMs.toFixed(2)} ms`;
        this.#initDurationMs = undefined;
        log(`END RequestId: ${requestId}`);
        log(
          `REPORT RequestId: ${requestId}\tDuration: ${duration.toFixed(2)} ms\tBilled Duration: ${Math.ceil(duration)} ms\tMemory Size: ${this.spec.memorySizeMb} MB${init}`,
        );
        resolve(outcome);
      };
      this.#pending = { requestId, finish };
      const message: InvokeMessage = {
        type: "invoke",
        requestId,
        event: JSON.stringify(request.event),
        deadlineMs: Date.now() + timeoutMs,
        invokedFunctionArn: request.invokedFunctionArn,
        traceId: request.traceId,
      };
      this.child.send(message);
    });
  }

  /** Ends the environment at once (SIGKILL) and waits for it to be gone. */
  async kill(): Promise<void> {
    this.#discarded = true;
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill("SIGKILL");
    await this.#exited;
  }
}
