import type { Bar, BarSeries } from './domain';
import { PackedSeries } from './packed-series';

/**
 * One opaque object per series: a plugin keeps state by it, and cannot reach the series
 * through it (the series itself would let it read past its view).
 */
const SERIES_KEYS = new WeakMap<object, object>();

function keyOf(series: object): object {
  let key = SERIES_KEYS.get(series);
  if (key === undefined) SERIES_KEYS.set(series, (key = Object.freeze({})));
  return key;
}

/**
 * A point-in-time window on a {@link BarSeries} (or the {@link PackedSeries} a run keeps):
 * the bars up to and including `asOf`, and nothing after. The core hands sources only views,
 * so no plugin can look ahead; the series is held in a private field for that reason.
 */
export class BarView {
  readonly #series: BarSeries | PackedSeries;
  /** Number of bars visible, the last one being the bar of `asOf`. */
  readonly length: number;
  /** The same object for every view of one series: lets plugins keep incremental state. */
  readonly seriesKey: object;

  constructor(series: BarSeries | PackedSeries, length: number) {
    this.#series = series;
    this.length = length;
    this.seriesKey = keyOf(series);
  }

  /** A view of `series` up to the bar at index `endIndex` inclusive. */
  static upTo(series: BarSeries | PackedSeries, endIndex: number): BarView {
    return new BarView(series, endIndex + 1);
  }

  /** Bar `index` (0 is the oldest); throws past the visible end. */
  at(index: number): Bar {
    if (!Number.isInteger(index) || index < 0 || index >= this.length) {
      throw new RangeError(`bar index ${index} is outside the visible 0..${this.length - 1}`);
    }
    return this.#bar(index);
  }

  #bar(index: number): Bar {
    const series = this.#series;
    return series instanceof PackedSeries ? series.at(index) : series.bars[index];
  }

  /** The bar of `asOf`. */
  get last(): Bar {
    return this.at(this.length - 1);
  }

  /** The date of the last visible bar (read by every source call: taken from the series, no bar is made for it). */
  get asOf(): string {
    const last = this.length - 1;
    // An empty view has no last bar, and `last` says so.
    if (last < 0) return this.last.date;
    const series = this.#series;
    return series instanceof PackedSeries ? series.date(last) : series.bars[last].date;
  }

  /** The last `count` visible bars, oldest first (fewer when the history is shorter). */
  tail(count: number): Bar[] {
    const bars: Bar[] = [];
    for (let i = Math.max(0, this.length - count); i < this.length; i++) bars.push(this.#bar(i));
    return bars;
  }
}
