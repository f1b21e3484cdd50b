import path from 'node:path';
import type { BenchmarkContext } from '../core/cli/cli';
import { SYNTHETIC_STAND_IN, findRealData } from './real-data';
import { median } from './median';
import { timedReplays } from './timed-replay';

type Stage = 'consensus' | 'indicators';

async function timeReplay(context: BenchmarkContext, values: Record<string, unknown>) {
  const { medianMs, stats } = await timedReplays({ ...context, runs: 1 }, { ...values, concurrency: 100 }, '2017-02-08', '2018-02-07');
  const placed = (stage: Stage) => stats.workers[stage].mode;
  return { ms: medianMs, chunks: stats.workers.consensus.chunks + stats.workers.indicators.chunks, placed: `consensus ${placed('consensus')}, indicators ${placed('indicators')}` };
}

/** A consensus of about 0.8 ms a call, for the arms that show where the pool pays. */
const HEAVY = path.join(__dirname, 'heavy-consensus.js');

/** The arms: where consensus and indicators run. */
const ARMS: readonly { consensus: string; label: string; modes: Partial<Record<Stage, string>> }[] = [
  { consensus: 'correlation-adjusted', label: 'inline', modes: {} },
  { consensus: 'correlation-adjusted', label: 'consensus on pool', modes: { consensus: 'worker' } },
  { consensus: 'correlation-adjusted', label: 'indicators on pool', modes: { indicators: 'worker' } },
  { consensus: 'correlation-adjusted', label: 'both on pool', modes: { consensus: 'worker', indicators: 'worker' } },
  { consensus: 'correlation-adjusted', label: 'both auto', modes: { consensus: 'auto', indicators: 'auto' } },
  { consensus: HEAVY, label: 'inline', modes: {} },
  { consensus: HEAVY, label: 'consensus on pool', modes: { consensus: 'worker' } },
  { consensus: 'weighted', label: 'inline', modes: {} },
  { consensus: 'weighted', label: 'both auto', modes: { consensus: 'auto', indicators: 'auto' } },
];

/**
 * One year of the 100 real symbols with the five technical sources: consensus and indicators
 * inline, on the worker pool, and auto, for the correlation-adjusted and the weighted
 * consensus. Targets: the pool at least 1.4x faster than inline (correlation-adjusted, both
 * stages offloaded); auto with weighted within 5% of inline.
 */
export async function workersBench(context: BenchmarkContext): Promise<unknown> {
  const dir = findRealData(context.dataDir);
  const data = dir === undefined ? { ...SYNTHETIC_STAND_IN } : { 'data.dir': dir };
  // Runs interleave the arms (every arm once, then again), so drift in the machine's speed
  // during the benchmark falls on all arms alike instead of on whichever ran last.
  const samples = ARMS.map(() => [] as number[]);
  const last: Awaited<ReturnType<typeof timeReplay>>[] = [];
  for (let run = 0; run < context.runs; run++) {
    for (const [i, arm] of ARMS.entries()) {
      const modes = Object.fromEntries(Object.entries(arm.modes).map(([stage, mode]) => [`workers.mode.${stage}`, mode]));
      last[i] = await timeReplay(context, { ...data, 'consensus.plugin': arm.consensus, ...modes });
      samples[i].push(last[i].ms);
    }
  }
  const rows = ARMS.map((arm, i) => ({ consensus: arm.consensus, label: arm.label, ...last[i], ms: median(samples[i]) }));
  const ms = (consensus: string, label: string) => rows.find((r) => r.consensus === consensus && r.label === label)!.ms;
  const figures = {
    data: dir ?? 'synthetic stand-in',
    runs: context.runs,
    rows,
    poolSpeedupCorrelationAdjusted: ms('correlation-adjusted', 'inline') / ms('correlation-adjusted', 'both on pool'),
    autoOverheadWeighted: ms('weighted', 'both auto') / ms('weighted', 'inline') - 1,
    poolSpeedupHeavy: ms(HEAVY, 'inline') / ms(HEAVY, 'consensus on pool'),
  };
  context.print(`workers benchmark: one year, 100 symbols, concurrency 100, ${context.runs} run(s), medians (data: ${figures.data})`);
  const label = (consensus: string) => (consensus === HEAVY ? 'heavy (~0.8 ms, bench)' : consensus);
  for (const r of rows) {
    context.print(`${label(r.consensus).padEnd(22)} ${r.label.padEnd(19)} ${(r.ms / 1000).toFixed(2).padStart(6)} s  chunks ${String(r.chunks).padStart(5)}  ran ${r.placed}`);
  }
  context.print(
    `pool vs inline, correlation-adjusted, both stages: ${figures.poolSpeedupCorrelationAdjusted.toFixed(2)}x (target >= 1.4x: ${figures.poolSpeedupCorrelationAdjusted >= 1.4 ? 'met' : 'NOT met'}); ` +
      `auto vs inline, weighted: ${(figures.autoOverheadWeighted * 100).toFixed(1)}% (target <= 5%: ${figures.autoOverheadWeighted <= 0.05 ? 'met' : 'NOT met'})`,
  );
  context.print(`where the pool pays: heavy consensus, pool vs inline ${figures.poolSpeedupHeavy.toFixed(2)}x`);
  return figures;
}
