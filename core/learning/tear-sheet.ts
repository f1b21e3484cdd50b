/**
 * The signal-quality tear sheet of a dataset, per source and for the consensus: how well a
 * signed confidence ranks and predicts forward returns (IC, Rank IC, ICIR, decay by horizon),
 * how often a confidence is right (a reliability table with Brier score, log loss and
 * expected calibration error), what keeping only confident symbol-days buys (coverage), how
 * often directions flip, and how alike the sources are.
 *
 * The Rank IC interval is a moving-block bootstrap over dates with blocks as long as the
 * horizon: returns over overlapping horizons are correlated from one date to the next, which
 * a bootstrap of single dates would ignore (its interval would be too narrow).
 */
import { mean, sampleCorrelation, sampleRankCorrelation, standardDeviation } from 'simple-statistics';
import { quantile } from '../util/quantile';
import { seededRandom } from '../util/seeded-random';
import type { Dataset, DatasetRow, LearningEvent } from './evaluation-dataset';

/** The confidence buckets of the reliability table: 10 of equal width. */
const BUCKETS = 10;
/** Dates with fewer symbols give no IC (a correlation of two points says nothing). */
const MIN_SYMBOLS_PER_DATE = 5;
const EPSILON = 1e-6;

export interface IcStats {
  readonly horizon: number;
  readonly dates: number;
  readonly meanIc: number;
  readonly meanRankIc: number;
  readonly rankIcStd: number;
  /** Mean Rank IC over its standard deviation across dates. */
  readonly rankIcir: number;
  readonly rankIcCi95: readonly [number, number];
}

export interface ReliabilityBucket {
  readonly from: number;
  readonly to: number;
  readonly count: number;
  /** The confidence read as a probability (mean of the bucket's). */
  readonly predicted: number;
  readonly hitRate: number;
  /** Mean forward return taken in the predicted direction. */
  readonly meanReturn: number;
}

export interface Calibration {
  readonly horizon: number;
  readonly samples: number;
  readonly hitRate: number;
  readonly brier: number;
  readonly logLoss: number;
  readonly ece: number;
  readonly buckets: readonly ReliabilityBucket[];
  /** Share of symbol-days kept and their hit rate, as the threshold on |confidence| rises. */
  readonly coverage: readonly { readonly threshold: number; readonly kept: number; readonly hitRate: number }[];
}

export interface PredictorSheet {
  readonly name: string;
  readonly ic: readonly IcStats[];
  readonly calibration: Calibration;
  /** Share of consecutive days of a symbol, both with a direction, whose direction changed. */
  readonly flipRate: number;
}

export interface TearSheet {
  readonly rows: number;
  readonly dates: number;
  readonly horizons: readonly number[];
  /** The horizon of the reliability tables (the longest). */
  readonly calibrationHorizon: number;
  readonly event: LearningEvent;
  readonly predictors: readonly PredictorSheet[];
  /** Pearson correlation of the sources' signed confidences, by pair. */
  readonly sourceCorrelation: { readonly sources: readonly string[]; readonly matrix: readonly (readonly number[])[] };
}

/** What each event scores, as the tear sheet says it. */
export const EVENT_TEXT: Readonly<Record<LearningEvent, string>> = {
  direction: 'direction (sign of the forward return)',
  'first-touch': 'first-touch (which level of a long trade came first; neither: left out)',
};

/** A predictor's signed confidence (-100..100) on a row, or null when it has none. */
export type Read = (row: DatasetRow) => number | null;

function finiteOr(value: number): number {
  return Number.isFinite(value) ? value : Number.NaN;
}

/** The IC (or Rank IC) of one date's predictions `xs` and returns `ys`: NaN when either is constant or the date has too few symbols. */
export function dateIc(xs: readonly number[], ys: readonly number[], rank: boolean): number {
  return xs.length < MIN_SYMBOLS_PER_DATE ? Number.NaN : correlation(xs, ys, rank);
}

/** Correlation of two columns, NaN when either is constant or too short. */
function correlation(xs: readonly number[], ys: readonly number[], rank: boolean): number {
  if (xs.length < 3) return Number.NaN;
  try {
    return finiteOr(rank ? sampleRankCorrelation([...xs], [...ys]) : sampleCorrelation([...xs], [...ys]));
  } catch {
    return Number.NaN;
  }
}

/** Mean of the defined values of `values`, NaN when none. */
export function meanOf(values: readonly number[]): number {
  const defined = values.filter((v) => !Number.isNaN(v));
  return defined.length === 0 ? Number.NaN : mean(defined);
}

function icStats(byDate: ReadonlyMap<string, DatasetRow[]>, read: Read, h: number, resamples: number, seed: number, label: string): IcStats {
  const ics: number[] = [];
  const rankIcs: number[] = [];
  for (const rows of byDate.values()) {
    const xs: number[] = [];
    const ys: number[] = [];
    for (const row of rows) {
      const x = read(row);
      const y = row.returns[h];
      if (x === null || y === null) continue;
      xs.push(x);
      ys.push(y);
    }
    if (xs.length < MIN_SYMBOLS_PER_DATE) continue;
    ics.push(dateIc(xs, ys, false));
    rankIcs.push(dateIc(xs, ys, true));
  }
  const ranks = rankIcs.filter((v) => !Number.isNaN(v));
  const std = ranks.length > 1 ? standardDeviation(ranks) : Number.NaN;
  const meanRank = meanOf(ranks);
  return { horizon: h, dates: ranks.length, meanIc: meanOf(ics), meanRankIc: meanRank, rankIcStd: std, rankIcir: meanRank / std, rankIcCi95: blockBootstrap(ranks, Math.max(1, h), resamples, seed, label) };
}

/** A 95% interval of the mean of `series` (in date order) by a moving-block bootstrap with blocks of `block`. */
export function blockBootstrap(series: readonly number[], block: number, resamples: number, seed: number, label: string): [number, number] {
  const n = series.length;
  if (n < 2) return [Number.NaN, Number.NaN];
  const length = Math.min(block, n);
  const random = seededRandom(seed, 'block-bootstrap', label);
  const means: number[] = [];
  for (let r = 0; r < resamples; r++) {
    let sum = 0;
    let count = 0;
    while (count < n) {
      const start = Math.floor(random() * (n - length + 1));
      for (let i = start; i < start + length && count < n; i++, count++) sum += series[i];
    }
    means.push(sum / n);
  }
  return [quantile(means, 0.025), quantile(means, 0.975)];
}

/**
 * Expected calibration error of reliability buckets given as sums: each bucket's gap between
 * how often it was right and what it predicted, weighted by its share of the `samples`, which is
 * the sum over buckets of |right − predicted| divided by the samples. NaN without samples. The
 * tear sheet, the walk-forward's pooled windows and the lab's bootstrap all take it from here.
 */
export function expectedCalibrationError(buckets: readonly { readonly predicted: number; readonly right: number }[], samples: number): number {
  return samples === 0 ? Number.NaN : buckets.reduce((gap, b) => gap + Math.abs(b.right - b.predicted), 0) / samples;
}

/** The reliability table of `read` at horizon index `h`: a confidence read as the probability that its direction is right. */
export function calibrationOf(rows: readonly DatasetRow[], read: Read, h: number, horizon: number): Calibration {
  const counts = Array.from({ length: BUCKETS }, () => ({ n: 0, p: 0, hits: 0, ret: 0 }));
  const all: { p: number; hit: number; ret: number }[] = [];
  for (const row of rows) {
    const x = read(row);
    const y = row.returns[h];
    if (x === null || y === null || x === 0 || y === 0) continue;
    const p = Math.min(1, Math.abs(x) / 100);
    const hit = Math.sign(x) === Math.sign(y) ? 1 : 0;
    const ret = Math.sign(x) * y;
    all.push({ p, hit, ret });
    const b = counts[Math.min(BUCKETS - 1, Math.floor(p * BUCKETS))];
    b.n++;
    b.p += p;
    b.hits += hit;
    b.ret += ret;
  }
  const n = all.length;
  const clip = (p: number) => Math.min(1 - EPSILON, Math.max(EPSILON, p));
  const buckets = counts.map((b, i) => ({ from: (i * 100) / BUCKETS, to: ((i + 1) * 100) / BUCKETS, count: b.n, predicted: b.p / b.n, hitRate: b.hits / b.n, meanReturn: b.ret / b.n }));
  const coverage = Array.from({ length: BUCKETS }, (_, i) => {
    const threshold = (i * 100) / BUCKETS;
    const kept = all.filter((a) => a.p * 100 >= threshold);
    return { threshold, kept: n === 0 ? Number.NaN : kept.length / n, hitRate: kept.length === 0 ? Number.NaN : kept.reduce((s, a) => s + a.hit, 0) / kept.length };
  });
  return {
    horizon,
    samples: n,
    hitRate: n === 0 ? Number.NaN : all.reduce((s, a) => s + a.hit, 0) / n,
    brier: n === 0 ? Number.NaN : all.reduce((s, a) => s + (a.p - a.hit) ** 2, 0) / n,
    logLoss: n === 0 ? Number.NaN : -all.reduce((s, a) => s + a.hit * Math.log(clip(a.p)) + (1 - a.hit) * Math.log(1 - clip(a.p)), 0) / n,
    ece: expectedCalibrationError(counts.map((b) => ({ predicted: b.p, right: b.hits })), n),
    buckets,
    coverage,
  };
}

function flipRate(rows: readonly DatasetRow[], read: Read): number {
  const last = new Map<string, number>();
  let pairs = 0;
  let flips = 0;
  for (const row of rows) {
    const x = read(row);
    const sign = x === null ? 0 : Math.sign(x);
    const before = last.get(row.symbol);
    if (sign !== 0 && before !== undefined && before !== 0) {
      pairs++;
      if (before !== sign) flips++;
    }
    last.set(row.symbol, sign);
  }
  return pairs === 0 ? Number.NaN : flips / pairs;
}

/** The tear sheet of `dataset` (its rows in date order). */
export function tearSheet(dataset: Dataset, options: { resamples?: number; seed?: number; extra?: readonly [string, Read] } = {}): TearSheet {
  const resamples = options.resamples ?? 500;
  const seed = options.seed ?? 1;
  const rows = [...dataset.rows].sort((a, b) => (a.asOf < b.asOf ? -1 : a.asOf > b.asOf ? 1 : a.symbol < b.symbol ? -1 : 1));
  const byDate = new Map<string, DatasetRow[]>();
  for (const row of rows) {
    const list = byDate.get(row.asOf);
    if (list === undefined) byDate.set(row.asOf, [row]);
    else list.push(row);
  }
  const longest = dataset.horizons.length - 1;
  const readers: (readonly [string, Read])[] = [
    ...dataset.sources.map((name, i): [string, Read] => [name, (row) => row.sources[i]]),
    ['consensus', (row) => row.consensus],
    ...(options.extra === undefined ? [] : [options.extra]),
  ];
  const predictors = readers.map(([name, read]) => ({
    name,
    ic: dataset.horizons.map((horizon, h) => icStats(byDate, read, h, resamples, seed, `${name}:${horizon}`)),
    calibration: calibrationOf(rows, read, longest, dataset.horizons[longest]),
    flipRate: flipRate(rows, read),
  }));
  const matrix = dataset.sources.map((_, i) =>
    dataset.sources.map((__, j) => {
      const pairs = rows.filter((r) => r.sources[i] !== null && r.sources[j] !== null);
      return correlation(
        pairs.map((r) => r.sources[i]!),
        pairs.map((r) => r.sources[j]!),
        false,
      );
    }),
  );
  return { rows: rows.length, dates: byDate.size, horizons: dataset.horizons, calibrationHorizon: dataset.horizons[longest], event: dataset.event, predictors, sourceCorrelation: { sources: dataset.sources, matrix } };
}
