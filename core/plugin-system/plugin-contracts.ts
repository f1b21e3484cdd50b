/**
 * The contract of each plugin kind: what the instance a plugin's factory returns must do.
 * One interface per kind; every member says who calls it and when.
 */
import type { BarView } from '../domain/bar-view';
import type { OpinionHistory } from '../engine/opinion-history';
import type {
  Action,
  Bar,
  BarSeries,
  ConsensusResult,
  Opinion,
  PriceLevels,
  ReasoningStatus,
  Regime,
  ResolvedOutcome,
  Signal,
  SourceOutcome,
  WeightedOpinion,
} from '../domain/domain';

/** What a source is asked: one symbol, as of one date, with the bars known by then. */
export interface SourceRequest {
  readonly symbol: string;
  /** The date of `bars.last`: YYYY-MM-DD, or its UTC timestamp for intraday bars. */
  readonly asOf: string;
  /** Point-in-time bars: nothing after `asOf` is reachable. */
  readonly bars: BarView;
  /** Aborted when the call times out; a source doing I/O should pass it on. */
  readonly signal: AbortSignal;
}

/** Kind `source`: gives an opinion on one symbol at one time. */
export interface Source {
  /**
   * Called once per symbol per cycle, in the wave the early-exit strategy planned. May
   * return synchronously. A throw, a timeout or a malformed opinion is recorded as a
   * failure of this source for this symbol; the cycle goes on.
   */
  opinion(request: SourceRequest): Opinion | Promise<Opinion>;
  /** Called once when the run closes. */
  close?(): Promise<void>;
}

/** Kind `consensus`: combines the opinions of the sources that answered. */
export interface Consensus {
  /**
   * Capability: how many earlier evaluations of the symbol this consensus wants. The core
   * keeps that many rows per symbol (what was fetched each time) and passes them as `history`;
   * absent or 0, none are kept. State held by the core, not the plugin, keeps `combine` a
   * pure function of its arguments: the same answer inline and on a worker thread.
   */
  readonly historyWindow?: number;
  /** The consensus of `opinions` (sources that failed are absent). Empty input gives NEUTRAL 0. May answer asynchronously (a cache, a worker). */
  combine(opinions: readonly WeightedOpinion[], history?: OpinionHistory): ConsensusResult | Promise<ConsensusResult>;
  /**
   * The highest final confidence any completion can reach, where each source still to be
   * fetched (given by its weight) may answer anything or fail, for the same history. The
   * lossless early exit relies on this bound never being below a reachable confidence.
   */
  upperBound(fetched: readonly WeightedOpinion[], remainingWeights: readonly number[], history?: OpinionHistory): number;
}

/** A configured source as early-exit strategies see it. */
export interface SourceInfo {
  readonly name: string;
  readonly weight: number;
  readonly timeoutMs: number;
}

/** What an early-exit strategy sees after each wave of one symbol. */
export interface WaveState {
  readonly symbol: string;
  readonly asOf: string;
  /** 0 for the first wave. */
  readonly waveIndex: number;
  /** The outcomes of the wave just fetched, latencies included. */
  readonly wave: readonly SourceOutcome[];
  /** Every opinion so far. */
  readonly fetched: readonly WeightedOpinion[];
  /** Sources planned in later waves. */
  readonly remaining: readonly SourceInfo[];
  /** The consensus of `fetched`. */
  readonly partial: ConsensusResult;
  /** The consensus plugin's upper bound on the reachable final confidence. */
  readonly upperBound: number;
  /** `consensus.minConfidence`. */
  readonly minConfidence: number;
}

/** Whether to stop fetching a symbol; a stop rejects the symbol with `reason`. */
export type ExitDecision = { readonly stop: false } | { readonly stop: true; readonly reason: string };

/** Kind `early-exit-strategy`: plans waves of sources and decides to stop after each. */
export interface EarlyExitStrategy {
  /** Called per symbol: the configured sources split into waves; every source at most once. */
  plan(sources: readonly SourceInfo[]): readonly (readonly string[])[];
  /** Called after each wave except the last. */
  afterWave(state: WaveState): ExitDecision;
  /** Called after every wave, the last included, with its outcomes: lets a strategy learn latencies. */
  observe?(wave: readonly SourceOutcome[]): void;
}

/** What an explainer is asked to explain. */
export interface ExplainRequest {
  readonly symbol: string;
  readonly asOf: string;
  readonly action: Action;
  readonly consensus: ConsensusResult;
  readonly opinions: readonly WeightedOpinion[];
  readonly regime: Regime;
  readonly levels: PriceLevels;
}

/** Kind `explainer`: writes the reasoning text of a signal. */
export interface Explainer {
  /** Called once per accepted signal. */
  explain(request: ExplainRequest): string | Promise<string>;
  close?(): Promise<void>;
}

/** Kind `reasoning-cache`: stores explainer output under a versioned key (built by the core) with a TTL and a size bound. */
export interface ReasoningCache {
  /** The cached text, or undefined when absent or expired. */
  get(key: string): Promise<string | undefined>;
  /** Stores `text` under `key` for the cache's TTL. */
  set(key: string, text: string): Promise<void>;
  /** Entries dropped so far: evicted for room, or found expired. */
  counters(): { evictions: number; expirations: number };
  /**
   * Optional single flight across processes sharing the cache: the right to explain `key`.
   * Won: explain, store, release. Lost: another process is explaining it; its text is expected
   * in the cache within `heldForMs` (after which the claim can be tried again).
   */
  claim?(key: string): Promise<CacheClaim>;
  close?(): Promise<void>;
}

/** What {@link ReasoningCache.claim} answers. */
export type CacheClaim = { readonly won: true; release(): Promise<void> } | { readonly won: false; readonly heldForMs: number };

/** One run as storage records it. */
export interface RunRecord {
  readonly id: string;
  readonly configHash: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly stats: unknown;
}

/** A query on stored signals; every field narrows the result. */
export interface SignalQuery {
  /** The one signal with this id. */
  readonly id?: string;
  readonly symbol?: string;
  readonly action?: Action;
  /** Confidence at least this (0..100). */
  readonly minConfidence?: number;
  /** YYYY-MM-DD inclusive (an intraday signal counts by its day). */
  readonly from?: string;
  readonly to?: string;
  /** Only signals whose reasoning has this status (deferred reasoning looks for `pending`). */
  readonly reasoningStatus?: ReasoningStatus;
  readonly limit?: number;
}

/** A query on stored outcomes: newest signal date first. */
export interface OutcomeQuery {
  readonly symbol?: string;
  /** Signal dates, YYYY-MM-DD inclusive. */
  readonly from?: string;
  readonly to?: string;
  readonly horizon?: number;
  readonly limit?: number;
}

/** A stored signal with its place in the storage's write order. */
export interface StoredSignal {
  /** Ascending in the order signals were first stored, from 1; never reused. */
  readonly seq: number;
  readonly signal: Signal;
}

/** A batch a storage committed. */
export interface CommittedBatch {
  readonly writes: number;
  readonly ms: number;
}

/** A new reasoning text for a stored signal. */
export interface ReasoningUpdate {
  readonly id: string;
  readonly reasoning: string;
  readonly status: ReasoningStatus;
}

/** Kind `storage`: persists signals and runs. */
export interface Storage {
  /**
   * Resolves once the signal is durable as far as this storage promises; rejects with
   * ARGO_ERR_STORAGE_WRITE when it could not be stored. Idempotent on `signal.id`: the first
   * signal stored under an id stays. The
   * engine does not wait for it symbol by symbol: it collects the promises and settles
   * them at the end of a cycle (live) or as the replay goes, calling `flush` first.
   */
  save(signal: Signal): Promise<void>;
  /** Records a finished run. */
  saveRun(run: RunRecord): Promise<void>;
  /** Asks a batching storage to write what is queued now instead of waiting for its timer. */
  flush?(): Promise<void>;
  /** Replaces the reasoning of stored signals (deferred reasoning); resolves when durable. */
  updateReasoning?(updates: readonly ReasoningUpdate[]): Promise<void>;
  /** Signals in date then symbol order. */
  querySignals(query: SignalQuery): Promise<Signal[]>;
  /**
   * Signals matching `query` first stored after `afterSeq` (0: from the first), in write
   * order, at most `query.limit`. A signal becomes visible here only with a sequence above
   * every one already visible, so paging by the last `seq` seen neither skips nor repeats a
   * signal while new ones are written. `serve` needs it (cursor paging, event-stream resume).
   */
  readSignalsAfter?(afterSeq: number, query: SignalQuery): Promise<StoredSignal[]>;
  /** The sequence of the newest stored signal, 0 when none is; comes with `readSignalsAfter`. */
  lastSignalSeq?(): Promise<number>;
  /** Writes waiting for storage (queued or being committed), for metrics. */
  queueDepth?(): number;
  /** Calls `listener` after each committed batch (its writes and how long the commit took); returns what stops it. */
  onCommit?(listener: (batch: CommittedBatch) => void): () => void;
  /** Writes given up on and set aside (a dead-letter file) so far. */
  deadLetters?(): number;
  /** Runs, newest first. */
  queryRuns(): Promise<RunRecord[]>;
  /**
   * Optional, for outcomes (`serve` resolves them, docs/learning.md): stores resolved outcomes,
   * idempotent on (signal id, horizon), through the same durable path as signals.
   */
  saveOutcomes?(outcomes: readonly ResolvedOutcome[]): Promise<void>;
  /** Stored outcomes matching `query`, newest signal date first (then symbol). */
  queryOutcomes?(query: OutcomeQuery): Promise<ResolvedOutcome[]>;
  /** Stored signals dated `from`..`to` with no outcome at `horizon` yet, newest first, at most `limit`. */
  signalsAwaitingOutcome?(horizon: number, from: string, to: string, limit: number): Promise<Signal[]>;
  /**
   * Optional, for sinks (docs/delivery.md), all or none: reasoning texts written after `afterSeq`
   * in the order they were written, at most `limit`, and the newest one's sequence (0: none); a
   * sink's cursor (null before its first start) and its move, durable once resolved; dead
   * letters kept, listed and removed.
   */
  readReasoningAfter?(afterSeq: number, limit: number): Promise<StoredReasoning[]>;
  lastReasoningSeq?(): Promise<number>;
  readSinkCursor?(sink: string): Promise<SinkCursor | null>;
  writeSinkCursor?(sink: string, cursor: SinkCursor): Promise<void>;
  saveSinkDeadLetter?(letter: SinkDeadLetter): Promise<void>;
  querySinkDeadLetters?(sink?: string): Promise<SinkDeadLetter[]>;
  deleteSinkDeadLetters?(ids: readonly string[]): Promise<void>;
  /**
   * Optional, where several services share one storage (postgres): holds the right to deliver
   * for `sink` until the returned release is called (or the process dies); null while another
   * holder has it. Without it a storage has one writer, whose deliveries are always its own.
   */
  acquireSinkLease?(sink: string): Promise<(() => Promise<void>) | null>;
  /** Writes everything pending and releases resources; later calls are no-ops. */
  close(): Promise<void>;
}

/** One delivery of a sink: a stored signal, or the reasoning text it got later. */
export interface SinkMessage {
  readonly event: 'signal' | 'reasoning';
  /** The signal id and the event: the same on every attempt and after a crash, so a receiver drops repeats. */
  readonly idempotencyKey: string;
  /** The signal's place in the storage's write order (`reasoning`: the order texts were written). */
  readonly seq: number;
  readonly signal: Signal;
}

/** Kind `sink`: pushes signals to where traders act (a webhook, a message bus, a chat). */
export interface Sink {
  /**
   * Delivers `messages` (in order) and resolves once the peer acknowledged every one of them
   * (a 2xx, a PUBACK, a JetStream ack). Throws a SinkDeliveryError saying whether trying again
   * may succeed; anything else thrown counts as retryable. Aborted through `signal` when an
   * attempt takes longer than `delivery.timeoutMs`.
   */
  deliver(messages: readonly SinkMessage[], signal: AbortSignal): Promise<void>;
  /** Messages per `deliver` call the sink takes (1: one request a message). */
  readonly batchSize?: number;
  /** Releases connections; later calls are no-ops. */
  close?(): Promise<void>;
}

/** Where a sink stands in the storage: the last signal and reasoning sequence it delivered. */
export interface SinkCursor {
  readonly signals: number;
  readonly reasoning: number;
}

/** A delivery given up on after its attempts (or refused for good), kept until re-sent. */
export interface SinkDeadLetter {
  readonly id: string;
  readonly sink: string;
  readonly message: SinkMessage;
  readonly error: string;
  readonly attempts: number;
  readonly failedAt: string;
}

/** A reasoning text written after its signal was stored, in the order texts were written. */
export interface StoredReasoning {
  /** The text's place among reasoning updates (from 1). */
  readonly seq: number;
  /** The signal's own place in the write order. */
  readonly signalSeq: number;
  readonly signal: Signal;
}

/** Kind `market-data`: the bars of each symbol. */
export interface MarketData {
  /** Every symbol this market data can load, sorted. */
  symbols(): Promise<string[]>;
  /** The full history of `symbol`, sorted by date with unique dates; the symbol is already validated. */
  load(symbol: string): Promise<BarSeries>;
  /**
   * Optional, for live cycles that should cost one new bar per symbol: the bars of `symbol`
   * dated after `last` (the newest bar the run holds), sorted; none when nothing is new. Null
   * when the history no longer continues from `last` (a file rewritten with revised bars):
   * the run then loads the symbol in full with `load`.
   */
  loadAfter?(symbol: string, last: Bar): Promise<BarSeries | null>;
  /**
   * Optional, for providers that answer many symbols a request: the run is about to load these
   * symbols, each after its newest bar (`after`), or in full (null). The plugin may fetch them
   * together (one paged multi-symbol request instead of one a symbol) and hand each answer to the
   * `load` or `loadAfter` call that follows; a symbol it did not prepare is loaded as usual.
   */
  prepare?(requests: readonly { readonly symbol: string; readonly after: Bar | null }[]): Promise<void>;
  /**
   * Optional: how many `load` and `loadAfter` calls the plugin takes at once (1 when absent).
   * A plugin that reads files says more than 1, so one file's reads overlap another's parsing.
   */
  readonly concurrentLoads?: number;
  /** Called once when the run closes (a cache file to close). */
  close?(): Promise<void>;
}
