/**
 * Every symbol-day of a replay as data to learn from: each source's signed confidence (LONG +c,
 * SHORT -c, NEUTRAL 0; null when the source gave none), the consensus's, and the forward
 * return at each horizon with the date that resolved it (null while no bar decides it). Built
 * once from a replay with every source asked (no early exit), so a fit never runs the sources.
 */
import { BarView } from '../domain/bar-view';
import type { Direction } from '../domain/domain';
import type { PackedSeries } from '../domain/packed-series';
import { priceLevels, type LevelsConfig } from '../engine/market-levels';
import type { Evaluation } from '../engine/run-events';
import { scoreSignal } from './outcome-scoring';

/**
 * What makes a direction right (`learning.event`): `direction`, the close-to-close return over
 * the horizon has its sign; `first-touch`, the price reaches the upper level of a long trade
 * (entry + `levels.targetAtr` ATR) before its lower one (entry - `levels.stopAtr` ATR) within the
 * horizon for LONG, the lower first for SHORT. The levels are the same for every predictor, so
 * the event does not depend on what is judged (docs/learning.md).
 */
export type LearningEvent = 'direction' | 'first-touch';

/** One symbol-day, its predictions and outcomes. */
export interface DatasetRow {
  readonly symbol: string;
  readonly asOf: string;
  /** By source name, in the dataset's `sources` order: signed confidence -100..100, or null. */
  readonly sources: readonly (number | null)[];
  readonly consensus: number;
  /**
   * By horizon, in the dataset's `horizons` order: the close-to-close return (`direction`), or
   * which level came first (`first-touch`: +1 the upper, -1 the lower, null neither within the
   * horizon); null while unresolved.
   */
  readonly returns: readonly (number | null)[];
  /** The date of the bar that resolved each horizon, null while unresolved. */
  readonly resolvedAt: readonly (string | null)[];
}

export interface Dataset {
  readonly version: 1;
  readonly event: LearningEvent;
  readonly sources: readonly string[];
  readonly horizons: readonly number[];
  readonly rows: readonly DatasetRow[];
}

const SIGN: Readonly<Record<Direction, number>> = { LONG: 1, SHORT: -1, NEUTRAL: 0 };

/** `confidence` signed by `direction`. */
export function signed(direction: Direction, confidence: number): number {
  return SIGN[direction] * confidence;
}

/** The close-to-close return from `asOf`'s bar to each horizon, and the date of the bar that resolved it; null while no bar decides it. */
export function forwardReturns(series: PackedSeries | undefined, asOf: string, horizons: readonly number[]): Pick<DatasetRow, 'returns' | 'resolvedAt'> {
  const at = series?.indexAtOrBefore(asOf) ?? -1;
  const ahead = horizons.map((h) => (series !== undefined && at >= 0 && at + h < series.length ? at + h : null));
  return {
    returns: ahead.map((i) => (i === null ? null : series!.at(i).close / series!.at(at).close - 1)),
    resolvedAt: ahead.map((i) => (i === null ? null : series!.date(i))),
  };
}

/** The `first-touch` event from `asOf`'s bar, followed for each horizon: +1 when the upper level came first, -1 the lower, null neither; and the bar that decided it. */
export function firstTouches(series: PackedSeries | undefined, asOf: string, levels: LevelsConfig, horizons: readonly number[]): Pick<DatasetRow, 'returns' | 'resolvedAt'> {
  const at = series?.indexAtOrBefore(asOf) ?? -1;
  if (series === undefined || at < 0) return { returns: horizons.map(() => null), resolvedAt: horizons.map(() => null) };
  const long = { asOf, action: 'BUY', ...priceLevels(BarView.upTo(series, at), 'BUY', levels) } as const;
  const touches = horizons.map((h) => scoreSignal(long, series, h));
  return {
    returns: touches.map((t) => (t.kind === 'win' ? 1 : t.kind === 'loss' ? -1 : null)),
    resolvedAt: touches.map((t) => (t.kind === 'win' || t.kind === 'loss' ? series.date(at + t.bars) : null)),
  };
}

/** Collects evaluations as they come, then resolves their outcomes from each symbol's full history. */
export class DatasetBuilder {
  readonly #evaluations: Evaluation[] = [];

  constructor(
    private readonly sources: readonly string[],
    private readonly horizons: readonly number[],
    private readonly event: { readonly kind: LearningEvent; readonly levels: LevelsConfig },
  ) {}

  add(evaluation: Evaluation): void {
    this.#evaluations.push(evaluation);
  }

  /** The dataset, outcomes read from `seriesOf` (a symbol's whole loaded history: bars after the replay's end resolve its last days). */
  build(seriesOf: (symbol: string) => PackedSeries | undefined): Dataset {
    const rows = this.#evaluations.map(({ symbol, asOf, opinions, consensus }): DatasetRow => {
      const bySource = new Map(opinions.map((o) => [o.source, signed(o.opinion.direction, o.opinion.confidence)]));
      return {
        symbol,
        asOf,
        sources: this.sources.map((name) => bySource.get(name) ?? null),
        consensus: signed(consensus.direction, consensus.confidence),
        ...(this.event.kind === 'direction'
          ? forwardReturns(seriesOf(symbol), asOf, this.horizons)
          : firstTouches(seriesOf(symbol), asOf, this.event.levels, this.horizons)),
      };
    });
    return { version: 1, event: this.event.kind, sources: [...this.sources], horizons: [...this.horizons], rows };
  }
}
