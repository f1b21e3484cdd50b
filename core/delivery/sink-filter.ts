/** A sink's filter (`sinks[].filter`): which signals it receives. */
import type { SinkFilter } from '../config/config-schema';
import type { Signal } from '../domain/domain';

/** True when `signal` passes every filter of `filter`; a signal without a probability passes `minProbability`. */
export function passes(filter: SinkFilter, signal: Signal): boolean {
  return (
    (filter.symbols.length === 0 || filter.symbols.includes(signal.symbol)) &&
    (filter.actions.length === 0 || filter.actions.includes(signal.action)) &&
    signal.confidence >= filter.minConfidence &&
    (signal.probability === undefined || signal.probability >= filter.minProbability)
  );
}
