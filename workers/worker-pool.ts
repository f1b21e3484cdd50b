import path from 'node:path';
import type Piscina from 'piscina';
import { InFlight } from '../core/util/in-flight';
import type { PluginRef } from '../core/engine/stage-executor';
import type { TaskResult, WorkerTask } from './task-types';


/** Piscina, required when the first lane starts: a run whose stages all stay inline never loads it (800 KB of heap at start). */
function piscinaClass(): typeof Piscina {
  return require('piscina') as typeof Piscina;
}

/** Thread bounds of the pool (`workers.minThreads`, `workers.maxThreads`). */
export interface WorkerPoolOptions {
  readonly minThreads: number;
  readonly maxThreads: number;
}

/**
 * A run's worker threads, as `maxThreads` lanes of one thread each. A task with a lane key
 * always goes to the same lane (a symbol's indicator state and bars live in one worker);
 * others go to the lane with the least work queued. Each lane is a Piscina pool of one
 * thread, started on first use so a run that never offloads pays nothing, and closed with
 * the run. Piscina replaces a worker that dies; a task that throws rejects only itself.
 */
export class WorkerPool {
  readonly #lanes: (Piscina<WorkerTask, unknown> | undefined)[];
  readonly #queued: number[];
  readonly #inFlight = new InFlight();

  constructor(private readonly options: WorkerPoolOptions) {
    this.#lanes = new Array(options.maxThreads).fill(undefined);
    this.#queued = new Array(options.maxThreads).fill(0);
  }

  /** Number of lanes (worker threads at most). */
  get lanes(): number {
    return this.#lanes.length;
  }

  /** Runs `task` on lane `lane` (taken modulo the lane count), or on the least busy lane. */
  run<T extends WorkerTask>(task: T, lane?: number): Promise<TaskResult<T>> {
    const index = lane === undefined ? this.#leastBusy() : lane % this.#lanes.length;
    const piscina = (this.#lanes[index] ??= new (piscinaClass())({
      filename: path.join(__dirname, 'plugin-task.js'),
      minThreads: index < this.options.minThreads ? 1 : 0,
      maxThreads: 1,
      // Piscina ends a worker beyond minThreads as soon as it idles; a worker loads the whole
      // plugin graph at start (~150 ms) and holds indicator state, so one that comes and goes
      // every cycle costs more than it saves. Workers stay until the run closes the pool.
      idleTimeout: 60_000,
      // A lane's tasks must reach its worker in the order sent (bars are shipped as deltas);
      // without this Piscina sends a task it could not place at once to the back of its queue.
      stricterFIFO: true,
    }));
    this.#queued[index]++;
    const result = piscina.run(task).finally(() => this.#queued[index]--) as Promise<TaskResult<T>>;
    this.#inFlight.track(result);
    return result;
  }

  /**
   * Starts every lane's worker and builds `plugins` in it, so the first cycle does not wait
   * for threads to start and modules to load (about 150 ms, longer than a tight source timeout).
   */
  async warm(plugins: readonly PluginRef[]): Promise<void> {
    await Promise.all(this.#lanes.map((_, lane) => this.run({ stage: 'load', plugins }, lane)));
  }

  /** True once a task started a lane. */
  get started(): boolean {
    return this.#lanes.some((lane) => lane !== undefined);
  }

  #leastBusy(): number {
    let best = 0;
    for (let i = 1; i < this.#queued.length; i++) if (this.#queued[i] < this.#queued[best]) best = i;
    return best;
  }

  /**
   * Waits for every task submitted so far, queued ones included (Piscina's own close would
   * reject those still in its queue), then stops the workers.
   */
  async close(): Promise<void> {
    await this.#inFlight.idle();
    await Promise.all(this.#lanes.map((lane) => lane?.close()));
    this.#lanes.fill(undefined);
  }
}
