import type { SourceOutcome } from '../domain/domain';
import { LatencyWindow } from '../util/latency-window';

/** The pipeline stages whose time is measured. */
export type Stage = 'plan' | 'fetch' | 'consensus' | 'levels' | 'reasoning' | 'storage';

const STAGES: readonly Stage[] = ['plan', 'fetch', 'consensus', 'levels', 'reasoning', 'storage'];

/** Source calls of one source, or of all. */
export interface CallCounts {
  made: number;
  skipped: number;
  failed: number;
  timeouts: number;
  malformed: number;
  /** Calls not made because the source's circuit was open (counted in neither `made` nor `failed`). */
  circuitOpen: number;
  /** Calls a cassette replay could not answer: the live run never made them (in neither `made` nor `failed`). */
  unrecorded: number;
}

/** The statistics of one or more cycles, as printed by `--json`. */
export interface StatsReport {
  cycles: number;
  symbolsEvaluated: number;
  signals: number;
  rejections: Record<string, number>;
  /** `ctx.warn` calls by plugin (`kind:instance`) and code. */
  pluginWarnings: Record<string, Record<string, number>>;
  /** Broken plugin contracts by plugin, and the source calls made to check the consensus bound. */
  contract: { violations: Record<string, number>; boundProbeCalls: number };
  sourceCalls: CallCounts & { bySource: Record<string, CallCounts> };
  malformedRows: number;
  /** Symbol-days evaluated while a source still lacked history (an opinion with `features.warmup` 1). */
  warmingUp: number;
  /** Symbols of the latest load whose market data had no usable bar or no file (skipped: not evaluated). */
  symbolsWithoutBars: string[];
  /** Early-exited symbols fetched in full anyway (`earlyExit.shadowRate`), and how many of them would have become signals. */
  shadow: { checked: number; missed: number; missRate: number | null; sourceCalls: number };
  /**
   * Saves acknowledged and failed (a signal saved again after a failure counts each time),
   * failed signals a later save stored (`failed - restored` are not stored), and writes the
   * storage set aside in its dead-letter file. `repeated`: acknowledged saves of a live cycle
   * under an id the storage held before it (a bar evaluated again): nothing new was stored.
   */
  storage: { acknowledged: number; repeated: number; failed: number; restored: number; deadLettered: number; stoppedBy: string | null };
  /** Reasoning texts by how they were made: explained now, deferred to the background, fallbacks after an explainer failure. */
  /**
   * `cacheErrors`: reasoning-cache calls that failed (an outage); the texts were written without the cache.
   * `unshared`: texts the cache could not share, as they quote a number that is no fact of their signal.
   */
  reasoning: { explained: number; deferred: number; completedInBackground: number; fallbacks: number; secretsRefused: number; cacheErrors: number; unshared: number };
  /** Each stage on the worker pool: the mode in force (auto: what it chose, null while sampling), items and chunks sent, chunks failed and retried inline. */
  workers: Record<WorkerStage, WorkerStageCounters>;
  /** Each cache of the run, null when it is off. */
  caches: { reasoning: CacheReport | null; consensus: CacheReport | null };
  /** Shards evaluated by workers (a sharded or distributed run), shards that failed after their attempts, and the extra attempts. */
  shards: { evaluated: number; failed: number; retried: number };
  stageMs: Record<Stage, number>;
  time: { wallMs: number; virtualMs: number };
}

/** A source's counts before its first call. */
export function emptyCounts(): CallCounts {
  return { made: 0, skipped: 0, failed: 0, timeouts: 0, malformed: 0, circuitOpen: 0, unrecorded: 0 };
}

/** What a cache did: lookups answered, lookups missed, entries dropped for room or age, callers that joined a lookup in flight. */
export interface CacheReport {
  hits: number;
  misses: number;
  evictions: number;
  expirations: number;
  joins: number;
}

function addCounts(into: CallCounts, from: CallCounts): void {
  into.made += from.made;
  into.skipped += from.skipped;
  into.failed += from.failed;
  into.timeouts += from.timeouts;
  into.malformed += from.malformed;
  into.circuitOpen += from.circuitOpen;
  into.unrecorded += from.unrecorded;
}

/** The stages that may run on the worker pool (`workers.mode.*`). */
export const WORKER_STAGES = ['consensus', 'reasoning', 'indicators'] as const;
export type WorkerStage = (typeof WORKER_STAGES)[number];

/** What one stage did on the worker pool. */
export interface WorkerStageCounters {
  /** inline or worker; null while auto is still sampling. */
  mode: 'inline' | 'worker' | null;
  items: number;
  chunks: number;
  failedChunks: number;
  retriedInline: number;
}

/** Counters for every stage, fresh (`copyOf`: a copy of these). */
function workerCounters(copyOf?: Record<WorkerStage, WorkerStageCounters>): Record<WorkerStage, WorkerStageCounters> {
  const fresh: WorkerStageCounters = { mode: 'inline', items: 0, chunks: 0, failedChunks: 0, retriedInline: 0 };
  return Object.fromEntries(WORKER_STAGES.map((stage) => [stage, { ...(copyOf?.[stage] ?? fresh) }])) as Record<WorkerStage, WorkerStageCounters>;
}

/** Counts what cycles did: every failure is counted here, never swallowed. */
export class CycleStats {
  cycles = 0;
  symbolsEvaluated = 0;
  signals = 0;
  malformedRows = 0;
  warmingUp = 0;
  /** The latest load's: a live cycle loads again, and a symbol whose file appears is evaluated from then on. */
  readonly symbolsWithoutBars = new Set<string>();
  storageAcknowledged = 0;
  storageFailed = 0;
  /** Failed signals a later save stored. */
  storageRestored = 0;
  storageRepeated = 0;
  /** Writes the storage set aside in its dead-letter file (its own count, read at each failure). */
  storageDeadLettered = 0;
  /** The error that made storage stop taking writes (a full disk), if one did. */
  storageStoppedBy: string | null = null;
  shadowChecked = 0;
  shadowMissed = 0;
  shadowSourceCalls = 0;
  reasoningExplained = 0;
  reasoningDeferred = 0;
  reasoningCompletedInBackground = 0;
  reasoningFallbacks = 0;
  /** Explainer answers refused because they contained a secret (also counted as fallbacks). */
  reasoningSecretsRefused = 0;
  reasoningCacheErrors = 0;
  reasoningUnshared = 0;
  readonly workers = workerCounters();
  /** Report functions of the run's caches, set by whoever owns them. */
  readonly caches: { reasoning?: () => CacheReport; consensus?: () => CacheReport } = {};
  wallMs = 0;
  virtualMs = 0;
  shardsEvaluated = 0;
  shardsFailed = 0;
  shardsRetried = 0;
  /** What workers reported of the shards they evaluated for this run, summed. */
  #absorbed: StatsReport | null = null;
  readonly rejections = new Map<string, number>();
  /** Symbols on which a plugin broke its contract without failing the run (a consensus bound below a reachable confidence), by plugin. */
  readonly contractViolations = new Map<string, number>();
  /** Source calls made once per run to check the consensus bound on an early-exited symbol. */
  boundProbeCalls = 0;
  /** `ctx.warn` calls, by plugin (`kind:instance`) and code. */
  readonly pluginWarnings = new Map<string, Map<string, number>>();
  readonly bySource = new Map<string, CallCounts>();
  /** The latencies of each source's last calls (made ones, answered or failed). */
  readonly latencies = new Map<string, LatencyWindow>();
  readonly stageMs = new Map<Stage, number>(STAGES.map((stage) => [stage, 0]));

  #source(name: string): CallCounts {
    let counts = this.bySource.get(name);
    if (counts === undefined) {
      counts = emptyCounts();
      this.bySource.set(name, counts);
    }
    return counts;
  }

  /** Counts one source call and how it ended. */
  recordCall(outcome: SourceOutcome): void {
    const counts = this.#source(outcome.source);
    if (!outcome.ok && outcome.failure === 'circuit-open') {
      counts.circuitOpen++;
      return;
    }
    if (!outcome.ok && outcome.failure === 'unrecorded') {
      counts.unrecorded++;
      return;
    }
    counts.made++;
    let window = this.latencies.get(outcome.source);
    if (window === undefined) this.latencies.set(outcome.source, (window = new LatencyWindow()));
    window.add(outcome.latencyMs);
    if (outcome.ok) return;
    counts.failed++;
    if (outcome.failure === 'timeout') counts.timeouts++;
    if (outcome.failure === 'malformed') counts.malformed++;
  }

  /** Counts sources an early exit never called. */
  recordSkipped(sources: readonly string[]): void {
    for (const name of sources) this.#source(name).skipped++;
  }

  /** Counts a plugin warning; returns how many of that plugin and code there are now. */
  warn(plugin: string, code: string): number {
    let codes = this.pluginWarnings.get(plugin);
    if (codes === undefined) this.pluginWarnings.set(plugin, (codes = new Map()));
    return countIn(codes, code);
  }

  /** Counts a broken contract of `plugin`. */
  contractViolation(plugin: string): void {
    countIn(this.contractViolations, plugin);
  }

  /** Counts a symbol rejected for `reason`. */
  reject(reason: string): void {
    countIn(this.rejections, reason);
  }

  /** Told of every stage that ends, with how long it took: for a benchmark that needs when, not only how long. */
  onStage: ((stage: Stage, ms: number) => void) | null = null;

  /** Adds `ms` to the time of `stage`. */
  time(stage: Stage, ms: number): void {
    this.stageMs.set(stage, this.stageMs.get(stage)! + ms);
    this.onStage?.(stage, ms);
  }

  /**
   * Adds a worker's report of a shard: everything but its storage counts (the signals are
   * stored by this run) and its cycles (a cycle is one however many shards it has).
   */
  absorb(shard: StatsReport): void {
    const counted = { ...shard, cycles: 0, storage: { acknowledged: 0, repeated: 0, failed: 0, restored: 0, deadLettered: 0, stoppedBy: null }, time: { wallMs: 0, virtualMs: shard.time.virtualMs } };
    this.#absorbed = this.#absorbed === null ? counted : sumReports(this.#absorbed, counted);
  }

  /** A plain-object report, sorted for stable output; shards absorbed are summed in. */
  report(): StatsReport {
    const own = this.#ownReport();
    return this.#absorbed === null ? own : { ...sumReports(this.#absorbed, own), storage: own.storage, time: { ...own.time, virtualMs: round(own.time.virtualMs + this.#absorbed.time.virtualMs) } };
  }

  #ownReport(): StatsReport {
    const total = emptyCounts();
    const bySource: Record<string, CallCounts> = {};
    for (const name of [...this.bySource.keys()].sort()) {
      const counts = this.bySource.get(name)!;
      bySource[name] = { ...counts };
      addCounts(total, counts);
    }
    return {
      cycles: this.cycles,
      symbolsEvaluated: this.symbolsEvaluated,
      signals: this.signals,
      rejections: sortedRecord(this.rejections),
      contract: { violations: sortedRecord(this.contractViolations), boundProbeCalls: this.boundProbeCalls },
      pluginWarnings: Object.fromEntries(Object.entries(sortedRecord(this.pluginWarnings)).map(([plugin, codes]) => [plugin, sortedRecord(codes)])),
      sourceCalls: { ...total, bySource },
      malformedRows: this.malformedRows,
      warmingUp: this.warmingUp,
      symbolsWithoutBars: [...this.symbolsWithoutBars],
      shadow: {
        checked: this.shadowChecked,
        missed: this.shadowMissed,
        missRate: this.shadowChecked === 0 ? null : this.shadowMissed / this.shadowChecked,
        sourceCalls: this.shadowSourceCalls,
      },
      storage: {
        acknowledged: this.storageAcknowledged,
        repeated: this.storageRepeated,
        failed: this.storageFailed,
        restored: this.storageRestored,
        deadLettered: this.storageDeadLettered,
        stoppedBy: this.storageStoppedBy,
      },
      reasoning: {
        explained: this.reasoningExplained,
        deferred: this.reasoningDeferred,
        completedInBackground: this.reasoningCompletedInBackground,
        fallbacks: this.reasoningFallbacks,
        secretsRefused: this.reasoningSecretsRefused,
        cacheErrors: this.reasoningCacheErrors,
        unshared: this.reasoningUnshared,
      },
      workers: workerCounters(this.workers),
      caches: { reasoning: this.caches.reasoning?.() ?? null, consensus: this.caches.consensus?.() ?? null },
      shards: { evaluated: this.shardsEvaluated, failed: this.shardsFailed, retried: this.shardsRetried },
      stageMs: Object.fromEntries(STAGES.map((stage) => [stage, round(this.stageMs.get(stage)!)])) as Record<Stage, number>,
      time: { wallMs: round(this.wallMs), virtualMs: round(this.virtualMs) },
    };
  }
}

/** Adds one to `key`'s count in `counts`; returns the new count. */
function countIn(counts: Map<string, number>, key: string): number {
  const count = (counts.get(key) ?? 0) + 1;
  counts.set(key, count);
  return count;
}

/** `map` as a plain object with its keys in order, for stable output. */
function sortedRecord<V>(map: ReadonlyMap<string, V>): Record<string, V> {
  return Object.fromEntries([...map].sort(([a], [b]) => a.localeCompare(b)));
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}

/**
 * `next` combined with `base` leaf by leaf: numbers by `combine`, lists by `lists`, anything
 * else is `next`'s (or `base`'s where `next` is null and `keepBase`).
 */
function leafwise(base: unknown, next: unknown, combine: (a: number, b: number) => number, keepBase: boolean): unknown {
  if (typeof next === 'number') return typeof base === 'number' ? round(combine(base, next)) : next;
  if ((next === null || next === undefined) && keepBase) return base;
  if (Array.isArray(next)) return keepBase && Array.isArray(base) ? [...new Set([...base, ...next])].sort() : next;
  if (typeof next !== 'object' || next === null) return next;
  const from = (typeof base === 'object' && base !== null ? base : {}) as Record<string, unknown>;
  const into = next as Record<string, unknown>;
  const keys = keepBase ? [...new Set([...Object.keys(from), ...Object.keys(into)])] : Object.keys(into);
  return Object.fromEntries(keys.map((key) => [key, leafwise(from[key], into[key], combine, keepBase)]));
}

/** Shadow's rate again after its counts were combined. */
function withMissRate(report: StatsReport): StatsReport {
  const { shadow } = report;
  return { ...report, shadow: { ...shadow, missRate: shadow.checked === 0 ? null : shadow.missed / shadow.checked } };
}

/** Two reports of disjoint work (shards of one run) as one: counts, caches and times add up, symbols without bars are both sets, rates are recomputed. */
export function sumReports(a: StatsReport, b: StatsReport): StatsReport {
  const sum = leafwise(a, b, (x, y) => x + y, true) as StatsReport;
  const workers = Object.fromEntries(WORKER_STAGES.map((stage) => [stage, { ...sum.workers[stage], mode: b.workers[stage].mode ?? a.workers[stage].mode }])) as StatsReport['workers'];
  return withMissRate({ ...sum, workers });
}

/**
 * What happened between two reports of one run (a service's cycle): counts, caches and
 * times are differences; modes, the storage's stop reason and rates are those of `after`.
 */
export function statsSince(before: StatsReport, after: StatsReport): StatsReport {
  const since = leafwise(before, after, (a, b) => b - a, false) as StatsReport;
  const workers = Object.fromEntries(WORKER_STAGES.map((stage) => [stage, { ...since.workers[stage], mode: after.workers[stage].mode }])) as StatsReport['workers'];
  return withMissRate({ ...since, symbolsWithoutBars: after.symbolsWithoutBars, workers });
}
