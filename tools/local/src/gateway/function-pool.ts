import { ExecutionEnvironment, InitFailure, type EnvironmentSpec, type InvokeOutcome, type InvokeRequest } from "./execution-environment.js";
import type { StartLimiter } from "./start-limiter.js";

export interface PoolOptions {
  /** Most environments one function runs at once; further invocations wait for one to be free. */
  readonly maxEnvironments: number;
  /** An environment idle this long is reclaimed, as Lambda reclaims idle ones. */
  readonly idleTimeoutMs: number;
  /** Shared by every function's pool: how many environments may initialize at once. */
  readonly startLimiter: StartLimiter;
}

/**
 * A function's execution environments, as Lambda scales them: an idle one is
 * reused (warm), otherwise another is started (cold start), up to a cap.
 */
export class FunctionPool {
  readonly #idle: ExecutionEnvironment[] = [];
  readonly #idleTimers = new Map<ExecutionEnvironment, NodeJS.Timeout>();
  readonly #environments = new Set<ExecutionEnvironment>();
  #starting = 0;
  #waiters: (() => void)[] = [];
  #stopped = false;

  constructor(
    readonly spec: EnvironmentSpec,
    private readonly options: PoolOptions,
  ) {}

  /** Invokes the function; an environment that cannot load its handler fails the invocation like Lambda's init errors. */
  async invoke(request: InvokeRequest, timeoutMs: number): Promise<InvokeOutcome> {
    let environment: ExecutionEnvironment;
    try {
      environment = await this.#acquire();
    } catch (error) {
      if (error instanceof InitFailure) return { ok: false, error: error.lambdaError };
      throw error;
    }
    try {
      return await environment.invoke(request, timeoutMs);
    } finally {
      this.#release(environment);
    }
  }

  /** How many environments exist (busy, idle or starting). */
  get size(): number {
    return this.#environments.size + this.#starting;
  }

  async #acquire(): Promise<ExecutionEnvironment> {
    for (;;) {
      if (this.#stopped) throw new Error(`${this.spec.functionId} is stopped.`);
      const idle = this.#idle.pop();
      if (idle) {
        clearTimeout(this.#idleTimers.get(idle));
        this.#idleTimers.delete(idle);
        if (idle.reusable) return idle;
        continue;
      }
      if (this.size < this.options.maxEnvironments && this.options.startLimiter.tryAcquire()) return this.#start();
      // Woken by an environment of this function becoming free, or by a start slot freeing up.
      await new Promise<void>((resolve) => {
        const wake = () => {
          stopListening();
          const index = this.#waiters.indexOf(wake);
          if (index >= 0) this.#waiters.splice(index, 1);
          resolve();
        };
        const stopListening = this.options.startLimiter.onRelease(wake);
        this.#waiters.push(wake);
      });
    }
  }

  /** Starts an environment in a start slot already acquired. */
  async #start(): Promise<ExecutionEnvironment> {
    this.#starting++;
    try {
      const environment = await ExecutionEnvironment.start(this.spec);
      this.#environments.add(environment);
      environment.onExit(() => this.#forget(environment));
      if (this.#stopped) await environment.kill();
      return environment;
    } finally {
      this.#starting--;
      this.options.startLimiter.release();
    }
  }

  #release(environment: ExecutionEnvironment) {
    if (environment.reusable && !this.#stopped) {
      this.#idle.push(environment);
      const timer = setTimeout(() => {
        this.#idleTimers.delete(environment);
        const index = this.#idle.indexOf(environment);
        if (index >= 0) this.#idle.splice(index, 1);
        void environment.kill();
      }, this.options.idleTimeoutMs);
      timer.unref();
      this.#idleTimers.set(environment, timer);
    } else {
      void environment.kill();
    }
    this.#wakeOne();
  }

  #forget(environment: ExecutionEnvironment) {
    this.#environments.delete(environment);
    const index = this.#idle.indexOf(environment);
    if (index >= 0) this.#idle.splice(index, 1);
    clearTimeout(this.#idleTimers.get(environment));
    this.#idleTimers.delete(environment);
    this.#wakeOne();
  }

  #wakeOne() {
    this.#waiters[0]?.();
  }

  /** Kills every environment; waiting invocations fail. */
  async stop(): Promise<void> {
    this.#stopped = true;
    for (const wake of [...this.#waiters]) wake();
    for (const timer of this.#idleTimers.values()) clearTimeout(timer);
    this.#idleTimers.clear();
    await Promise.all([...this.#environments].map((environment) => environment.kill()));
  }
}
