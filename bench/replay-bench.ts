import type { BenchmarkContext } from '../core/cli/main';
import { SYNTHETIC_STAND_IN, findRealData } from './real-data';
import { timedReplays } from './timed-replay';

interface ReplayFigures {
  from: string;
  to: string;
  symbolDays: number;
  medianMs: number;
  runsMs: number[];
  symbolDaysPerSecond: number;
}

async function timeReplay(context: BenchmarkContext, values: Record<string, unknown>, from: string, to: string): Promise<ReplayFigures> {
  const { runsMs, medianMs, stats } = await timedReplays(context, values, from, to);
  const symbolDays = stats.symbolsEvaluated;
  return { from, to, symbolDays, medianMs, runsMs, symbolDaysPerSecond: (symbolDays / medianMs) * 1000 };
}

/**
 * Replays the 100 real symbols with the five technical sources over the last year and over
 * all five years. Incremental indicators make the cost linear in days: the 5y/1y time ratio
 * should be near the ratio of symbol-days (about 5).
 */
export async function replayBench(context: BenchmarkContext): Promise<unknown> {
  const dir = findRealData(context.dataDir);
  if (dir === undefined) context.print('real data not found: replaying 100 synthetic symbols over the same dates instead');
  const values = dir === undefined ? { ...SYNTHETIC_STAND_IN } : { 'data.dir': dir };
  const oneYear = await timeReplay(context, values, '2017-02-08', '2018-02-07');
  const fiveYears = await timeReplay(context, values, '2013-02-08', '2018-02-07');
  const figures = {
    data: dir ?? 'synthetic stand-in',
    runs: context.runs,
    oneYear,
    fiveYears,
    timeRatio5yTo1y: fiveYears.medianMs / oneYear.medianMs,
    symbolDayRatio5yTo1y: fiveYears.symbolDays / oneYear.symbolDays,
    targetFiveYearsUnderMs: 15000,
    targetMet: fiveYears.medianMs < 15000,
  };
  const line = (name: string, f: ReplayFigures) =>
    `${name.padEnd(8)} ${String(f.symbolDays).padStart(7)} symbol-days  median ${(f.medianMs / 1000).toFixed(2)} s  ${Math.round(f.symbolDaysPerSecond)} symbol-days/s`;
  context.print(`replay benchmark, ${context.runs} run(s) each, medians (data: ${figures.data})`);
  context.print(line('1 year', oneYear));
  context.print(line('5 years', fiveYears));
  context.print(
    `5y/1y time ratio ${figures.timeRatio5yTo1y.toFixed(2)} (symbol-day ratio ${figures.symbolDayRatio5yTo1y.toFixed(2)}); target 5 years < 15 s: ${figures.targetMet ? 'met' : 'NOT met'}`,
  );
  return figures;
}
