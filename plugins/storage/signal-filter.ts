import type { Signal } from '../../core/domain/domain';
import { dayOf } from '../../core/domain/timeframe';
import type { SignalQuery, StoredSignal } from '../../core/plugin-system/plugin-contracts';

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
