import { DIRECTION_SIGN, type WeightedOpinion } from '../domain/domain';

/**
 * Earlier opinions of one symbol, compact so it crosses to a worker thread as one buffer:
 * one row per earlier evaluation (oldest first), one column per configured source, each cell
 * the signed confidence / 100 (LONG +, SHORT -, NEUTRAL 0), NaN where the source gave none.
 */
export interface OpinionHistory {
  readonly sources: readonly string[];
  readonly rows: number;
  readonly values: Float64Array;
}

/** One history row: `opinions` laid out by the column order of `sources`. */
function rowOf(sources: readonly string[], opinions: readonly WeightedOpinion[]): Float64Array {
  const row = new Float64Array(sources.length).fill(Number.NaN);
  for (const { source, opinion } of opinions) {
    const column = sources.indexOf(source);
    if (column >= 0) row[column] = (DIRECTION_SIGN[opinion.direction] * opinion.confidence) / 100;
  }
  return row;
}

/** A history from opinion sets, oldest first (tests, tools). */
export function historyOf(sources: readonly string[], sets: readonly (readonly WeightedOpinion[])[]): OpinionHistory {
  const values = new Float64Array(sets.length * sources.length);
  sets.forEach((set, t) => values.set(rowOf(sources, set), t * sources.length));
  return { sources, rows: sets.length, values };
}

/** One symbol's rows in one buffer: room for two windows, so dropping the oldest row is a rare block move, not a shift per row. */
interface RowBuffer {
  values: Float64Array;
  start: number;
  rows: number;
}

/** The rolling histories of every symbol of a run, at most `window` rows each. */
export class OpinionHistories {
  readonly #bySymbol = new Map<string, RowBuffer>();

  constructor(
    private readonly sources: readonly string[],
    private readonly window: number,
  ) {}

  /** The history of `symbol` as it stands (a copy: later evaluations do not change it). */
  of(symbol: string): OpinionHistory {
    const buffer = this.#bySymbol.get(symbol);
    const width = this.sources.length;
    if (buffer === undefined) return { sources: this.sources, rows: 0, values: new Float64Array(0) };
    return { sources: this.sources, rows: buffer.rows, values: buffer.values.slice(buffer.start * width, (buffer.start + buffer.rows) * width) };
  }

  /** Appends what one evaluation of `symbol` fetched, dropping the oldest row beyond the window. */
  remember(symbol: string, opinions: readonly WeightedOpinion[]): void {
    const width = this.sources.length;
    let buffer = this.#bySymbol.get(symbol);
    if (buffer === undefined) {
      buffer = { values: new Float64Array(2 * this.window * width), start: 0, rows: 0 };
      this.#bySymbol.set(symbol, buffer);
    }
    if (buffer.start + buffer.rows === 2 * this.window) {
      buffer.values.copyWithin(0, buffer.start * width, (buffer.start + buffer.rows) * width);
      buffer.start = 0;
    }
    buffer.values.set(rowOf(this.sources, opinions), (buffer.start + buffer.rows) * width);
    if (buffer.rows === this.window) buffer.start++;
    else buffer.rows++;
  }
}
