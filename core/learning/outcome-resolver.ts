/**
 * Resolves the outcomes of stored signals once the bars that decide them exist (`serve`, after
 * each cycle): the return `horizon` bars on and whether the direction had its sign, and the
 * first touch of target or stop within as many bars. An outcome is stored once, with the
 * date of the bar that resolved it; a signal whose bars are not there yet waits for a later pass.
 */
import type { ResolvedOutcome, Signal } from '../domain/domain';
import type { PackedSeries } from '../domain/packed-series';
import { dayOf } from '../domain/timeframe';
import type { Storage } from '../plugin-system/plugin-contracts';
import type { LevelsConfig } from '../engine/market-levels';
import { firstTouches, forwardReturns, signed } from './evaluation-dataset';
import { scoreSignal } from './outcome-scoring';

export interface ResolveOptions {
  /** Bars of the forward return and that the first touch is followed (`learning.horizon`). */
  readonly horizon: number;
  /** The levels of the `first-touch` event. */
  readonly levels: LevelsConfig;
}

/** Signals read from the storage at a time. */
const PAGE = 500;

/** The outcome of `signal` on `series`, or null while a bar deciding it is missing. */
export function outcomeOf(signal: Signal, series: PackedSeries, options: ResolveOptions): ResolvedOutcome | null {
  const { returns, resolvedAt } = forwardReturns(series, signal.asOf, [options.horizon]);
  const touch = scoreSignal(signal, series, options.horizon);
  const at = series.indexAtOrBefore(signal.asOf);
  // An expiry is known only once every bar of the touch horizon is there; a win or loss as soon as it happens.
  if (returns[0] === null || touch.kind === 'open' || (touch.kind === 'expired' && at + options.horizon >= series.length)) return null;
  const sources: Record<string, number> = {};
  for (const outcome of signal.sources) if (outcome.ok) sources[outcome.source] = signed(outcome.opinion.direction, outcome.opinion.confidence);
  const touchedAt = series.date(at + touch.bars);
  const [up] = firstTouches(series, signal.asOf, options.levels, [options.horizon]).returns;
  return {
    signalId: signal.id,
    symbol: signal.symbol,
    asOf: signal.asOf,
    direction: signal.direction,
    horizon: options.horizon,
    forwardReturn: returns[0],
    right: Math.sign(returns[0]) === signed(signal.direction, 1),
    firstTouch: touch.kind,
    rMultiple: touch.rMultiple,
    upFirst: up === null ? null : up > 0,
    confidence: signal.confidence,
    probability: signal.probability ?? null,
    calibration: signal.calibration ?? null,
    sources,
    resolvedAt: resolvedAt[0]! > touchedAt ? resolvedAt[0]! : touchedAt,
  };
}

/**
 * Resolves every stored signal dated within the loaded history (`dates`, ascending) whose
 * deciding bars exist, and stores the outcomes; answers them. Signals are read newest first in
 * pages; one that cannot be resolved yet (its symbol lacks the later bars) is passed over.
 */
export async function resolveOutcomes(
  storage: Required<Pick<Storage, 'saveOutcomes' | 'signalsAwaitingOutcome'>>,
  seriesOf: (symbol: string) => PackedSeries | undefined,
  dates: readonly string[],
  options: ResolveOptions,
): Promise<ResolvedOutcome[]> {
  const needs = options.horizon;
  if (dates.length <= needs) return [];
  const from = dayOf(dates[0]);
  let upTo = dayOf(dates[dates.length - 1 - needs]);
  const seen = new Set<string>();
  const resolved: ResolvedOutcome[] = [];
  for (;;) {
    const page = await storage.signalsAwaitingOutcome(options.horizon, from, upTo, PAGE);
    const fresh = page.filter((signal) => !seen.has(signal.id));
    if (fresh.length === 0) break;
    const outcomes = fresh.flatMap((signal) => {
      seen.add(signal.id);
      const series = seriesOf(signal.symbol);
      const outcome = series === undefined ? null : outcomeOf(signal, series, options);
      return outcome === null ? [] : [outcome];
    });
    if (outcomes.length > 0) await storage.saveOutcomes(outcomes);
    resolved.push(...outcomes);
    if (page.length < PAGE) break;
    upTo = dayOf(page[page.length - 1].asOf);
  }
  return resolved;
}
