import type { BarSeries } from '../domain/domain';
import { BarView } from '../domain/bar-view';
import type { Source } from '../plugin-system/plugin-contracts';

/** What a source answered one day: its value, or the message of what it threw. */
export type DayAnswer = { readonly day: number; readonly answer: unknown } | { readonly day: number; readonly error: string };

/** Asks `source` about `series` as of each bar up to `lastDay` in date order, as a replay would, each call with its own AbortSignal. */
export async function answersOn(source: Source, series: BarSeries, lastDay = series.bars.length - 1): Promise<DayAnswer[]> {
  const answers: DayAnswer[] = [];
  for (let day = 0; day <= lastDay; day++) {
    const bars = BarView.upTo(series, day);
    try {
      answers.push({ day, answer: await source.opinion({ symbol: series.symbol, asOf: bars.asOf, bars, signal: new AbortController().signal }) });
    } catch (error) {
      answers.push({ day, error: error instanceof Error ? error.message : String(error) });
    }
  }
  return answers;
}
