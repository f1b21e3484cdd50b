import path from 'node:path';
import Piscina from 'piscina';
import { InFlight } from '../core/in-flight';
import type { ConsensusResult } from '../core';
import type { ConsensusBatch } from './plugin-task';

/** Thread bounds of the pool (`workers.minThreads`, `workers.maxThreads`). */
export interface WorkerPoolOptions {
  readonly minThreads: number;
  readonly maxThreads: number;
}

/**
 * A run's Piscina pool: started on first use, so a run that never offloads pays nothing,
 * and closed with the run. Piscina replaces a worker that dies; a task that throws rejects
 * only its own batch.
 */
export class WorkerPool {
  #pool: Piscina<ConsensusBatch, ConsensusResult[]> | undefined;
  readonly #inFlight = new InFlight();

  constructor(private readonly options: WorkerPoolOptions) {}

  /** Combines a batch of inputs on a worker. */
  combineBatch(batch: ConsensusBatch): Promise<ConsensusResult[]> {
    this.#pool ??= new Piscina({
      filename: path.join(__dirname, 'plugin-task.js'),
      minThreads: this.options.minThreads,
      maxThreads: this.options.maxThreads,
      // Piscina ends a worker beyond minThreads as soon as it idles; a worker loads the whole
      // plugin graph at start (~150 ms), so one that comes and goes every cycle costs more than
      // it saves. Workers stay until the run closes the pool.
      idleTimeout: 60_000,
    });
    const task = this.#pool.run(batch);
    this.#inFlight.track(task);
    return task;
  }

  /** True once a task started the pool. */
  get started(): boolean {
    return this.#pool !== undefined;
  }

  /**
   * Waits for every task submitted so far, queued ones included (Piscina's own close would
   * reject those still in its queue), then stops the workers.
   */
  async close(): Promise<void> {
    await this.#inFlight.idle();
    await this.#pool?.close();
    this.#pool = undefined;
  }
}
