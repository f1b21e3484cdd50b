import { DIRECTION_SIGN, type WeightedOpinion } from './domain';

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

/** The rolling histories of every symbol of a run, at most `window` rows each. */
export class OpinionHistories {
  readonly #rows = new Map<string, Float64Array[]>();

  constructor(
    private readonly sources: readonly string[],
    private readonly window: number,
  ) {}

  /** The history of `symbol` as it stands (a copy: later evaluations do not change it). */
  of(symbol: string): OpinionHistory {
    const rows = this.#rows.get(symbol) ?? [];
    const values = new Float64Array(rows.length * this.sources.length);
    rows.forEach((row, t) => values.set(row, t * this.sources.length));
    return { sources: this.sources, rows: rows.length, values };
  }

  /** Appends what one evaluation of `symbol` fetched, dropping the oldest row beyond the window. */
  remember(symbol: string, opinions: readonly WeightedOpinion[]): void {
    const rows = this.#rows.get(symbol) ?? [];
    rows.push(rowOf(this.sources, opinions));
    if (rows.length > this.window) rows.shift();
    this.#rows.set(symbol, rows);
  }
}
