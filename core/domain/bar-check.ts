import type { Bar } from './domain';
import { isBarTime } from './timeframe';

/**
 * A bar from a date (YYYY-MM-DD, or an intraday bar's UTC timestamp) and its open, high, low,
 * close and volume (numbers or numeric text, as a CSV row or a provider's JSON gives them), or
 * null when it is malformed: a date that is not a calendar date or timestamp, a value missing,
 * not finite or negative, high below low, a zero price.
 */
export function checkedBar(date: string, values: readonly unknown[]): Bar | null {
  if (!isBarTime(date) || values.length !== 5) return null;
  const numbers: number[] = [];
  for (const raw of values) {
    const text = typeof raw === 'string' ? raw.trim() : raw;
    if (text === '' || (typeof text !== 'number' && typeof text !== 'string')) return null;
    const value = Number(text);
    if (!Number.isFinite(value) || value < 0) return null;
    numbers.push(value);
  }
  const [open, high, low, close, volume] = numbers;
  if (high < low || open <= 0 || close <= 0) return null;
  return { date, open, high, low, close, volume };
}

/** The bars among `candidates` sorted by date, the first of each date kept; nulls and later duplicates counted as malformed. */
export function sortedBars(candidates: Iterable<Bar | null>): { bars: Bar[]; malformedRows: number } {
  const byDate = new Map<string, Bar>();
  let malformedRows = 0;
  for (const bar of candidates) {
    if (bar === null || byDate.has(bar.date)) malformedRows++;
    else byDate.set(bar.date, bar);
  }
  const bars = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { bars, malformedRows };
}
