/**
 * Walk-forward calibration: the dataset's dates cut into test windows; before each, a
 * calibration is fitted on the outcomes resolved before the window starts (a rolling window of
 * `trainDates` dates, or every date before it), and scored on the window. No fit sees an outcome
 * resolved inside or after its test window: purging by resolution time is the embargo of the
 * horizon. So each window's figures are the same whether the data ends with it or years later.
 */
import { expectedCalibrationError, type Calibration } from './tear-sheet';
import { fitCalibration, scoreCalibration, type CalibrationFile } from './calibration';
import type { Dataset } from './evaluation-dataset';

export interface WalkForwardOptions {
  readonly horizon: number;
  /** Dates in each training window (rolling), or the least before the first test window (expanding). */
  readonly trainDates: number;
  readonly testDates: number;
  readonly expanding: boolean;
  readonly sourcesHash: string;
}

export interface WalkForwardWindow {
  readonly trainFrom: string;
  readonly testFrom: string;
  readonly testTo: string;
  /** Outcomes the fit used (resolved before `testFrom`). */
  readonly fitted: number;
  /** The fitted combiner: what a window's predictions follow. */
  readonly combiner: { readonly intercept: number; readonly weights: Readonly<Record<string, number>> };
  readonly calibrated: Calibration;
  readonly raw: Calibration;
  readonly baseRateBrier: number;
}

/** The day before `date` (YYYY-MM-DD): the last a fit may see outcomes resolved on. */
function dayBefore(date: string): string {
  return new Date(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
}

/** A test window and the first date its fit trains on. */
export interface WalkForwardSplit {
  readonly trainFrom: string;
  readonly testFrom: string;
  readonly testTo: string;
}

/** Test windows of `testDates` of `dates` (ascending) from `dates[first]` on, each with where its training starts. */
export function walkForwardSplits(dates: readonly string[], first: number, options: Pick<WalkForwardOptions, 'trainDates' | 'testDates' | 'expanding'>): WalkForwardSplit[] {
  const splits: WalkForwardSplit[] = [];
  for (let start = first; start < dates.length; start += options.testDates) {
    splits.push({
      trainFrom: options.expanding ? dates[0] : dates[Math.max(0, start - options.trainDates)],
      testFrom: dates[start],
      testTo: dates[Math.min(dates.length, start + options.testDates) - 1],
    });
  }
  return splits;
}

/** The calibration of `split`: fitted on the outcomes dated from its `trainFrom` and resolved before its test window starts. */
export function fitBefore(dataset: Dataset, split: WalkForwardSplit, options: Pick<WalkForwardOptions, 'horizon' | 'sourcesHash'>): CalibrationFile {
  return fitCalibration(dataset, { from: split.trainFrom, to: dayBefore(split.testFrom), horizon: options.horizon, sourcesHash: options.sourcesHash, now: () => new Date(0) });
}

export function walkForward(dataset: Dataset, options: WalkForwardOptions): WalkForwardWindow[] {
  const dates = [...new Set(dataset.rows.map((r) => r.asOf))].sort();
  return walkForwardSplits(dates, options.trainDates, options).flatMap((split) => {
    const file = fitBefore(dataset, split, options);
    if (file.samples === 0) return [];
    const scored = scoreCalibration(file, dataset, split.testFrom, split.testTo);
    return [{ ...split, fitted: file.samples, combiner: { intercept: file.combiner.intercept, weights: file.combiner.weights }, ...scored }];
  });
}

/** Reliability over every test window together: their buckets pooled, and the ECE and Brier of the whole. */
export function pooled(windows: readonly WalkForwardWindow[], which: 'calibrated' | 'raw'): { samples: number; ece: number; brier: number; hitRate: number } {
  const all = windows.map((w) => w[which]).filter((c) => c.samples > 0);
  const samples = all.reduce((n, c) => n + c.samples, 0);
  // Each window's buckets back to sums (count × mean; an empty bucket adds nothing), pooled bucket by bucket.
  const total = (b: number, f: (bucket: Calibration['buckets'][number]) => number) => all.reduce((sum, c) => sum + (c.buckets[b].count === 0 ? 0 : c.buckets[b].count * f(c.buckets[b])), 0);
  const buckets = all[0]?.buckets.map((_, b) => ({ predicted: total(b, (x) => x.predicted), right: total(b, (x) => x.hitRate) })) ?? [];
  const mean = (f: (c: Calibration) => number) => all.reduce((sum, c) => sum + c.samples * f(c), 0) / samples;
  return { samples, ece: expectedCalibrationError(buckets, samples), brier: mean((c) => c.brier), hitRate: mean((c) => c.hitRate) };
}
