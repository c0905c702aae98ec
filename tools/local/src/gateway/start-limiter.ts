/**
 * Bounds how many execution environments initialize at once, across all
 * functions. On Lambda each environment has CPUs of its own; here they share
 * the machine's, and twenty cold starts at once would each take long enough
 * to hit Lambda's init limit. A request waiting for a start is served by
 * whichever environment of its function is free first.
 */
export class StartLimiter {
  #starting = 0;
  readonly #listeners = new Set<() => void>();

  constructor(readonly limit: number) {}

  tryAcquire(): boolean {
    if (this.#starting >= this.limit) return false;
    this.#starting++;
    return true;
  }

  release() {
    this.#starting--;
    for (const listener of [...this.#listeners]) listener();
  }

  /** Calls `listener` whenever a start slot frees up, until the returned function is called. */
  onRelease(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
