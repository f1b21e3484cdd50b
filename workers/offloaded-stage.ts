import type { EngineConfig } from '../core/config/config-schema';
import type { WorkerStage, WorkerStageCounters } from '../core/engine/cycle-stats';
import { messageOf } from '../core/errors/errors';
import type { Logger } from '../core/util/logger';

/**
 * How a stage sends a chunk to the pool: one answer per item, in order (a promise may fail or
 * redo one item); a rejection fails the whole chunk.
 */
export type SendChunk<I, O> = (items: readonly I[], lane: number | undefined) => Promise<readonly (O | PromiseLike<O>)[]>;

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (result: O | PromiseLike<O>) => void;
  readonly reject: (error: unknown) => void;
}

/** What a stage needs besides its two ways of doing the work. */
export interface StageSetup<I> {
  readonly stage: WorkerStage;
  readonly workers: EngineConfig['workers'];
  readonly counters: WorkerStageCounters;
  readonly logger: Logger;
  /** Items with the same lane go to the same worker (state kept per symbol); absent, any worker. */
  readonly laneOf?: (item: I) => number;
  /** Called once if auto settles on inline: the wrapper can then hand calls straight to the plugin and cost nothing more. */
  readonly onInline?: () => void;
  /** In auto mode, items not to time: they cost more than the steady state (an indicator's first call catches up on the history). */
  readonly untypical?: (item: I) => boolean;
}

/**
 * One stage's work, inline or on the worker pool (`workers.mode.<stage>`). The pipeline asks
 * one item at a time; the items asked in one turn of the event loop (every symbol of a cycle
 * at the same step) are queued and sent in chunks of `workers.chunkSize`, so each ~40 µs
 * round trip carries real work. In `auto` mode items run inline while the stage measures:
 * after `autoSampleSize` items of warm-up, the synchronous cost of the next `autoSampleSize`;
 * it moves to the pool only when their median exceeds `autoThresholdUs`. A chunk whose task
 * fails is counted and logged, then run inline (`retryInline`) or failed item by item.
 */
export class OffloadedStage<I, O> {
  readonly #samplesUs: number[] = [];
  #warmUp: number;
  #queue: Pending<I, O>[] = [];
  #mode: 'inline' | 'worker' | null;

  constructor(
    private readonly setup: StageSetup<I>,
    private readonly inline: (item: I) => O | Promise<O>,
    private readonly send: SendChunk<I, O>,
  ) {
    const mode = setup.workers.mode[setup.stage];
    this.#mode = mode === 'auto' ? null : mode;
    this.#warmUp = setup.workers.autoSampleSize;
    setup.counters.mode = this.#mode;
  }

  /** Does one item where the stage runs; synchronous when inline and the work is. */
  run(item: I): O | Promise<O> {
    if (this.#mode === 'inline') return this.inline(item);
    if (this.#mode === null) return this.#sample(item);
    return new Promise<O>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(() => this.#flush());
      this.#queue.push({ item, resolve, reject });
    });
  }

  // The first autoSampleSize items are not timed: they pay for JIT compilation and, for an
  // indicator, for catching up on the whole history, and would tip light work onto the pool.
  // The median, not the mean, for the same reason. Timed without awaiting: across an await the
  // clock would count other work (and an explainer's network wait is no CPU for a worker).
  #sample(item: I): O | Promise<O> {
    if (this.#warmUp > 0 || this.setup.untypical?.(item) === true) {
      this.#warmUp = Math.max(0, this.#warmUp - 1);
      return this.inline(item);
    }
    const started = performance.now();
    const answer = this.inline(item);
    this.#samplesUs.push((performance.now() - started) * 1000);
    const { autoSampleSize, autoThresholdUs } = this.setup.workers;
    if (this.#mode === null && this.#samplesUs.length >= autoSampleSize) {
      const medianUs = [...this.#samplesUs].sort((a, b) => a - b)[this.#samplesUs.length >> 1];
      this.#mode = medianUs > autoThresholdUs ? 'worker' : 'inline';
      this.setup.counters.mode = this.#mode;
      if (this.#mode === 'inline') this.setup.onInline?.();
      this.setup.logger.info({ stage: this.setup.stage, mode: this.#mode, microsecondsPerItem: medianUs }, 'auto placement decided');
    }
    return answer;
  }

  #flush(): void {
    const items = this.#queue;
    this.#queue = [];
    const { laneOf } = this.setup;
    const byLane = new Map<number | undefined, Pending<I, O>[]>();
    for (const pending of items) {
      const lane = laneOf?.(pending.item);
      const group = byLane.get(lane);
      if (group === undefined) byLane.set(lane, [pending]);
      else group.push(pending);
    }
    const size = this.setup.workers.chunkSize;
    for (const [lane, group] of byLane) {
      for (let start = 0; start < group.length; start += size) void this.#runChunk(group.slice(start, start + size), lane);
    }
  }

  async #runChunk(chunk: readonly Pending<I, O>[], lane: number | undefined): Promise<void> {
    const { counters, logger, stage, workers } = this.setup;
    counters.chunks++;
    counters.items += chunk.length;
    try {
      const results = await this.send(
        chunk.map((p) => p.item),
        lane,
      );
      chunk.forEach((p, i) => p.resolve(results[i]));
    } catch (error) {
      counters.failedChunks++;
      logger.error({ stage, items: chunk.length, err: messageOf(error), retryInline: workers.retryInline }, 'a chunk failed on the worker pool');
      if (!workers.retryInline) {
        for (const p of chunk) p.reject(error);
        return;
      }
      counters.retriedInline++;
      for (const p of chunk) {
        try {
          p.resolve(await this.inline(p.item));
        } catch (inlineError) {
          p.reject(inlineError);
        }
      }
    }
  }
}
