import type { Signal } from '../domain/domain';
import type { ReasoningUpdate, SignalQuery, Storage } from '../plugin-system/plugin-contracts';

/**
 * Where a worker's run puts the signals of a shard: held until the shard answers (the
 * scheduler stores them), and patched by deferred reasoning meanwhile, so the answer
 * carries each signal's final text.
 */
export class ShardStorage implements Storage {
  readonly #signals = new Map<string, Signal>();

  async save(signal: Signal): Promise<void> {
    if (!this.#signals.has(signal.id)) this.#signals.set(signal.id, signal);
  }

  /** The scheduler records the run. */
  async saveRun(): Promise<void> {}

  async updateReasoning(updates: readonly ReasoningUpdate[]): Promise<void> {
    for (const { id, reasoning, status } of updates) {
      const signal = this.#signals.get(id);
      if (signal !== undefined) this.#signals.set(id, { ...signal, reasoning, reasoningStatus: status });
    }
  }

  /** Only what deferred reasoning asks at start (signals left pending): a shard's run starts with none. */
  async querySignals(query: SignalQuery): Promise<Signal[]> {
    return [...this.#signals.values()].filter((signal) => query.reasoningStatus === undefined || signal.reasoningStatus === query.reasoningStatus);
  }

  async queryRuns(): Promise<[]> {
    return [];
  }

  /** `signal` as it is now (its reasoning completed since it was produced), and forgets it. */
  take(signal: Signal): Signal {
    const held = this.#signals.get(signal.id) ?? signal;
    this.#signals.delete(signal.id);
    return held;
  }

  async close(): Promise<void> {}
}
