/**
 * The domain of argo-signals: bars, opinions, consensus and signals. Confidence is a
 * percentage, 0..100, everywhere in the public API.
 */

/** Which way a source or the consensus leans. */
export type Direction = 'LONG' | 'SHORT' | 'NEUTRAL';

/** The directions a source may answer, for validation at the plugin boundary. */
export const DIRECTIONS: readonly Direction[] = ['LONG', 'SHORT', 'NEUTRAL'];

/** True for one of {@link DIRECTIONS} (what a plugin answered may be anything). */
export function isDirection(value: unknown): value is Direction {
  return DIRECTIONS.includes(value as Direction);
}

/** The sign a direction gives a confidence: LONG +1, SHORT -1, NEUTRAL 0. */
export const DIRECTION_SIGN: Readonly<Record<Direction, number>> = { LONG: 1, SHORT: -1, NEUTRAL: 0 };

/** What a signal asks a trader to do. */
export type Action = 'BUY' | 'SELL';

/** The market regime of a symbol, read from its recent bars. */
export type Regime = 'trending-up' | 'trending-down' | 'ranging' | 'volatile';

/**
 * One bar. `date` is YYYY-MM-DD for daily bars (known at that day's close) and the ISO-8601 UTC
 * timestamp of the bar's open, YYYY-MM-DDTHH:MM:SSZ, for intraday ones (`data.timeframe`).
 */
export interface Bar {
  readonly date: string;
  readonly open: number;
  readonly high: number;
  readonly low: number;
  readonly close: number;
  readonly volume: number;
}

/** A source's opinion on one symbol at one time. */
export interface Opinion {
  readonly direction: Direction;
  /** 0..100. */
  readonly confidence: number;
  /** Optional named numbers that explain the opinion (an RSI value, a band position). */
  readonly features?: Readonly<Record<string, number>>;
  /** Optional one-line reason in words (an LLM source's rationale), at most 300 characters. */
  readonly rationale?: string;
}

/** Why a source gave no opinion for a symbol. */
export type FailureKind = 'error' | 'timeout' | 'malformed' | 'circuit-open' | 'unrecorded';

/** What one source call produced: an opinion or a failure, and its latency. */
export type SourceOutcome =
  | { readonly source: string; readonly ok: true; readonly opinion: Opinion; readonly latencyMs: number }
  | {
      readonly source: string;
      readonly ok: false;
      readonly failure: FailureKind;
      readonly code: string;
      readonly message: string;
      readonly latencyMs: number;
    };

/** An opinion with the weight its source carries in the consensus. */
export interface WeightedOpinion {
  readonly source: string;
  readonly weight: number;
  readonly opinion: Opinion;
}

/** The combined opinion of the sources that answered. */
export interface ConsensusResult {
  readonly direction: Direction;
  /** 0..100. */
  readonly confidence: number;
  /** The signed share of each source in the final score, by source name. */
  readonly contributions: Readonly<Record<string, number>>;
}

/** Entry, stop and target: stop < entry < target for BUY, the reverse for SELL. */
export interface PriceLevels {
  readonly entry: number;
  readonly stop: number;
  readonly target: number;
}

/** Whether a signal's reasoning is final (`done`), still to be written (`pending`), or a stand-in written after the explainer failed (`fallback`). */
export type ReasoningStatus = 'done' | 'pending' | 'fallback';

/** A trading signal: the output of the pipeline for one symbol at one date. */
export interface Signal extends PriceLevels {
  /** Stable: the same symbol, date, opinions and consensus give the same id. */
  readonly id: string;
  readonly symbol: string;
  /** The date of the bar it was made on: YYYY-MM-DD, or a UTC timestamp for intraday bars. */
  readonly asOf: string;
  readonly action: Action;
  readonly direction: Direction;
  /** 0..100. */
  readonly confidence: number;
  readonly regime: Regime;
  readonly reasoning: string;
  readonly reasoningStatus: ReasoningStatus;
  readonly contributions: Readonly<Record<string, number>>;
  readonly sources: readonly SourceOutcome[];
  /**
   * With `consensus.calibration`: the probability (0..1) that `direction` is right, from a
   * calibration fitted on outcomes (docs/learning.md), and that calibration's version. Absent
   * without one; `confidence` keeps its meaning (the sources' agreement) either way.
   */
  readonly probability?: number;
  readonly calibration?: string;
}

/**
 * What became of a stored signal once the bars that decide it exist (docs/learning.md): the
 * close-to-close return `horizon` bars on and whether its direction had that sign, the first
 * touch of target or stop within `evaluation.horizonDays`, and what it predicted.
 */
export interface ResolvedOutcome {
  readonly signalId: string;
  readonly symbol: string;
  readonly asOf: string;
  readonly direction: Direction;
  readonly horizon: number;
  readonly forwardReturn: number;
  /** The `direction` event: the forward return had the direction's sign. */
  readonly right: boolean;
  /** The signal's own trade within `horizon` bars: target before stop (`win`), stop first (`loss`), neither (`expired`); and its R-multiple. */
  readonly firstTouch: 'win' | 'loss' | 'expired';
  readonly rMultiple: number;
  /** The `first-touch` event: the upper level of a long trade came first (true), the lower (false), neither (null). */
  readonly upFirst: boolean | null;
  readonly confidence: number;
  readonly probability: number | null;
  readonly calibration: string | null;
  /** Each source's signed confidence (LONG +c, SHORT -c, NEUTRAL 0); a source that gave none is absent. */
  readonly sources: Readonly<Record<string, number>>;
  /** The date of the bar that resolved it. */
  readonly resolvedAt: string;
}

/** A symbol's full history as loaded by a market-data plugin, sorted by date, unique dates. */
export interface BarSeries {
  readonly symbol: string;
  readonly bars: readonly Bar[];
  /** Rows the market-data plugin skipped as malformed. */
  readonly malformedRows: number;
}
