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
  #length = 0;
  readonly #dates: string[] = [];
  /** Room for more bars than it holds once appended to, so a live series grows without copying every cycle. */
  #values: Float64Array;
  readonly #internedDates: Map<string, string>;

  private constructor(series: BarSeries, dates: Map<string, string>) {
    this.symbol = series.symbol;
    this.malformedRows = series.malformedRows;
    this.#internedDates = dates;
    this.#values = new Float64Array(series.bars.length * FIELDS);
    this.#push(series.bars);
  }

  /** Number of bars. */
  get length(): number {
    return this.#length;
  }

  /**
   * Adds `bars`, each dated after the last one held (a live cycle's new bars). The series
   * stays the same object, so state plugins keep by it carries on with the new bars; views
   * made before keep their length.
   */
  append(bars: readonly Bar[]): void {
    const needed = (this.#length + bars.length) * FIELDS;
    if (needed > this.#values.length) {
      const grown = new Float64Array(Math.max(needed, this.#values.length * 2));
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#push(bars);
  }

  #push(bars: readonly Bar[]): void {
    for (const bar of bars) {
      this.#values.set([bar.open, bar.high, bar.low, bar.close, bar.volume], this.#length * FIELDS);
      let date = this.#internedDates.get(bar.date);
      if (date === undefined) this.#internedDates.set(bar.date, (date = bar.date));
      this.#dates.push(date);
      this.#length++;
    }
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
