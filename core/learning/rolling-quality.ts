/**
 * How well the latest resolved outcomes were foretold, for `serve`'s metrics and dashboard: the
 * hit rate, Brier score and expected calibration error of the signals (their calibrated
 * probability, or their confidence read as one) and of each source (its confidence read as the
 * probability that its direction is right), over a rolling window of outcomes.
 */
import type { ResolvedOutcome } from '../domain/domain';
import { signed, type LearningEvent } from './evaluation-dataset';
import { inDateOrder, outcomesAsDataset } from './outcome-dataset';
import { calibrationOf, type Read } from './tear-sheet';

export interface PredictorQuality {
  /** `signals`, or a source's name. */
  readonly name: string;
  readonly samples: number;
  /** Null without samples. */
  readonly hitRate: number | null;
  readonly brier: number | null;
  readonly ece: number | null;
}

export interface RollingQuality {
  readonly outcomes: number;
  /** The signal dates the window spans, oldest and newest; null when it is empty. */
  readonly from: string | null;
  readonly to: string | null;
  readonly predictors: readonly PredictorQuality[];
}

/** The figures of `outcomes` (the window, any order) under `event` for the signals and each of `sources`. */
export function rollingQuality(outcomes: readonly ResolvedOutcome[], sources: readonly string[], horizon: number, event: LearningEvent): RollingQuality {
  const dataset = outcomesAsDataset(outcomes, sources, horizon, event);
  const byRow = new Map(dataset.rows.map((row, i) => [row, i]));
  const window = inDateOrder(outcomes, horizon);
  // The signals' own prediction: the probability when calibrated, else the confidence; signed by their direction.
  const signals: Read = (row) => {
    const o = window[byRow.get(row)!];
    return signed(o.direction, o.probability === null ? o.confidence : 100 * o.probability);
  };
  const readers: [string, Read][] = [['signals', signals], ...sources.map((name, i): [string, Read] => [name, (row) => row.sources[i]])];
  const predictors = readers.map(([name, read]) => {
    const c = calibrationOf(dataset.rows, read, 0, horizon);
    const defined = (v: number) => (Number.isFinite(v) ? v : null);
    return { name, samples: c.samples, hitRate: defined(c.hitRate), brier: defined(c.brier), ece: defined(c.ece) };
  });
  return { outcomes: dataset.rows.length, from: dataset.rows[0]?.asOf ?? null, to: dataset.rows.at(-1)?.asOf ?? null, predictors };
}
