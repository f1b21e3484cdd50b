/**
 * How good a signal turned out: follow the bars after its date and see whether the target
 * or the stop came first. Used by the A/B lab on replays and by the live outcome resolver, never by the pipeline itself.
 */
import type { BarSeries } from '../domain/domain';
import { PackedSeries } from '../domain/packed-series';
import type { Signal } from '../domain/domain';

/** What became of a signal. `open`: no bar after its date to judge by. */
export type OutcomeKind = 'win' | 'loss' | 'expired' | 'open';

/** The outcome of one signal. */
export interface SignalOutcome {
  readonly kind: OutcomeKind;
  /** Bars until the target or stop was hit, or until the horizon. */
  readonly bars: number;
  /** Profit in units of the initial risk (entry to stop): the target's reward/risk for a win, -1 for a loss. */
  readonly rMultiple: number;
  /** Return at exit (target, stop, or the close at the horizon), signed by the side: + is a gain. */
  readonly return: number;
}

/**
 * Follows `series` after `signal.asOf` for at most `horizonDays` bars: the target reached
 * first is a win, the stop first a loss, both within one bar a loss (the bar's path is
 * unknown, so the worse case is taken), neither an expiry with the return at the last bar.
 */
export function scoreSignal(signal: Pick<Signal, 'asOf' | 'action' | 'entry' | 'stop' | 'target'>, history: BarSeries | PackedSeries, horizonDays: number): SignalOutcome {
  const series = history instanceof PackedSeries ? history : PackedSeries.of(history);
  const start = series.indexAtOrBefore(signal.asOf);
  const side = signal.action === 'BUY' ? 1 : -1;
  const risk = Math.abs(signal.entry - signal.stop);
  const ret = (price: number) => (side * (price - signal.entry)) / signal.entry;
  const last = Math.min(series.length - 1, start + horizonDays);
  for (let i = start + 1; i <= last; i++) {
    const bar = series.at(i);
    const stopped = side === 1 ? bar.low <= signal.stop : bar.high >= signal.stop;
    const reached = side === 1 ? bar.high >= signal.target : bar.low <= signal.target;
    if (stopped) return { kind: 'loss', bars: i - start, rMultiple: -1, return: ret(signal.stop) };
    if (reached) return { kind: 'win', bars: i - start, rMultiple: Math.abs(signal.target - signal.entry) / risk, return: ret(signal.target) };
  }
  if (last <= start) return { kind: 'open', bars: 0, rMultiple: 0, return: 0 };
  const close = series.at(last).close;
  return { kind: 'expired', bars: last - start, rMultiple: (side * (close - signal.entry)) / risk, return: ret(close) };
}
