import type { Bar, BarSeries } from './domain';

/** Numbers kept per bar: open, high, low, close, volume. */
const FIELDS = 5;

/**
 * A symbol's series held in columns, as a run keeps what market data loaded: about 45 bytes
 * a bar (five doubles and a date string shared by every symbol) where a bar object costs
 * about 170, so a replay's memory hardly grows with its range. Bars are made on access.
 */
export class PackedSeries {
  readonly symbol: string;
  readonly malformedRows: number;
  /** Number of bars. */
  readonly length: number;
  readonly #dates: readonly string[];
  readonly #values: Float64Array;

  private constructor(series: BarSeries, dates: Map<string, string>) {
    this.symbol = series.symbol;
    this.malformedRows = series.malformedRows;
    this.length = series.bars.length;
    const values = new Float64Array(this.length * FIELDS);
    this.#dates = series.bars.map((bar, i) => {
      values.set([bar.open, bar.high, bar.low, bar.close, bar.volume], i * FIELDS);
      let date = dates.get(bar.date);
      if (date === undefined) dates.set(bar.date, (date = bar.date));
      return date;
    });
    this.#values = values;
  }

  /** Packs `series`; `dates` interns date strings across the series of one run. */
  static of(series: BarSeries, dates: Map<string, string> = new Map()): PackedSeries {
    return new PackedSeries(series, dates);
  }

  /** True when `series` holds exactly these bars (a live cycle that loaded nothing new keeps this series, and with it the state plugins keep by it). */
  holds(series: BarSeries): boolean {
    if (series.symbol !== this.symbol || series.bars.length !== this.length) return false;
    const v = this.#values;
    return series.bars.every((bar, i) => {
      const at = i * FIELDS;
      return bar.date === this.#dates[i] && bar.open === v[at] && bar.high === v[at + 1] && bar.low === v[at + 2] && bar.close === v[at + 3] && bar.volume === v[at + 4];
    });
  }

  /** Bar `index` (0 is the oldest), as a new object. */
  at(index: number): Bar {
    const v = this.#values;
    const at = index * FIELDS;
    return { date: this.#dates[index], open: v[at], high: v[at + 1], low: v[at + 2], close: v[at + 3], volume: v[at + 4] };
  }

  /** The date of bar `index`, without making the bar. */
  date(index: number): string {
    return this.#dates[index];
  }

  /** Index of the last bar dated on or before `date` (binary search), or -1. */
  indexAtOrBefore(date: string): number {
    let lo = 0;
    let hi = this.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.#dates[mid] <= date) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
