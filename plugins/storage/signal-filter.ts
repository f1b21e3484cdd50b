import type { Signal } from '../../core/domain/domain';
import type { SignalQuery } from '../../core/plugin-system/plugin-contracts';

/** Applies a {@link SignalQuery} to signals held in memory: filter, order by date then symbol, limit. */
export function filterSignals(signals: Iterable<Signal>, query: SignalQuery): Signal[] {
  const matching = [...signals]
    .filter(
      (s) =>
        (query.symbol === undefined || s.symbol === query.symbol) &&
        (query.from === undefined || s.asOf >= query.from) &&
        (query.to === undefined || s.asOf <= query.to) &&
        (query.reasoningStatus === undefined || s.reasoningStatus === query.reasoningStatus),
    )
    .sort((a, b) => a.asOf.localeCompare(b.asOf) || a.symbol.localeCompare(b.symbol));
  return query.limit === undefined ? matching : matching.slice(0, query.limit);
}
