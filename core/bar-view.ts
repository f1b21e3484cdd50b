import type { Bar } from './domain';

/** A symbol's full history as loaded by a market-data plugin, sorted by date, unique dates. */
export interface BarSeries {
  readonly symbol: string;
  readonly bars: readonly Bar[];
  /** Rows the market-data plugin skipped as malformed. */
  readonly malformedRows: number;
}

/**
 * A point-in-time window on a {@link BarSeries}: the bars up to and including `asOf`, and
 * nothing after. The core hands sources only views, so no plugin can look ahead; the
 * series is held in a private field for that reason.
 */
export class BarView {
  readonly #bars: readonly Bar[];
  /** Number of bars visible, the last one being the bar of `asOf`. */
  readonly length: number;
  /** The same object for every view of one series: lets plugins keep incremental state. */
  readonly seriesKey: object;

  constructor(series: BarSeries, length: number) {
    this.#bars = series.bars;
    this.length = length;
    this.seriesKey = series;
  }

  /** A view of `series` up to the bar at index `endIndex` inclusive. */
  static upTo(series: BarSeries, endIndex: number): BarView {
    return new BarView(series, endIndex + 1);
  }

  /** Bar `index` (0 is the oldest); throws past the visible end. */
  at(index: number): Bar {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`bar index ${index} is outside the visible 0..${this.length - 1}`);
    }
    return this.#bars[index];
  }

  /** The bar of `asOf`. */
  get last(): Bar {
    return this.at(this.length - 1);
  }

  /** The date of the last visible bar. */
  get asOf(): string {
    return this.last.date;
  }

  /** The last `count` visible bars, oldest first (fewer when the history is shorter). */
  tail(count: number): Bar[] {
    return this.#bars.slice(Math.max(0, this.length - count), this.length);
  }
}

/** Index of the last bar dated on or before `date` (binary search), or -1. */
export function indexAtOrBefore(bars: readonly Bar[], date: string): number {
  let lo = 0;
  let hi = bars.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (bars[mid].date <= date) {
      found = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}
