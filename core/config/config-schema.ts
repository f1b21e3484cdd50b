/**
 * The engine's convict schema. Plugin option fragments are mounted onto it at the slots in
 * {@link PLUGIN_SLOTS} by the config loader; source options are validated per entry.
 */
import convict from 'convict';
import type { PluginKind } from '../plugin-system/define-plugin';
import { LOG_LEVELS } from '../util/logger';
import { NYSE_HOLIDAYS } from '../domain/nyse-holidays';
import { TIMEFRAMES, type Timeframe } from '../domain/timeframe';
import { BREAKER_DEFAULTS, integerIn, numberIn, type SimulateConfig } from './config-formats';

/** One entry of `sources`. */
export interface SourceConfig {
  name: string;
  plugin: string;
  weight: number;
  timeoutMs: number;
  options: Record<string, unknown>;
  simulate: SimulateConfig | null;
  /** The source's circuit breaker: `failures` consecutive failures open it for `cooldownMs`; 0 failures turns it off. */
  breaker: { failures: number; cooldownMs: number };
}

/** Which signals a sink receives: every listed filter must pass (an empty list passes all). */
export interface SinkFilter {
  symbols: string[];
  actions: ('BUY' | 'SELL')[];
  minConfidence: number;
  /** Signals without a probability pass it (they carry none to compare). */
  minProbability: number;
}

/** One entry of `sinks`. */
export interface SinkConfig {
  name: string;
  plugin: string;
  options: Record<string, unknown>;
  filter: SinkFilter;
}

/** The engine's configuration; plugin options mounted at their slots are kept as extra keys. */
export interface EngineConfig {
  symbols: string[];
  seed: number;
  concurrency: number;
  data: { plugin: string; timeframe: Timeframe } & Record<string, unknown>;
  sources: SourceConfig[];
  sinks: SinkConfig[];
  delivery: { pollMs: number; pageSize: number; maxAttempts: number; retryBaseMs: number; maxRetryWaitMs: number; timeoutMs: number };
  consensus: { plugin: string; minConfidence: number; calibration: string; minProbability: number; cache: { enabled: boolean; maxEntries: number; ttlMs: number; bucket: number } } & Record<string, unknown>;
  earlyExit: { strategy: string; shadowRate: number } & Record<string, unknown>;
  reasoning: {
    explainer: string;
    mode: 'sync' | 'cached' | 'deferred';
    maxWaitMs: number;
    cache: { plugin: string; bucket: number } & Record<string, unknown>;
    deferred: { concurrency: number; shutdownWaitMs: number };
  } & Record<string, unknown>;
  storage: { plugin: string; maxPending: number } & Record<string, unknown>;
  levels: { atrPeriod: number; stopAtr: number; targetAtr: number };
  workers: {
    minThreads: number;
    maxThreads: number;
    mode: Record<'consensus' | 'reasoning' | 'indicators', 'inline' | 'worker' | 'auto'>;
    chunkSize: number;
    retryInline: boolean;
    autoThresholdUs: number;
    autoSampleSize: number;
  };
  evaluation: { horizonDays: number; resamples: number };
  learning: {
    event: 'direction' | 'first-touch';
    horizon: number;
    minSamples: number;
    walkForward: { enabled: boolean; trainDates: number; testDates: number; expanding: boolean };
    refit: { cron: string; trainDates: number };
    rolling: { outcomes: number };
    drift: { maxEce: number };
  };
  service: {
    host: string;
    port: number;
    schedule: { every: string; cron: string; timezone: string };
    session: { calendar: 'always' | 'nyse'; holidays: string[] };
    auth: { tokenEnv: string };
    metrics: { public: boolean };
    pageCache: { maxBytes: number; ttlMs: number };
    allowUnauthenticated: boolean;
    shutdownMs: number;
    cycleHistory: number;
  };
  distributed: { url: string; urlEnv: string; queue: string; prefix: string; shardSize: number; attempts: number; lockMs: number; timeoutMs: number; concurrency: number };
  log: { level: string };
}

/** A place in the config where one plugin is selected and where its options are mounted. */
export interface PluginSlot {
  readonly kind: PluginKind;
  /** The key naming the plugin. */
  readonly selector: string;
  /** The key under which the plugin's options live. */
  readonly mount: string;
}

/** The single-plugin slots of the config. */
export const PLUGIN_SLOTS: readonly PluginSlot[] = [
  { kind: 'market-data', selector: 'data.plugin', mount: 'data' },
  { kind: 'consensus', selector: 'consensus.plugin', mount: 'consensus' },
  { kind: 'early-exit-strategy', selector: 'earlyExit.strategy', mount: 'earlyExit' },
  { kind: 'explainer', selector: 'reasoning.explainer', mount: 'reasoning.options' },
  { kind: 'reasoning-cache', selector: 'reasoning.cache.plugin', mount: 'reasoning.cache' },
  { kind: 'storage', selector: 'storage.plugin', mount: 'storage' },
];

/** `data.plugin` value that picks `csv-bars` when `data.dir` is set and `synthetic-bars` otherwise. */
export const AUTO_MARKET_DATA = 'auto';

/** The default sources: the five technical indicators over the bars. */
export const DEFAULT_SOURCES: readonly Omit<SourceConfig, 'options' | 'simulate' | 'timeoutMs' | 'breaker'>[] = [
  { name: 'trend', plugin: 'technical-trend', weight: 1.5 },
  { name: 'macd', plugin: 'technical-macd', weight: 1.2 },
  { name: 'momentum', plugin: 'technical-momentum', weight: 1 },
  { name: 'volatility', plugin: 'technical-volatility', weight: 0.8 },
  { name: 'volume', plugin: 'technical-volume', weight: 0.5 },
];

/** The engine schema (a fresh object each call: the loader mounts fragments onto it). */
export function engineSchema(): convict.Schema<any> {
  return {
    symbols: {
      doc: 'Symbols to evaluate; empty means every symbol the market data offers.',
      format: 'symbol-list',
      default: [],
    },
    seed: { doc: 'Seed of every random draw (synthetic data, simulated latency), so runs repeat.', format: integerIn(0, 2 ** 31 - 1), default: 7 },
    concurrency: { doc: 'Symbols evaluated at once within a cycle.', format: integerIn(1, 1024), default: 8 },
    data: {
      plugin: {
        doc: `Market-data plugin (built-in name or module). "${AUTO_MARKET_DATA}": csv-bars when data.dir is set, else synthetic-bars.`,
        format: String,
        default: AUTO_MARKET_DATA,
      },
      timeframe: {
        doc: 'Bar length: 1d (dates) or 1h, 15m, 5m, 1m (intraday bars keyed by their UTC open time; a replay steps bar by bar; outcome horizons count bars).',
        format: [...TIMEFRAMES],
        default: '1d',
      },
    },
    sources: {
      doc: 'Sources to ask, each {name, plugin (built-in name or module), weight > 0, timeoutMs, options, simulate: null | {latencyMs, sigma, failureRate, timeoutRate}, breaker: {failures (0: off), cooldownMs}}.',
      format: 'source-list',
      default: DEFAULT_SOURCES.map((s) => ({ ...s, timeoutMs: 1000, options: {}, simulate: null, breaker: { ...BREAKER_DEFAULTS } })),
    },
    sinks: {
      doc: 'Where signals are pushed (docs/delivery.md), each {name, plugin (webhook, mqtt, nats, slack, discord, telegram, or a module), options, filter: {symbols, actions, minConfidence, minProbability}}. Delivered by `serve`, `deliver`, and `run`/`replay --deliver`.',
      format: 'sink-list',
      default: [],
    },
    delivery: {
      pollMs: { doc: 'How often a sink looks for signals it has not delivered when nothing woke it (a signal stored by this process wakes it at once).', format: integerIn(10, 3_600_000), default: 1000 },
      pageSize: { doc: 'Stored signals a sink reads at a time: its memory does not grow with a backlog.', format: integerIn(1, 100_000), default: 500 },
      maxAttempts: { doc: 'Attempts of a delivery (retryable failures: 429, 5xx, timeouts, connection errors) before it goes to the dead letters and the cursor moves on.', format: integerIn(1, 1000), default: 8 },
      retryBaseMs: { doc: 'The first retry\'s wait; doubled each attempt, with jitter, never before a `Retry-After`.', format: integerIn(1, 3_600_000), default: 500 },
      maxRetryWaitMs: { doc: 'The longest wait between two attempts (a longer `Retry-After` is capped to it).', format: integerIn(1, 86_400_000), default: 300_000 },
      timeoutMs: { doc: 'The longest one delivery attempt may take (the peer\'s acknowledgment included) before it counts as a retryable failure.', format: integerIn(1, 3_600_000), default: 10_000 },
    },
    consensus: {
      plugin: { doc: 'Consensus plugin (built-in name or module).', format: String, default: 'weighted' },
      minConfidence: { doc: 'Consensus confidence (0..100) below which a symbol is rejected.', format: numberIn(0, 100), default: 75 },
      calibration: {
        doc: 'A calibration file written by `argo-signals calibrate` (relative to the config file): each signal then carries the probability that its direction is right. Empty: none.',
        format: String,
        default: '',
      },
      minProbability: { doc: 'With a calibration: the probability (0..1) below which a symbol is rejected. 0: no gate.', format: numberIn(0, 1), default: 0 },
      cache: {
        enabled: { doc: 'Cache consensus results (Keyv over lru-cache). Off: for the weighted consensus a lookup costs more than it saves.', format: Boolean, default: false },
        maxEntries: { doc: 'Results kept; the least recently used is evicted beyond it.', format: integerIn(1, 10_000_000), default: 1000 },
        ttlMs: { doc: 'How long a result is served from the cache.', format: integerIn(1, 86_400_000), default: 300_000 },
        bucket: { doc: 'Round confidences in the key to this many points (approximate); 0 keys on exact inputs.', format: numberIn(0, 100), default: 0 },
      },
    },
    earlyExit: {
      strategy: { doc: 'Early-exit strategy plugin (built-in name or module).', format: String, default: 'none' },
      shadowRate: {
        doc: 'Fraction 0..1 of early-exited symbols (seeded) whose skipped sources are fetched anyway, off the critical path, to measure the miss rate.',
        format: numberIn(0, 1),
        default: 0,
      },
    },
    reasoning: {
      explainer: { doc: 'Explainer plugin writing the reasoning text (built-in name or module).', format: String, default: 'template' },
      mode: {
        doc: 'sync: explain every signal before storing it; cached: ask the reasoning cache first; deferred: store a pending placeholder at once and write the text in the background.',
        format: ['sync', 'cached', 'deferred'],
        default: 'sync',
      },
      maxWaitMs: {
        doc: 'sync and cached mode: the longest a signal waits for its text (0: until it is written). Past it the signal is stored pending with a placeholder and the text is stored when it comes, as in deferred mode; needs a storage that can update reasoning.',
        format: integerIn(0, 3_600_000),
        default: 0,
      },
      cache: {
        plugin: { doc: 'Reasoning-cache plugin used by the cached and deferred modes (built-in name or module).', format: String, default: 'memory' },
        bucket: { doc: 'Width in confidence points of the buckets in the cache key: signals alike within a bucket share a text.', format: numberIn(0.001, 100), default: 5 },
      },
      deferred: {
        concurrency: { doc: 'Background explanations running at once in deferred mode.', format: integerIn(1, 256), default: 4 },
        shutdownWaitMs: { doc: 'How long closing a run waits for background explanations; the rest stay pending and are completed by the next run.', format: integerIn(0, 3_600_000), default: 10000 },
      },
    },
    storage: {
      plugin: { doc: 'Storage plugin (built-in name or module).', format: String, default: 'sqlite' },
      maxPending: {
        doc: 'Signals a replay may have handed to storage without acknowledgement before it waits (a live cycle always waits for all).',
        format: integerIn(0, 1_000_000),
        default: 1000,
      },
    },
    levels: {
      atrPeriod: { doc: 'Bars in the average true range that sizes stop and target.', format: integerIn(2, 250), default: 14 },
      stopAtr: { doc: 'Stop distance from entry, in ATRs.', format: numberIn(0.1, 50), default: 2 },
      targetAtr: { doc: 'Target distance from entry, in ATRs.', format: numberIn(0.1, 50), default: 3 },
    },
    workers: {
      minThreads: { doc: 'Worker threads kept when the pool is idle (the first minThreads lanes keep theirs).', format: integerIn(0, 64), default: 1 },
      maxThreads: { doc: 'Worker threads in the pool, one per lane, each started on first use.', format: integerIn(1, 64), default: 2 },
      mode: {
        consensus: {
          doc: 'Where consensus runs: inline on the main thread, on the worker pool in chunks, or auto (measures the cost per item first and offloads only heavy work).',
          format: ['inline', 'worker', 'auto'],
          default: 'inline',
        },
        reasoning: {
          doc: 'Where the explainer runs (sync and cached texts, and deferred texts in the background): inline, worker or auto, as for consensus.',
          format: ['inline', 'worker', 'auto'],
          default: 'inline',
        },
        indicators: {
          doc: 'Where sources whose plugin is marked offloadable (the technical indicators) compute their opinions: inline, worker or auto. On the pool a symbol always goes to the same worker, which keeps its bars and indicator state; only new bars cross.',
          format: ['inline', 'worker', 'auto'],
          default: 'inline',
        },
      },
      chunkSize: { doc: 'Items (symbols, texts, source calls) per worker task: chunks amortise the ~40 µs round trip.', format: integerIn(1, 100_000), default: 64 },
      retryInline: { doc: 'Run a chunk whose worker task failed again on the main thread (the failure is still counted).', format: Boolean, default: true },
      autoThresholdUs: { doc: 'In auto mode, the inline cost per item (µs) above which a stage is offloaded.', format: numberIn(0, 1_000_000), default: 20 },
      autoSampleSize: { doc: 'In auto mode, items run inline untimed as warm-up, then as many timed inline before deciding.', format: integerIn(1, 1_000_000), default: 200 },
    },
    service: {
      host: { doc: '`serve`: the address the HTTP API listens on.', format: String, default: '127.0.0.1' },
      port: { doc: '`serve`: the port of the HTTP API; 0 picks a free one (the address is printed as `listening on http://…`).', format: 'port', default: 7070 },
      schedule: {
        every: { doc: '`serve`: the time between cycles, as 500ms, 30s, 5m or 1h (used unless cron is set).', format: 'duration', default: '60s' },
        cron: { doc: '`serve`: a cron pattern (with seconds optional) for the cycles, in `timezone`; empty: every `every`. Checked at load: a pattern that does not parse or never fires is refused.', format: 'cron-pattern', default: '' },
        timezone: { doc: '`serve`: the IANA time zone of the cron pattern (checked at load).', format: 'time-zone', default: 'UTC' },
      },
      session: {
        calendar: { doc: '`serve`: when cycles may run: always (crypto), or nyse (Mon-Fri 09:30-16:00 America/New_York, not on holidays).', format: ['always', 'nyse'], default: 'always' },
        holidays: { doc: '`serve`: the dates (YYYY-MM-DD, New York) the nyse calendar is closed all day; defaults to the NYSE holidays of 2026 and 2027.', format: 'date-list', default: [...NYSE_HOLIDAYS] },
      },
      auth: {
        tokenEnv: {
          doc: '`serve`: the environment variable holding the bearer token every /v1 route (and /metrics unless public) requires; empty: no token.',
          format: String,
          default: '',
        },
      },
      metrics: { public: { doc: '`serve`: GET /metrics answers without the token.', format: Boolean, default: false } },
      pageCache: {
        maxBytes: { doc: '`serve`: bytes of serialized GET /v1/signals answers kept; they are dropped whenever signals are stored (0: off).', format: integerIn(0, 2 ** 31 - 1), default: 32 * 1024 * 1024 },
        ttlMs: { doc: '`serve`: the longest a kept answer is served, for writers in other processes sharing the database.', format: integerIn(1, 3_600_000), default: 1000 },
      },
      allowUnauthenticated: { doc: '`serve`: allow listening on a non-loopback address without a token.', format: Boolean, default: false },
      shutdownMs: { doc: '`serve`: on SIGTERM or SIGINT, how long the cycle in progress may take to finish.', format: integerIn(0, 3_600_000), default: 30_000 },
      cycleHistory: { doc: '`serve`: cycles kept for GET /v1/cycles.', format: integerIn(1, 100_000), default: 100 },
    },
    distributed: {
      url: { doc: '`--distributed` and `worker`: the Redis URL of the BullMQ queue (redis://host:port/db); prefer urlEnv when it holds a password.', format: String, default: 'redis://127.0.0.1:6379' },
      urlEnv: { doc: '`--distributed` and `worker`: environment variable holding the queue URL instead (its password is never printed).', format: String, default: 'ARGO_QUEUE_URL' },
      queue: { doc: '`--distributed` and `worker`: the BullMQ queue name; a scheduler and its workers must name the same.', format: String, default: 'argo-shards' },
      prefix: { doc: '`--distributed` and `worker`: the prefix of every Redis key of the queue, so several deployments share one Redis.', format: String, default: 'argo' },
      shardSize: { doc: '`--distributed`: symbols a shard holds (a job of the queue); a symbol keeps its shard while the universe does not change.', format: integerIn(1, 100_000), default: 25 },
      attempts: { doc: '`--distributed`: how often a shard is tried (a failure or a worker lost mid-shard) before it counts as failed.', format: integerIn(1, 100), default: 3 },
      lockMs: { doc: '`worker`: how long a worker holds a shard without renewing its lock; a killed worker\'s shard goes to another after this.', format: integerIn(500, 3_600_000), default: 30_000 },
      timeoutMs: { doc: '`--distributed`: the longest the scheduler waits for one shard (every attempt included) before counting it failed.', format: integerIn(1000, 86_400_000), default: 600_000 },
      concurrency: { doc: '`worker`: shards one worker process evaluates at once (--concurrency).', format: integerIn(1, 1024), default: 1 },
    },
    evaluation: {
      horizonDays: { doc: 'Bars after a signal within which its target or stop must be hit (A/B outcome scoring).', format: integerIn(1, 250), default: 10 },
      resamples: { doc: 'Bootstrap resamples (by day) behind the 95% intervals of the A/B lab.', format: integerIn(100, 100000), default: 1000 },
    },
    learning: {
      event: {
        doc: 'What makes a direction right: `direction`, the close-to-close return over `learning.horizon` bars has its sign; `first-touch`, a trade in the consensus\'s direction (its levels) reaches its target before its stop within `learning.horizon` bars (expiries left out). For evaluate, calibrate, walk-forward, walk-forward arms, live outcomes and refits.',
        format: ['direction', 'first-touch'],
        default: 'direction',
      },
      horizon: { doc: 'Bars of the outcome (`learning.event`): of the close-to-close return, or that a trade is followed. Walk-forward arms, live outcomes, refits, rolling metrics and the lab\'s Brier, ECE and Rank IC.', format: integerIn(1, 250), default: 10 },
      minSamples: { doc: 'Fewest resolved outcomes a fit (a walk-forward window, a live refit) rests on; with fewer the calibration in use is kept.', format: integerIn(10, 10_000_000), default: 200 },
      walkForward: {
        enabled: { doc: '`ab`/`sweep` arm: refit the calibration before each test window on the outcomes resolved before it (docs/learning.md), applied to that window\'s signals.', format: Boolean, default: false },
        trainDates: { doc: 'Walk-forward: trading dates a fit is trained on (rolling), or the least before the first test window (expanding).', format: integerIn(1, 100_000), default: 504 },
        testDates: { doc: 'Walk-forward: trading dates each fit is applied to before the next refit.', format: integerIn(1, 100_000), default: 63 },
        expanding: { doc: 'Walk-forward: train on every date before each test window instead of the last `trainDates`.', format: Boolean, default: false },
      },
      refit: {
        cron: { doc: '`serve`: a cron pattern (in `service.schedule.timezone`) on which the calibration is refitted from the stored signals\' resolved outcomes and swapped in before the next cycle; empty: never.', format: 'cron-pattern', default: '' },
        trainDates: { doc: '`serve` refit: outcomes of signals from the last this many trading dates are fitted on.', format: integerIn(1, 100_000), default: 504 },
      },
      rolling: {
        outcomes: { doc: '`serve`: the latest resolved outcomes behind the rolling hit rate, Brier score and ECE (/metrics, the dashboard).', format: integerIn(10, 1_000_000), default: 500 },
      },
      drift: {
        maxEce: { doc: '`serve`: a drift warning (logged, `argo_learning_drift`, the dashboard) when the rolling ECE of the signals\' probability (or confidence, without a calibration) exceeds this. 1: never.', format: numberIn(0, 1), default: 0.1 },
      },
    },
    log: {
      level: { doc: 'Log level of the JSON log on stderr.', format: [...LOG_LEVELS], default: 'warn' },
    },
  };
}
