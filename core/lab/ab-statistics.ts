/**
 * Statistics of the A/B lab: percentiles, a day-resampled bootstrap of differences, and the
 * Holm correction across arms.
 */
import { quantile } from '../util/quantile';
import { seededRandom } from '../util/seeded-random';

/** A difference with its 95% bootstrap interval and two-sided bootstrap p-value. */
export interface BootstrapDifference {
  readonly estimate: number;
  readonly ci95: readonly [number, number];
  readonly p: number;
}

/**
 * Bootstraps `statistic(arm) - statistic(baseline)` by resampling days with replacement:
 * both arms are resampled on the same days, since they ran on the same data. `days` holds
 * per-day rows of each arm; `statistic` turns a list of rows into a number (NaN when
 * undefined, such resamples are dropped).
 */
export function bootstrapDifference<Row>(
  arm: readonly Row[],
  baseline: readonly Row[],
  statistic: (rows: readonly Row[]) => number,
  options: { resamples: number; seed: number; label: string },
): BootstrapDifference {
  const estimate = statistic(arm) - statistic(baseline);
  const random = seededRandom(options.seed, 'bootstrap', options.label);
  const n = arm.length;
  const differences: number[] = [];
  for (let r = 0; r < options.resamples; r++) {
    const a: Row[] = [];
    const b: Row[] = [];
    for (let i = 0; i < n; i++) {
      const day = Math.floor(random() * n);
      a.push(arm[day]);
      b.push(baseline[day]);
    }
    const difference = statistic(a) - statistic(b);
    if (!Number.isNaN(difference)) differences.push(difference);
  }
  if (differences.length === 0) return { estimate, ci95: [Number.NaN, Number.NaN], p: Number.NaN };
  const below = differences.filter((d) => d <= 0).length / differences.length;
  const above = differences.filter((d) => d >= 0).length / differences.length;
  return { estimate, ci95: [quantile(differences, 0.025), quantile(differences, 0.975)], p: Math.min(1, 2 * Math.min(below, above)) };
}

/** Holm's step-down adjustment of p-values (NaN stays NaN and does not count as a test). */
export function holm(pValues: readonly number[]): number[] {
  const tested = pValues.map((p, i) => ({ p, i })).filter(({ p }) => !Number.isNaN(p)).sort((a, b) => a.p - b.p);
  const adjusted = pValues.map(() => Number.NaN);
  let running = 0;
  tested.forEach(({ p, i }, rank) => {
    running = Math.max(running, Math.min(1, (tested.length - rank) * p));
    adjusted[i] = running;
  });
  return adjusted;
}
