/**
 * Stored outcomes as a dataset (the shape `evaluate` writes and `calibrate` fits): a row per
 * resolved signal with each source's signed confidence, so a live refit and the rolling figures
 * use the same fitting and scoring code as a replay. Only signals the service stored are in it:
 * what passed its gates (docs/learning.md says what that means for a fit).
 */
import type { ResolvedOutcome } from '../domain/domain';
import { signed, type Dataset, type LearningEvent } from './evaluation-dataset';

/** The outcomes at `horizon`, oldest signal first (then by symbol): the order of a dataset's rows. */
export function inDateOrder(outcomes: readonly ResolvedOutcome[], horizon: number): ResolvedOutcome[] {
  return outcomes.filter((o) => o.horizon === horizon).sort((a, b) => a.asOf.localeCompare(b.asOf) || a.symbol.localeCompare(b.symbol));
}

/** What decided `o` under `event`, as the dataset's `returns` hold it: its forward return, or which level came first (+1 the upper, -1 the lower, null neither). */
export function upMove(o: ResolvedOutcome, event: LearningEvent): number | null {
  if (event === 'direction') return o.forwardReturn;
  return o.upFirst === null ? null : o.upFirst ? 1 : -1;
}

/** `outcomes` (at one horizon) as a dataset of `sources` under `event`, row i of it outcome i of {@link inDateOrder}; the consensus column holds each signal's signed confidence. */
export function outcomesAsDataset(outcomes: readonly ResolvedOutcome[], sources: readonly string[], horizon: number, event: LearningEvent): Dataset {
  const rows = inDateOrder(outcomes, horizon).map((o) => ({
    symbol: o.symbol,
    asOf: o.asOf,
    sources: sources.map((name) => o.sources[name] ?? null),
    consensus: signed(o.direction, o.confidence),
    returns: [upMove(o, event)],
    resolvedAt: [o.resolvedAt],
  }));
  return { version: 1, event, sources: [...sources], horizons: [horizon], rows };
}
