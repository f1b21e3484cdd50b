import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import type { BarView } from '../domain/bar-view';
import type { EngineConfig } from '../config/config-schema';
import type { CallCounts, CycleStats } from './cycle-stats';
import type { Logger } from '../util/logger';
import { SymbolPipeline, type SymbolResult } from './symbol-pipeline';
import { TOKENS } from './tokens';
import type { WriteTracker } from './write-tracker';

/** One symbol to evaluate in a cycle, with its point-in-time bars. */
export interface CycleItem {
  readonly symbol: string;
  readonly bars: BarView;
}

/**
 * The simulated duration of a cycle: symbols start in order on `lanes` parallel lanes,
 * each on the lane that frees first, as the bounded-concurrency runner starts them.
 */
export function virtualCycleMs(symbolMs: readonly number[], lanes: number): number {
  const busy = new Array<number>(Math.min(lanes, Math.max(1, symbolMs.length))).fill(0);
  for (const ms of symbolMs) {
    let free = 0;
    for (let i = 1; i < busy.length; i++) if (busy[i] < busy[free]) free = i;
    busy[free] += ms;
  }
  return Math.max(...busy);
}

/** Runs the pipeline over a universe of symbols with at most `concurrency` at once. */
@injectable()
export class CycleRunner {
  constructor(
    @inject(TOKENS.Config) private readonly config: EngineConfig,
    @inject(SymbolPipeline) private readonly pipeline: SymbolPipeline,
    @inject(TOKENS.Writes) private readonly writes: WriteTracker,
    @inject(TOKENS.Logger) private readonly logger: Logger,
  ) {}

  /**
   * Logs each source that failed during the cycle once, with its failures by code: rejected
   * symbols included, so a source that keeps failing is never silent.
   */
  #reportFailures(stats: CycleStats, before: ReadonlyMap<string, CallCounts>): void {
    for (const [source, after] of stats.bySource) {
      const was = before.get(source);
      const delta = (key: 'failed' | 'timeouts' | 'malformed' | 'circuitOpen') => after[key] - (was?.[key] ?? 0);
      const failed = delta('failed') + delta('circuitOpen');
      if (failed === 0) continue;
      const codes: Record<string, number> = {
        ARGO_ERR_SOURCE_FAILED: delta('failed') - delta('timeouts') - delta('malformed'),
        ARGO_ERR_SOURCE_TIMEOUT: delta('timeouts'),
        ARGO_ERR_SOURCE_MALFORMED: delta('malformed'),
        ARGO_ERR_SOURCE_CIRCUIT_OPEN: delta('circuitOpen'),
      };
      this.logger.warn({ source, failed, codes: Object.fromEntries(Object.entries(codes).filter(([, n]) => n > 0)) }, 'source failures in this cycle');
    }
  }

  /**
   * Evaluates every item once; results come back in the order of `items`. Before returning
   * it waits until at most `pendingWrites` signals are unacknowledged by storage (0, the
   * default, for a cycle whose signals must all be on disk when it ends). Once `cancelled`
   * answers true no further symbol is started (a shutdown that cannot wait): the results are
   * those of the symbols evaluated.
   */
  async run(items: readonly CycleItem[], stats: CycleStats, pendingWrites = 0, cancelled?: () => boolean): Promise<SymbolResult[]> {
    const started = performance.now();
    const before = new Map([...stats.bySource].map(([source, counts]) => [source, { ...counts }]));
    let results = new Array<SymbolResult>(items.length);
    let next = 0;
    const lane = async () => {
      while (next < items.length && cancelled?.() !== true) {
        const i = next++;
        results[i] = await this.pipeline.evaluate(items[i].symbol, items[i].bars, stats);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.config.concurrency, items.length) }, lane));
    if (next < items.length) results = results.slice(0, next);
    await this.pipeline.settleShadows();
    const settling = performance.now();
    await this.writes.settle(pendingWrites);
    stats.time('storage', performance.now() - settling);
    stats.cycles++;
    stats.symbolsEvaluated += results.length;
    stats.wallMs += performance.now() - started;
    stats.virtualMs += virtualCycleMs(results.map((r) => r.virtualMs), this.config.concurrency);
    this.#reportFailures(stats, before);
    return results;
  }
}
