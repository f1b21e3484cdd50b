import type { ResolvedOutcome, Signal } from '../../core/domain/domain';
import { dayOf } from '../../core/domain/timeframe';
import type { OutcomeQuery, SignalQuery, StoredSignal } from '../../core/plugin-system/plugin-contracts';

/** True when `signal` passes every filter of `query` (its limit aside). */
function matches(s: Signal, query: SignalQuery): boolean {
  return (
    (query.id === undefined || s.id === query.id) &&
    (query.symbol === undefined || s.symbol === query.symbol) &&
    (query.action === undefined || s.action === query.action) &&
    (query.minConfidence === undefined || s.confidence >= query.minConfidence) &&
    (query.from === undefined || dayOf(s.asOf) >= query.from) &&
    (query.to === undefined || dayOf(s.asOf) <= query.to) &&
    (query.reasoningStatus === undefined || s.reasoningStatus === query.reasoningStatus)
  );
}

/** Applies a {@link SignalQuery} to signals held in memory: filter, order by date then symbol, limit. */
export function filterSignals(signals: Iterable<Signal>, query: SignalQuery): Signal[] {
  const matching = [...signals].filter((s) => matches(s, query)).sort((a, b) => a.asOf.localeCompare(b.asOf) || a.symbol.localeCompare(b.symbol));
  return query.limit === undefined ? matching : matching.slice(0, query.limit);
}

/** `readSignalsAfter` over signals held in memory in the order they were first stored (a Map keeps it). */
export function signalsAfter(inStoredOrder: Iterable<Signal>, afterSeq: number, query: SignalQuery): StoredSignal[] {
  const page: StoredSignal[] = [];
  let seq = 0;
  for (const signal of inStoredOrder) {
    seq++;
    if (seq <= afterSeq || !matches(signal, query)) continue;
    page.push({ seq, signal });
    if (query.limit !== undefined && page.length >= query.limit) break;
  }
  return page;
}

/** Newest signal date first, then symbol: the order of `queryOutcomes` and `signalsAwaitingOutcome`. */
const newestFirst = (a: { asOf: string; symbol: string }, b: { asOf: string; symbol: string }) => b.asOf.localeCompare(a.asOf) || a.symbol.localeCompare(b.symbol);

/** Applies an {@link OutcomeQuery} to outcomes held in memory. */
export function filterOutcomes(outcomes: Iterable<ResolvedOutcome>, query: OutcomeQuery): ResolvedOutcome[] {
  const matching = [...outcomes]
    .filter(
      (o) =>
        (query.symbol === undefined || o.symbol === query.symbol) &&
        (query.horizon === undefined || o.horizon === query.horizon) &&
        (query.from === undefined || dayOf(o.asOf) >= query.from) &&
        (query.to === undefined || dayOf(o.asOf) <= query.to),
    )
    .sort(newestFirst);
  return query.limit === undefined ? matching : matching.slice(0, query.limit);
}

/** `signalsAwaitingOutcome` over signals and outcomes held in memory. */
export function awaitingOutcome(signals: Iterable<Signal>, resolved: (id: string) => boolean, from: string, to: string, limit: number): Signal[] {
  return [...signals]
    .filter((s) => dayOf(s.asOf) >= from && dayOf(s.asOf) <= to && !resolved(s.id))
    .sort(newestFirst)
    .slice(0, limit);
}
