/**
 * Work started without being awaited (writes, background texts, shadow fetches, worker
 * tasks) that someone must still be able to wait for. Failures are the caller's to handle:
 * what is tracked here only ever settles.
 */
export class InFlight {
  readonly #promises = new Set<Promise<void>>();

  /** Follows `work` until it settles, however it ends. */
  track(work: Promise<unknown>): void {
    const settled = work.then(
      () => undefined,
      () => undefined,
    );
    this.#promises.add(settled);
    void settled.finally(() => this.#promises.delete(settled));
  }

  /** How much work is still running. */
  get size(): number {
    return this.#promises.size;
  }

  /** Resolves when any tracked work settles (at once when there is none). */
  async any(): Promise<void> {
    if (this.#promises.size > 0) await Promise.race(this.#promises);
  }

  /** Resolves when everything settled, work tracked while waiting included. */
  async idle(): Promise<void> {
    while (this.#promises.size > 0) await Promise.all(this.#promises);
  }
}
