import type { BarView } from '../../core/domain/bar-view';
import type { Bar, Opinion } from '../../core/domain/domain';
import type { Source } from '../../core/plugin-system/plugin-contracts';

/** An indicator fed one bar at a time, read as an opinion at the last bar fed. */
export interface IncrementalIndicator {
  add(bar: Bar): void;
  /** The opinion at the last bar added, or null while the indicator is warming up. */
  read(last: Bar): Opinion | null;
}

const WARMING_UP: Opinion = { direction: 'NEUTRAL', confidence: 0, features: { warmup: 1 } };

/**
 * The indicator's result, or null while it warms up. `getResult` answers null by throwing and
 * catching an error (a stack trace per warm-up bar and indicator); `isStable` says the same
 * without one.
 */
export function resultOf<T>(indicator: { readonly isStable: boolean; getResult(): T | null }): T | null {
  return indicator.isStable ? indicator.getResult() : null;
}

/** Confidence 0..100 that grows linearly with `value` and saturates at `full`. */
export function strength(value: number, full: number): number {
  return Math.min(100, (100 * Math.abs(value)) / full);
}

/** LONG above zero, SHORT below, NEUTRAL at zero. */
export function directionOf(value: number): Opinion['direction'] {
  return value > 0 ? 'LONG' : value < 0 ? 'SHORT' : 'NEUTRAL';
}

/**
 * A source that keeps one indicator per symbol and feeds it only the bars it has not seen,
 * so a replay costs one indicator update per bar, not one full recomputation per day. A
 * view of another series, or one that ends earlier than what was fed, starts afresh.
 */
export function incrementalSource(createIndicator: () => IncrementalIndicator): Source {
  const bySymbol = new Map<string, { seriesKey: object; fed: number; indicator: IncrementalIndicator }>();
  return {
    opinion({ symbol, bars }: { symbol: string; bars: BarView }) {
      let entry = bySymbol.get(symbol);
      if (entry === undefined || entry.seriesKey !== bars.seriesKey || entry.fed > bars.length) {
        entry = { seriesKey: bars.seriesKey, fed: 0, indicator: createIndicator() };
        bySymbol.set(symbol, entry);
      }
      let fed: Bar | undefined;
      for (; entry.fed < bars.length; entry.fed++) entry.indicator.add((fed = bars.at(entry.fed)));
      // The bar fed last is the view's last: a view builds a bar each time it is asked for one.
      return entry.indicator.read(fed ?? bars.last) ?? WARMING_UP;
    },
  };
}
