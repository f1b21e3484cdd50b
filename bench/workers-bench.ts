import type { BenchmarkContext } from '../core';
import { SYNTHETIC_STAND_IN, findRealData } from './real-data';
import { timedReplays } from './timed-replay';

async function timeReplay(context: BenchmarkContext, values: Record<string, unknown>): Promise<{ ms: number; chunks: number; placed: string | null }> {
  const { medianMs, stats } = await timedReplays(context, { ...values, concurrency: 100 }, '2017-02-08', '2018-02-07');
  return { ms: medianMs, chunks: stats.workers.consensus.chunks, placed: stats.workers.consensus.mode };
}

/**
 * One year of the 100 real symbols with the five technical sources, consensus inline, on the
 * worker pool, and auto, for the correlation-adjusted and the weighted consensus. Targets:
 * the pool at least 1.4x faster than inline (heavy work); auto with weighted within 5% of inline.
 */
export async function workersBench(context: BenchmarkContext): Promise<unknown> {
  const dir = findRealData(context.dataDir);
  const data = dir === undefined ? { ...SYNTHETIC_STAND_IN } : { 'data.dir': dir };
  const rows: { consensus: string; mode: string; ms: number; chunks: number; placed: string | null }[] = [];
  for (const consensus of ['correlation-adjusted', 'weighted']) {
    for (const mode of ['inline', 'worker', 'auto']) {
      rows.push({ consensus, mode, ...(await timeReplay(context, { ...data, 'consensus.plugin': consensus, 'workers.mode.consensus': mode })) });
    }
  }
  const ms = (consensus: string, mode: string) => rows.find((r) => r.consensus === consensus && r.mode === mode)!.ms;
  const figures = {
    data: dir ?? 'synthetic stand-in',
    runs: context.runs,
    rows,
    poolSpeedupCorrelationAdjusted: ms('correlation-adjusted', 'inline') / ms('correlation-adjusted', 'worker'),
    autoOverheadWeighted: ms('weighted', 'auto') / ms('weighted', 'inline') - 1,
  };
  context.print(`workers benchmark: one year, 100 symbols, concurrency 100, ${context.runs} run(s), medians (data: ${figures.data})`);
  for (const r of rows) context.print(`${r.consensus.padEnd(21)} ${r.mode.padEnd(7)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  chunks ${String(r.chunks).padStart(5)}  ran ${r.placed ?? 'undecided'}`);
  context.print(
    `pool vs inline, correlation-adjusted: ${figures.poolSpeedupCorrelationAdjusted.toFixed(2)}x (target >= 1.4x: ${figures.poolSpeedupCorrelationAdjusted >= 1.4 ? 'met' : 'NOT met'}); ` +
      `auto vs inline, weighted: ${(figures.autoOverheadWeighted * 100).toFixed(1)}% (target <= 5%: ${figures.autoOverheadWeighted <= 0.05 ? 'met' : 'NOT met'})`,
  );
  return figures;
}
