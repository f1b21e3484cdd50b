/**
 * A calibration fitted on outcomes: per source a monotone map from its signed confidence to
 * the probability that the forward return is positive (isotonic), and a combiner over the
 * sources' calibrated values (regularised logistic regression). Fitted strictly on outcomes
 * resolved inside the window: a row counts only when the bar deciding it is dated at or before
 * the window's end.
 */
import { sampleCorrelation } from 'simple-statistics';
import type { Direction } from '../domain/domain';
import { hashOf } from '../util/stable-hash';
import type { Dataset, DatasetRow, LearningEvent } from './evaluation-dataset';
import { applyIsotonic, fitIsotonic, type IsotonicMap } from './isotonic';
import { fitLogistic, predictLogistic } from './logistic';
import { calibrationOf, type Calibration } from './tear-sheet';

export const CALIBRATION_VERSION = 1;

/** What `argo-signals calibrate` writes. */
export interface CalibrationFile {
  readonly kind: 'argo-signals-calibration';
  readonly version: typeof CALIBRATION_VERSION;
  /** The window fitted on, and the horizon and event of its outcomes. */
  readonly from: string;
  readonly to: string;
  readonly horizon: number;
  readonly event: LearningEvent;
  readonly samples: number;
  /** The share of fitted rows whose forward return was positive (the base rate a skill-less model predicts). */
  readonly upRate: number;
  /** Hash of the `sources` config it was fitted on: a calibration is only valid for those. */
  readonly sourcesHash: string;
  readonly fittedAt: string;
  /** Per source: the isotonic map of its signed confidence, read on its negation when `decreasing` (a contrarian source). */
  readonly sources: readonly { readonly name: string; readonly samples: number; readonly decreasing: boolean; readonly map: IsotonicMap }[];
  readonly combiner: { readonly intercept: number; readonly weights: Readonly<Record<string, number>>; readonly l2: number };
}

export interface FitOptions {
  readonly from: string;
  readonly to: string;
  readonly horizon: number;
  readonly sourcesHash: string;
  /** Fewest samples a step of an isotonic map rests on. */
  readonly minBlock?: number;
  readonly l2?: number;
  readonly now?: () => Date;
}

/** The rows of `dataset` with an outcome at horizon index `h` resolved by `to` (and dated from `from`), not flat. */
function resolvedRows(dataset: Dataset, h: number, from: string, to: string): DatasetRow[] {
  return dataset.rows.filter((r) => r.asOf >= from && r.returns[h] !== null && r.returns[h] !== 0 && r.resolvedAt[h]! <= to);
}

/** The hash a calibration records of the `sources` config it was fitted on, and is checked against. */
export function sourcesHash(sources: readonly unknown[]): string {
  return hashOf(sources);
}

/** `values` (in `names` order) in the order of `file`'s sources; null for a source `names` lacks. */
export function inFileOrder(file: Pick<CalibrationFile, 'sources'>, names: readonly string[], values: readonly (number | null)[]): (number | null)[] {
  return file.sources.map((s) => {
    const at = names.indexOf(s.name);
    return at < 0 ? null : values[at];
  });
}

/** The combiner's features of `row`: each source's calibrated probability, centred (0 when it gave none). */
function features(file: Pick<CalibrationFile, 'sources'>, values: readonly (number | null)[]): number[] {
  return file.sources.map((s, i) => (values[i] === null ? 0 : applyIsotonic(s.map, s.decreasing ? -values[i]! : values[i]!) - 0.5));
}

export function fitCalibration(dataset: Dataset, options: FitOptions): CalibrationFile {
  const h = dataset.horizons.indexOf(options.horizon);
  if (h < 0) throw new Error(`horizon ${options.horizon} is not one of the dataset's (${dataset.horizons.join(', ')})`);
  const rows = resolvedRows(dataset, h, options.from, options.to);
  const up = rows.map((r) => (r.returns[h]! > 0 ? 1 : 0));
  const minBlock = options.minBlock ?? 200;
  const sources = dataset.sources.map((name, i) => {
    const seen = rows.map((r, k) => [r.sources[i], up[k]] as const).filter(([v]) => v !== null) as (readonly [number, number])[];
    if (seen.length === 0) return { name, samples: 0, decreasing: false, map: { x: [Number.POSITIVE_INFINITY], y: [0.5] } };
    // Monotone either way: a source whose rises come with lower confidences is fitted on its negation.
    const scores = seen.map(([v]) => v);
    const outcomes = seen.map(([, o]) => o);
    const decreasing = sampleCorrelation(scores, outcomes) < 0;
    return { name, samples: seen.length, decreasing, map: fitIsotonic(decreasing ? scores.map((v) => -v) : scores, outcomes, Math.min(minBlock, seen.length)) };
  });
  const l2 = options.l2 ?? 1;
  const model = fitLogistic(rows.map((r) => features({ sources }, r.sources)), up, l2);
  return {
    kind: 'argo-signals-calibration',
    version: CALIBRATION_VERSION,
    from: options.from,
    to: options.to,
    horizon: options.horizon,
    event: dataset.event,
    samples: rows.length,
    upRate: up.reduce<number>((n, o) => n + o, 0) / Math.max(1, up.length),
    sourcesHash: options.sourcesHash,
    fittedAt: (options.now ?? (() => new Date()))().toISOString(),
    sources,
    combiner: { intercept: model.intercept, weights: Object.fromEntries(sources.map((s, i) => [s.name, model.weights[i]])), l2 },
  };
}

/** The probability that the forward return is positive, from the sources' signed confidences (in the file's source order). */
export function probabilityUp(file: CalibrationFile, values: readonly (number | null)[]): number {
  return predictLogistic({ intercept: file.combiner.intercept, weights: file.sources.map((s) => file.combiner.weights[s.name]) }, features(file, values));
}

/** The probability that `direction` is right; NaN for NEUTRAL. */
export function probabilityRight(file: CalibrationFile, values: readonly (number | null)[], direction: Direction): number {
  if (direction === 'NEUTRAL') return Number.NaN;
  const p = probabilityUp(file, values);
  return direction === 'LONG' ? p : 1 - p;
}

/** How `file` scores on `dataset`'s rows dated `from`..`to`: the reliability of its probability for the consensus's direction, and of the raw confidence. */
export function scoreCalibration(file: CalibrationFile, dataset: Dataset, from: string, to: string): { calibrated: Calibration; raw: Calibration; baseRateBrier: number } {
  const h = dataset.horizons.indexOf(file.horizon);
  const rows = dataset.rows.filter((r) => r.asOf >= from && r.asOf <= to);
  const valuesOf = (r: DatasetRow) => inFileOrder(file, dataset.sources, r.sources);
  // The calibrated probability as a signed confidence in the consensus's direction, so the same reliability table reads it.
  const calibrated = calibrationOf(rows, (r) => (r.consensus === 0 ? null : Math.sign(r.consensus) * 100 * probabilityRight(file, valuesOf(r), r.consensus > 0 ? 'LONG' : 'SHORT')), h, file.horizon);
  const raw = calibrationOf(rows, (r) => r.consensus, h, file.horizon);
  // Always predicting the fitted window's share of rises, for the consensus's direction.
  const trainUp = file.upRate;
  const baseRate = calibrationOf(rows, (r) => (r.consensus === 0 ? null : Math.sign(r.consensus) * 100 * (r.consensus > 0 ? trainUp : 1 - trainUp)), h, file.horizon);
  return { calibrated, raw, baseRateBrier: baseRate.brier };
}

/** The version a signal records: the file's kind, version and a hash of its fit. */
export function calibrationId(file: CalibrationFile): string {
  return `v${file.version}:${file.from}..${file.to}:${hashOf(file, 8)}`;
}

/** What "up" was, by event, as the reasoning says it. */
const UP: Readonly<Record<LearningEvent, string>> = { direction: 'the price rose', 'first-touch': 'the price reached the upper level first' };

/** How the calibration's sentence in a reasoning text begins: a text completed later keeps what follows it. */
export const CALIBRATED_SENTENCE = 'Calibrated: ';

/** The sentence a signal's reasoning gets from its calibration: the probability, and what each source's level has meant. */
export function calibrationSentence(file: CalibrationFile, values: readonly (number | null)[], direction: Direction, probability: number): string {
  const pct = (p: number) => `${(p * 100).toFixed(0)}%`;
  const parts = file.sources.flatMap((s, i) => {
    const v = values[i];
    if (v === null) return [];
    const up = applyIsotonic(s.map, s.decreasing ? -v : v);
    const says = v > 0 ? 'LONG' : v < 0 ? 'SHORT' : 'NEUTRAL';
    return [`${s.name} says ${says} ${Math.abs(v).toFixed(0)}%, at that level ${UP[file.event]} ${pct(up)} of the time (weight ${file.combiner.weights[s.name].toFixed(2)})`];
  });
  return `${CALIBRATED_SENTENCE}${direction} is right with probability ${pct(probability)}; ${parts.join('; ')}.`;
}
