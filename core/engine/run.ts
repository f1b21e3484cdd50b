import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import { BarView } from '../domain/bar-view';
import type { Bar, BarSeries, SourceOutcome } from '../domain/domain';
import { dayOf } from '../domain/timeframe';
import { PackedSeries } from '../domain/packed-series';
import type { LoadedConfig, ResolvedPlugin } from '../config/config-loader';
import { contextFor, instantiate, type BuildSite } from './plugin-factory';
import { pooledConsensus } from '../../workers/pooled-consensus';
import { pooledExplainer } from '../../workers/pooled-explainer';
import { PooledSources } from '../../workers/pooled-sources';
import type { PluginRef } from '../../workers/task-types';
import { WorkerPool } from '../../workers/worker-pool';
import { cachedConsensus } from './consensus-cache';
import { CycleRunner, type CycleItem } from './cycle-runner';
import { CycleStats, WORKER_STAGES, emptyCounts, type CallCounts, type StatsReport, type WorkerStage } from './cycle-stats';
import type { PluginInstances, PluginKind } from '../plugin-system/define-plugin';
import { PLUGIN_SLOTS } from '../config/config-schema';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import type { Logger } from '../util/logger';
import { InFlight } from '../util/in-flight';
import { hashOf } from '../util/stable-hash';
import { RunClock } from './run-clock';
import { RunEvents } from './run-events';
import { readCalibration } from '../learning/calibration-file';
import { CalibrationSlot } from '../learning/calibration-slot';
import { CALIBRATED_SENTENCE } from '../learning/calibration';
import { cassetteExplainer, cassetteMarketData, recordTexts, recordedMarketData, type Cassette, type TapeRecorder } from './run-tape';
import { SourceBreaker } from './source-breaker';
import type { RunSource } from './source-caller';
import type { SymbolResult } from './symbol-pipeline';
import { assertSymbol } from '../domain/symbols';
import { DeferredReasoner, ReasoningService, requestOfSignal } from '../reasoning/reasoning-service';
import { TOKENS } from './tokens';
import { WriteTracker, storageFailure } from './write-tracker';
import type { Storage } from '../plugin-system/plugin-contracts';
import { shardsOfSize, shipConfig, splitUniverse, unpackRows, type Shard, type ShardFailure, type ShardPlan, type ShardResult, type ShardSpan } from '../scale/shard';

/** Options of a replay. */
export interface ReplayOptions {
  /** First and last date (YYYY-MM-DD, inclusive). */
  readonly from: string;
  readonly to: string;
  /** Called with every result, in date then symbol order. */
  readonly onResult?: (result: SymbolResult) => void | Promise<void>;
  /**
   * Keep every result in the report (about 1.6 KB a symbol-day). Off by default: a replay
   * streams its results to `onResult` and aggregates statistics as it goes, so its memory does
   * not grow with the range.
   */
  readonly keepResults?: boolean;
  /** Called after each cycle with its date and the number of cycles in the replay (progress bars). */
  readonly onCycle?: (date: string, total: number) => void;
  /** Called before each cycle with its date: a calibration staged then is the cycle's (walk-forward arms). */
  readonly beforeCycle?: (date: string) => void;
}

/** The outcome of a cycle or a replay: per-symbol results (a replay's only with `keepResults`) and the statistics. */
export interface RunReport {
  readonly results: SymbolResult[];
  readonly stats: StatsReport;
}

/** What `Run.sourceHealth` says of one source. */
export interface SourceHealth {
  readonly source: string;
  readonly weight: number;
  readonly calls: CallCounts;
  readonly latencyMs: { readonly p50: number | null; readonly p95: number | null };
  readonly circuit: 'off' | 'closed' | 'open' | 'half-open';
}

/** Services a run hands its plugins besides their options. */
export interface RunServices {
  /** The clock plugins see (`Date.now` by default). */
  readonly now?: () => number;
  /** `--record`: where bars, source outcomes, texts and cycles are written as they happen. */
  readonly recorder?: TapeRecorder;
  /** `replay --cassette`: the recording that answers instead of market data, sources and explainer. */
  readonly cassette?: Cassette;
  /** The symbols this run evaluates instead of its configured universe (a shard's). */
  readonly symbols?: readonly string[];
  /** Where signals go instead of the configured storage (a shard's collector; the scheduler stores them). */
  readonly storage?: Storage;
  /** Cycles and replays evaluated as shards by workers (threads, processes, a queue); this run stores their signals. */
  readonly shards?: ShardPlan;
}

/** What `config check` found for one plugin it built. */
export interface PluginCheck {
  /** The config key that selected it. */
  readonly key: string;
  readonly kind: PluginKind;
  readonly name: string;
  readonly version: string;
  /** Whether the plugin's self-test ran (and passed) or it has none. */
  readonly selfTest: 'passed' | 'none';
}

/** The symbols of `config` that `marketData` has no bars for (no file, or no usable bar); all of them is a coded error. */
async function symbolsWithoutBars(config: LoadedConfig, marketData: PluginInstances['market-data']): Promise<string[]> {
  const missing: string[] = [];
  for (const symbol of config.values.symbols) {
    try {
      if ((await marketData.load(assertSymbol(symbol, 'symbols'))).bars.length === 0) missing.push(symbol);
    } catch (error) {
      if (!isArgoError(error, 'ARGO_ERR_DATA_SYMBOL_MISSING')) throw error;
      missing.push(symbol);
    }
  }
  if (missing.length > 0 && missing.length === config.values.symbols.length) {
    throw new ArgoError('ARGO_ERR_DATA_SYMBOL_MISSING', `symbols: the market data (${config.slots['market-data'].definition.name}) has bars for none of ${missing.join(', ')}`);
  }
  return missing;
}

/**
 * Builds every plugin `config` names, runs each one's `selfTest` when it has one, and closes
 * them all again: a factory that throws or a self-test that fails ends it with a coded error
 * naming the key. Loads each listed symbol once and answers those without bars (a run skips
 * them). Nothing runs a cycle; a storage may create its file.
 */
export async function checkPlugins(config: LoadedConfig, logger: Logger): Promise<{ plugins: PluginCheck[]; symbolsWithoutBars: string[] }> {
  const site: BuildSite = { loaded: config, logger, runId: 'check' };
  const all: ResolvedPlugin[] = [...PLUGIN_SLOTS.map((slot) => config.slots[slot.kind as keyof LoadedConfig['slots']]), ...config.sources, ...config.sinks];
  const checks: PluginCheck[] = [];
  const closers: (() => unknown)[] = [];
  let missing: string[] = [];
  try {
    for (const resolved of all) {
      const instance = (await instantiate(resolved, site)) as { close?: () => unknown };
      if (typeof instance.close === 'function') closers.push(() => instance.close!());
      if (resolved.definition.kind === 'market-data') missing = await symbolsWithoutBars(config, instance as PluginInstances['market-data']);
      const { definition, key } = resolved;
      if (definition.selfTest !== undefined) {
        try {
          await definition.selfTest(contextFor(resolved, site));
        } catch (error) {
          throw new ArgoError('ARGO_ERR_PLUGIN_SELF_TEST', `${key}: the self-test of ${definition.kind} plugin "${definition.name}" failed: ${messageOf(error)}`, { cause: error });
        }
      }
      checks.push({ key, kind: definition.kind, name: definition.name, version: definition.version, selfTest: definition.selfTest === undefined ? 'none' : 'passed' });
    }
    return { plugins: checks, symbolsWithoutBars: missing };
  } finally {
    await Promise.allSettled(closers.map(async (close) => close()));
  }
}

/** The worker stage each kind of offloadable plugin belongs to. */
const STAGE_OF_KIND: Readonly<Record<PluginRef['kind'], WorkerStage>> = { source: 'indicators', consensus: 'consensus', explainer: 'reasoning' };

/** The error a sharded run ends with: the first failed shard's, coded. */
function shardFailure({ shard, error }: { shard: Shard; error: unknown }, failed: number): ArgoError {
  const also = failed > 1 ? ` (and ${failed - 1} other shard(s))` : '';
  if (isArgoError(error)) return error;
  return new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id} (${shard.symbols.length} symbols) failed${also}: ${messageOf(error)}`, { cause: error });
}

/** Queues the reasoning of signals a previous run left pending (it crashed, or its shutdown wait ran out). */
async function resumePending(storage: PluginInstances['storage'], deferred: DeferredReasoner, config: LoadedConfig, logger: Logger): Promise<void> {
  const pending = await storage.querySignals({ reasoningStatus: 'pending' });
  if (pending.length === 0) return;
  const weights = new Map(config.values.sources.map((s) => [s.name, s.weight]));
  for (const signal of pending) {
    // The calibration's sentence was stored with the pending text; the completed text keeps it (the calibration in use now may be another).
    const at = signal.reasoning.indexOf(CALIBRATED_SENTENCE);
    deferred.enqueue(signal.id, requestOfSignal(signal, weights), { suffix: at < 0 ? undefined : signal.reasoning.slice(at) });
  }
  logger.info({ signals: pending.length }, 'completing reasoning left pending by an earlier run');
}

/**
 * One run: the plugins a configuration names, built in a child container of their own so
 * that two runs in one process (the arms of an A/B test) share no state.
 */
export class Run {
  readonly startedAt = new Date().toISOString();
  #closed = false;
  #stopRequested = false;
  #cyclesCancelled = false;
  #onStop: () => void = () => undefined;
  readonly #stopSignal = new Promise<void>((resolve) => (this.#onStop = resolve));
  readonly #series = new Map<string, PackedSeries>();
  /** One string per date for every series of the run. */
  readonly #dates = new Map<string, string>();

  private constructor(
    readonly id: string,
    readonly config: LoadedConfig,
    readonly container: DependencyContainer,
    readonly stats: CycleStats,
    private readonly closers: readonly (() => Promise<void>)[],
    private readonly clock: RunClock,
    private readonly services: RunServices,
  ) {}

  /** Builds every plugin of `config` and the run's container. */
  static async create(config: LoadedConfig, logger: Logger, services: RunServices = {}): Promise<Run> {
    const id = randomUUID();
    const stats = new CycleStats();
    const clock = new RunClock(services.now ?? Date.now, stats);
    const closers: (() => Promise<void>)[] = [];
    const build = <K extends PluginKind>(resolved: ResolvedPlugin<K>) => instantiate(resolved, { loaded: config, logger, runId: id, now: services.now, stats });
    try {
      const { slots } = config;
      const { recorder, cassette } = services;
      const built = cassette === undefined ? await build(slots['market-data']) : cassetteMarketData(cassette);
      const marketData = recorder === undefined ? built : recordedMarketData(built, recorder);
      if (marketData.close) closers.push(() => marketData.close!());
      const workers = config.values.workers;
      const pool = WORKER_STAGES.some((stage) => workers.mode[stage] !== 'inline') ? new WorkerPool(workers) : null;
      if (pool !== null) closers.push(() => pool.close());
      const setupFor = (stage: WorkerStage) => ({ stage, workers, counters: stats.workers[stage], logger });
      // Plugins of stages placed on the pool outright are built in every worker before the first cycle.
      const preload: PluginRef[] = [];
      const refOf = (kind: PluginRef['kind'], specifier: string, options: Record<string, unknown>, instanceName?: string): PluginRef => {
        const env = kind === 'explainer' ? config.env : undefined;
        const ref: PluginRef = { kind, specifier, baseDir: config.baseDir, options, seed: config.values.seed, timeframe: config.values.data.timeframe, instanceName, env };
        if (workers.mode[STAGE_OF_KIND[kind]] === 'worker') preload.push(ref);
        return ref;
      };
      const pooledSources = pool === null || workers.mode.indicators === 'inline' ? null : new PooledSources(pool, setupFor('indicators'));
      const sources: RunSource[] = [];
      for (const resolved of config.sources) {
        const built = await build(resolved);
        if (built.close) closers.push(() => built.close!());
        const { plugin, name } = resolved.config;
        const instance =
          pooledSources !== null && resolved.definition.offloadable === true
            ? pooledSources.wrap(built, refOf('source', plugin, resolved.options, name))
            : built;
        const { breaker } = resolved.config;
        const tape =
          cassette !== undefined
            ? { play: (symbol: string, asOf: string) => cassette.outcome(symbol, asOf, name) }
            : recorder !== undefined
              ? { record: (symbol: string, asOf: string, outcome: SourceOutcome) => recorder.write({ type: 'outcome', symbol, asOf, outcome }) }
              : undefined;
        sources.push({ config: resolved.config, instance, abandoned: new InFlight(), breaker: breaker.failures === 0 ? null : new SourceBreaker(breaker, clock.now), tape });
      }
      const inlineConsensus = await build(slots.consensus);
      const plainConsensus =
        pool === null || workers.mode.consensus === 'inline'
          ? inlineConsensus
          : pooledConsensus(inlineConsensus, pool, refOf('consensus', config.values.consensus.plugin, slots.consensus.options), setupFor('consensus'));
      const consensus = config.values.consensus.cache.enabled
        ? cachedConsensus(
            plainConsensus,
            { name: slots.consensus.definition.name, version: slots.consensus.definition.version, options: slots.consensus.options },
            config.values.consensus.cache,
            services.now ?? Date.now,
            stats,
          )
        : plainConsensus;
      const earlyExit = await build(slots['early-exit-strategy']);
      const inlineExplainer = cassette === undefined ? await build(slots.explainer) : cassetteExplainer(cassette);
      if (inlineExplainer.close) closers.push(() => inlineExplainer.close!());
      const explainer =
        pool === null || workers.mode.reasoning === 'inline'
          ? inlineExplainer
          : pooledExplainer(inlineExplainer, pool, refOf('explainer', config.values.reasoning.explainer, slots.explainer.options), setupFor('reasoning'));
      const { mode } = config.values.reasoning;
      const reasoningCache = mode === 'sync' ? null : await build(slots['reasoning-cache']);
      if (reasoningCache?.close) closers.push(() => reasoningCache.close!());
      const storage = services.storage ?? (await build(slots.storage));
      closers.push(() => storage.close());
      if (storage.updateReasoning === undefined) {
        const key = mode === 'deferred' ? 'reasoning.mode: deferred' : config.values.reasoning.maxWaitMs > 0 ? 'reasoning.maxWaitMs above 0' : null;
        if (key !== null) throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `${key} needs a storage that can update reasoning; storage "${slots.storage.definition.name}" cannot`);
      }
      const { definition: explainerDef, options: explainerOptions } = slots.explainer;
      const reasoning = new ReasoningService(
        explainer,
        { name: explainerDef.name, version: explainerDef.version, options: explainerOptions },
        reasoningCache,
        config.values,
        stats,
        logger,
        config.secrets,
      );
      if (pool !== null && preload.length > 0) {
        await pool.warm(preload).catch((error: unknown) => {
          throw new ArgoError('ARGO_ERR_WORKER_LOAD', `workers.mode: a plugin could not be built on a worker thread: ${messageOf(error)}; keep its stage inline`, { cause: error });
        });
      }
      const events = new RunEvents();
      if (recorder !== undefined) {
        recordTexts(events, recorder);
        closers.push(() => recorder.close());
      }
      const deferred = new DeferredReasoner(reasoning, storage, config.values.reasoning.deferred.concurrency, stats, logger, events);

      const child = rootContainer.createChildContainer();
      child.register(TOKENS.Config, { useValue: config.values });
      child.register(TOKENS.Logger, { useValue: logger });
      child.register(TOKENS.Secrets, { useValue: config.secrets });
      child.register(TOKENS.MarketData, { useValue: marketData });
      child.register(TOKENS.Sources, { useValue: sources });
      child.register(TOKENS.Consensus, { useValue: consensus });
      child.register(TOKENS.EarlyExit, { useValue: earlyExit });
      child.register(TOKENS.Storage, { useValue: storage });
      child.register(TOKENS.Writes, { useValue: new WriteTracker(storage, stats, logger, events) });
      child.register(TOKENS.Events, { useValue: events });
      const { calibration } = config.values.consensus;
      child.register(TOKENS.Calibration, {
        useValue: new CalibrationSlot(calibration === '' ? null : readCalibration(path.resolve(config.baseDir, calibration), config.values.sources)),
      });
      child.register(TOKENS.Reasoning, { useValue: reasoning });
      child.register(TOKENS.Deferred, { useValue: deferred });
      return new Run(id, config, child, stats, closers, clock, services);
    } catch (error) {
      await Promise.allSettled(closers.map((close) => close()));
      throw error;
    }
  }

  /**
   * The sources whose calls are still running past their timeout (each ignored its
   * AbortSignal), with how many: what would keep a finished process alive.
   */
  lingering(): { source: string; calls: number }[] {
    return this.container
      .resolve<RunSource[]>(TOKENS.Sources)
      .filter((s) => s.abandoned.size > 0)
      .map((s) => ({ source: s.config.name, calls: s.abandoned.size }));
  }

  /** Each configured source: its calls so far, the p50 and p95 latency of its last 1,024 calls (null before one), and its circuit's state (`off` without a breaker). */
  sourceHealth(): SourceHealth[] {
    const report = this.stats.report().sourceCalls.bySource;
    return this.container.resolve<RunSource[]>(TOKENS.Sources).map((s) => {
      const latencies = this.stats.latencies.get(s.config.name);
      const at = (q: number) => {
        const ms = latencies?.quantile(q) ?? null;
        return ms === null ? null : Math.round(ms * 1000) / 1000;
      };
      return {
        source: s.config.name,
        weight: s.config.weight,
        calls: report[s.config.name] ?? emptyCounts(),
        latencyMs: { p50: at(0.5), p95: at(0.95) },
        circuit: s.breaker?.state ?? 'off',
      };
    });
  }

  /** How this run's cycles and replays are sharded over workers, if they are. */
  get shards(): ShardPlan | undefined {
    return this.services.shards;
  }

  /** The recording this run replays (`replay --cassette`), if any. */
  get cassette(): Cassette | undefined {
    return this.services.cassette;
  }

  /** What the run tells as it happens: signals durable, deferred texts stored. */
  get events(): RunEvents {
    return this.container.resolve<RunEvents>(TOKENS.Events);
  }

  /** Work waiting: signals not yet acknowledged by storage, deferred texts not yet written. */
  backlog(): { unacknowledgedSignals: number; pendingReasoning: number } {
    return {
      unacknowledgedSignals: this.container.resolve<WriteTracker>(TOKENS.Writes).pending,
      pendingReasoning: this.container.resolve<DeferredReasoner>(TOKENS.Deferred).pending,
    };
  }

  /** The storage of this run, for queries. */
  get storage(): PluginInstances['storage'] {
    return this.container.resolve(TOKENS.Storage);
  }

  /** Makes a replay stop after the cycle in progress (SIGINT, SIGTERM); `close` then writes what is pending. */
  requestStop(): void {
    this.#stopRequested = true;
    this.services.shards?.runner.stop?.();
    this.#onStop();
  }

  /**
   * Makes the live cycle in progress start no further symbol (a service whose shutdown wait
   * ran out): the symbols in flight finish, within their sources' timeouts, and are stored.
   */
  cancelCycles(): void {
    this.#cyclesCancelled = true;
  }

  /** Waits up to `waitMs` (`reasoning.deferred.shutdownWaitMs` by default) for deferred texts; resolves to how many are still pending. */
  drainReasoning(waitMs = this.config.values.reasoning.deferred.shutdownWaitMs): Promise<number> {
    return this.container.resolve<DeferredReasoner>(TOKENS.Deferred).drain(waitMs);
  }

  /** Resolves once {@link requestStop} is called (a service waits on it). */
  whenStopRequested(): Promise<void> {
    return this.#stopSignal;
  }

  /** The run's logger. */
  get logger(): Logger {
    return this.container.resolve<Logger>(TOKENS.Logger);
  }

  /** True once {@link requestStop} was called. */
  get stopRequested(): boolean {
    return this.#stopRequested;
  }

  /** The symbols the run evaluates, each once, in configured (or market data) order. */
  async #universe(): Promise<string[]> {
    if (this.services.symbols !== undefined) return [...this.services.symbols];
    const configured = this.config.values.symbols;
    const symbols = [...new Set(configured.length > 0 ? configured : await this.container.resolve<PluginInstances['market-data']>(TOKENS.MarketData).symbols())];
    if (configured.length > symbols.length) {
      const twice = configured.filter((symbol, i) => configured.indexOf(symbol) !== i);
      this.logger.warn({ symbols: [...new Set(twice)] }, 'symbols listed more than once are evaluated once');
    }
    return symbols;
  }

  /** Loads every symbol's history (a sharded run's scheduler loads none to evaluate; the A/B lab scores outcomes with it). */
  async loadHistory(): Promise<void> {
    await this.#loadSeries();
  }

  async #loadSeries(): Promise<PackedSeries[]> {
    const marketData = this.container.resolve<PluginInstances['market-data']>(TOKENS.MarketData);
    const logger = this.container.resolve<Logger>(TOKENS.Logger);
    const series: PackedSeries[] = [];
    const universe = await this.#universe();
    this.stats.symbolsWithoutBars.clear();
    let firstMissing: ArgoError | undefined;
    /** The newest bar the run holds of `symbol` when only what follows it is to be loaded; null for a full load. */
    const resumeFrom = (symbol: string): Bar | null => {
      const known = this.#series.get(symbol);
      return known !== undefined && known.length > 0 && marketData.loadAfter !== undefined ? known.at(known.length - 1) : null;
    };
    // A provider answering many symbols a request fetches the whole universe at once (one paged request a cycle, not one a symbol).
    await marketData.prepare?.(universe.map((symbol) => ({ symbol, after: resumeFrom(symbol) })));
    for (const symbol of universe) {
      const known = this.#series.get(symbol);
      const last = resumeFrom(symbol);
      if (known !== undefined && last !== null) {
        const newer = await marketData.loadAfter!(symbol, last);
        if (newer !== null) {
          this.#appendBars(known, newer.bars);
          this.stats.malformedRows += newer.malformedRows;
          series.push(known);
          continue;
        }
      }
      let loaded: BarSeries;
      try {
        loaded = await marketData.load(assertSymbol(symbol, 'symbols'));
      } catch (error) {
        if (!isArgoError(error, 'ARGO_ERR_DATA_SYMBOL_MISSING')) throw error;
        // One unknown symbol fails only itself: skipped, listed in the statistics, said once a run.
        firstMissing ??= error;
        this.#withoutBars(symbol, () => logger.warn({ symbol, err: error.message }, 'symbol skipped: the market data has no bars for it'));
        this.#series.delete(symbol);
        continue;
      }
      this.stats.malformedRows += loaded.malformedRows;
      if (loaded.bars.length === 0) {
        this.#withoutBars(symbol, () => logger.warn({ symbol, malformedRows: loaded.malformedRows }, 'symbol has no bars (an empty or header-only file, or only malformed rows); it is not evaluated'));
      } else {
        this.#toldMissing.delete(symbol);
      }
      // Unchanged bars keep their series, so the state sources keep by it carries over to the next cycle.
      const packed = known !== undefined && known.holds(loaded) ? known : PackedSeries.of(loaded, this.#dates);
      this.#series.set(symbol, packed);
      series.push(packed);
    }
    if (universe.length > 0 && this.stats.symbolsWithoutBars.size === universe.length) {
      const why = firstMissing === undefined ? 'every one has an empty file' : firstMissing.message.slice(`${firstMissing.code}: `.length);
      throw new ArgoError('ARGO_ERR_DATA_SYMBOL_MISSING', `none of the ${universe.length} symbols of the universe has bars (${why}); check symbols and data.dir`);
    }
    return series;
  }

  /** Adds the bars `loadAfter` gave, refusing any not dated after the last one held (they would break every view's order). */
  #appendBars(series: PackedSeries, bars: readonly Bar[]): void {
    let last = series.date(series.length - 1);
    for (const bar of bars) {
      if (!(bar.date > last)) {
        const name = this.config.slots['market-data'].definition.name;
        throw new ArgoError('ARGO_ERR_PLUGIN_CONTRACT', `market-data plugin "${name}": loadAfter(${series.symbol}) gave a bar dated ${bar.date}, not after ${last}`);
      }
      last = bar.date;
    }
    series.append(bars);
  }

  /** The full history of a symbol this run has loaded (for scoring outcomes after a replay). */
  seriesOf(symbol: string): PackedSeries | undefined {
    return this.#series.get(symbol);
  }

  /** Why the reasoning cache is failing (texts are written without it meanwhile), or null while it answers. */
  get reasoningCacheProblem(): string | null {
    return this.container.resolve<ReasoningService>(TOKENS.Reasoning).cacheProblem;
  }

  /** Signals whose save failed and that no later save stored; a live cycle saves them again first. */
  get unstoredSignals(): number {
    return this.container.resolve<WriteTracker>(TOKENS.Writes).held;
  }

  #resuming: Promise<void> | null = null;

  /**
   * Queues the texts an earlier run left pending (deferred reasoning), once: the first cycle,
   * replay or close does it, or the owner of the run's events once it listens to them (a
   * service), so that their `reasoning` events reach it.
   */
  resumeReasoning(): Promise<void> {
    if (this.#resuming === null) {
      const deferred = this.container.resolve<DeferredReasoner>(TOKENS.Deferred);
      const resuming = this.config.values.reasoning.mode === 'deferred' ? resumePending(this.storage, deferred, this.config, this.logger) : Promise.resolve();
      // Failed (storage away), it is tried again by the next caller.
      this.#resuming = resuming.catch((error: unknown) => {
        this.#resuming = null;
        throw error;
      });
    }
    return this.#resuming;
  }

  /** One cycle, each symbol as of its latest bar, after saving again the signals an earlier cycle could not store. */
  async cycle(): Promise<RunReport> {
    await this.resumeReasoning();
    await this.container.resolve<WriteTracker>(TOKENS.Writes).saveHeld();
    this.#takeCalibration();
    if (this.services.shards !== undefined) return this.#shardedCycle(this.services.shards);
    const series = await this.#loadSeries();
    const items = series.filter((s) => s.length > 0).map((s) => ({ symbol: s.symbol, bars: BarView.upTo(s, s.length - 1) }));
    await this.#knowStored(items.map((item) => item.bars.asOf));
    const results = await this.container.resolve(CycleRunner).run(items, this.stats, 0, () => this.#cyclesCancelled);
    if (results.length < items.length) this.logger.warn({ evaluated: results.length, symbols: items.length }, 'cycle cut short by a shutdown: the symbols not started are left for the next run');
    this.#recordCycle(items.slice(0, results.length));
    return { results, stats: this.stats.report() };
  }

  /** Tells the write tracker which signals of these bar dates the storage holds already, so saving them again counts as repeated. */
  async #knowStored(dates: readonly string[]): Promise<void> {
    const ids = new Set<string>();
    for (const day of new Set(dates.map(dayOf))) for (const signal of await this.storage.querySignals({ from: day, to: day })) ids.add(signal.id);
    this.container.resolve<WriteTracker>(TOKENS.Writes).knowStored(ids);
  }

  /**
   * One cycle of a replay, its results streamed to `onResult` (and kept with `keepResults`).
   * False, with nothing evaluated, once a stop was requested or the disk filled up (later
   * signals could not be stored either). A cycle of synchronous sources never leaves the
   * microtask queue: it yields once first, so timers, I/O and signal handlers (SIGTERM) run.
   */
  async #replayCycle(
    runner: CycleRunner,
    options: Pick<ReplayOptions, 'onResult' | 'keepResults'>,
    results: SymbolResult[],
    itemsOf: () => CycleItem[],
  ): Promise<boolean> {
    await new Promise((resolve) => setImmediate(resolve));
    if (this.#stopRequested || this.stats.storageStoppedBy !== null) return false;
    this.#takeCalibration();
    const items = itemsOf();
    for (const result of await runner.run(items, this.stats, this.config.values.storage.maxPending)) {
      if (options.keepResults === true) results.push(result);
      await options.onResult?.(result);
    }
    this.#recordCycle(items);
    return true;
  }

  /** The calibration the run's signals get their probability from; a calibration staged on it is taken up as the next cycle starts. */
  get calibration(): CalibrationSlot {
    return this.container.resolve<CalibrationSlot>(TOKENS.Calibration);
  }

  #takeCalibration(): void {
    if (this.calibration.takeStaged()) this.logger.info({ calibration: this.calibration.current!.id }, 'a new calibration applies from this cycle on');
  }

  /** The trading dates of the loaded history (after `loadHistory`, a replay or a cycle), ascending. */
  tradingDates(): string[] {
    return [...this.#dates.keys()].sort();
  }

  /** Tells the recording, if any, which symbols and dates a cycle evaluated. */
  #recordCycle(items: readonly CycleItem[]): void {
    this.services.recorder?.write({ type: 'cycle', items: items.map((item) => [item.symbol, item.bars.asOf] as const) });
  }

  /**
   * Re-runs the cycles of a recording (`replay --cassette`): each as the live run had it, the
   * symbols and dates it evaluated, every source answered from the recording. The same
   * config gives the same signals, ids included; another strategy may ask a source the live
   * run did not (counted as `unrecorded`).
   */
  async replayCassette(cassette: Cassette, options: Pick<ReplayOptions, 'onResult' | 'keepResults'> = {}): Promise<RunReport> {
    await this.resumeReasoning();
    const started = performance.now();
    const bySymbol = new Map((await this.#loadSeries()).map((s) => [s.symbol, s]));
    const runner = this.container.resolve(CycleRunner);
    const results: SymbolResult[] = [];
    for (const cycle of cassette.cycles) {
      const evaluated = await this.#replayCycle(runner, options, results, () =>
        cycle.flatMap(([symbol, asOf]): CycleItem[] => {
          const series = bySymbol.get(symbol);
          const at = series?.indexAtOrBefore(asOf) ?? -1;
          return series !== undefined && at >= 0 && series.date(at) === asOf ? [{ symbol, bars: BarView.upTo(series, at) }] : [];
        }),
      );
      if (!evaluated) break;
    }
    await this.container.resolve<WriteTracker>(TOKENS.Writes).settle(0);
    this.stats.wallMs = performance.now() - started;
    return { results, stats: this.stats.report() };
  }

  /** One cycle per trading day in the range, for every symbol with a bar that day; breakers go by the virtual clock. */
  async replay(options: ReplayOptions): Promise<RunReport> {
    await this.resumeReasoning();
    if (this.services.shards !== undefined) return this.#shardedReplay(this.services.shards, options);
    return this.clock.virtual(() => this.#replay(options));
  }

  /** Symbols skipped for want of bars that were said so: warned once a run, not once a cycle. */
  readonly #toldMissing = new Set<string>();

  /** Counts `symbol` among this load's symbols without bars, and says so (`warn`) the first time this run. */
  #withoutBars(symbol: string, warn: () => void): void {
    this.stats.symbolsWithoutBars.add(symbol);
    if (!this.#toldMissing.has(symbol)) warn();
    this.#toldMissing.add(symbol);
  }
  #cyclesSharded = 0;
  readonly #shardFailures: ShardFailure[] = [];

  /** The latest shards that failed after their attempts (at most 100), newest first. */
  get shardFailures(): readonly ShardFailure[] {
    return this.#shardFailures;
  }

  /** Hands the universe to the plan's workers as shards and waits for every one; failed shards are counted and given back apart. */
  async #evaluateShards(plan: ShardPlan, span: ShardSpan): Promise<{ universe: string[]; results: ShardResult[]; failures: { shard: Shard; error: unknown }[] }> {
    const universe = await this.#universe();
    const groups = plan.count !== undefined ? splitUniverse(universe, plan.count) : shardsOfSize(universe, plan.size ?? universe.length);
    const config = shipConfig(this.config);
    const cycle = this.#cyclesSharded++;
    const shards = groups.map((symbols, i): Shard => {
      // The same symbols under the same configuration: a worker holding the key holds a run of exactly these symbols.
      const key = `${config.hash}:${hashOf(symbols)}`;
      return { id: `${this.id}:${cycle}:${i}`, key, config, symbols, span };
    });
    const settled = await Promise.allSettled(shards.map((shard) => plan.runner.run(shard)));
    const results: ShardResult[] = [];
    const failures: { shard: Shard; error: unknown }[] = [];
    settled.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') {
        results.push(outcome.value);
        this.stats.absorb(outcome.value.stats);
        this.stats.shardsEvaluated++;
        this.stats.shardsRetried += outcome.value.attempts - 1;
      } else {
        failures.push({ shard: shards[i], error: outcome.reason });
        this.stats.shardsFailed++;
        this.#shardFailures.unshift({ shard: shards[i].id, symbols: shards[i].symbols.length, error: messageOf(outcome.reason), at: new Date().toISOString() });
        this.#shardFailures.length = Math.min(this.#shardFailures.length, 100);
        this.logger.error({ shard: shards[i].id, symbols: shards[i].symbols.length, err: messageOf(outcome.reason) }, 'shard failed');
      }
    });
    return { universe, results, failures };
  }

  /** Stores the signals of shard rows in date then universe order, as one process would have produced them. */
  async #storeRows(symbols: readonly string[], results: readonly ShardResult[], onResult?: ReplayOptions['onResult'], keep?: SymbolResult[]): Promise<void> {
    const universe = new Map(symbols.map((symbol, i) => [symbol, i]));
    const rows = results.flatMap((result) => unpackRows(result.rows)).sort((a, b) => (a.asOf < b.asOf ? -1 : a.asOf > b.asOf ? 1 : universe.get(a.symbol)! - universe.get(b.symbol)!));
    const writes = this.container.resolve<WriteTracker>(TOKENS.Writes);
    const { maxPending } = this.config.values.storage;
    for (const row of rows) {
      const stored = row.signal === null ? null : writes.track(this.storage.save(row.signal), row.signal);
      const result: SymbolResult = { ...row, stored };
      keep?.push(result);
      await onResult?.(result);
      if (writes.pending > maxPending) await writes.settle(maxPending);
    }
    await writes.settle(0);
  }

  async #shardedReplay(plan: ShardPlan, options: ReplayOptions): Promise<RunReport> {
    const started = performance.now();
    const { universe, results, failures } = await this.#evaluateShards(plan, { kind: 'range', from: options.from, to: options.to });
    const kept: SymbolResult[] = [];
    await this.#storeRows(universe, results, options.onResult, options.keepResults === true ? kept : undefined);
    this.stats.cycles += new Set(results.flatMap((result) => result.rows.dates)).size;
    this.stats.wallMs = performance.now() - started;
    // A replay is whole or failed: what the other shards produced is stored, and the first failure ends it.
    if (failures.length > 0) throw shardFailure(failures[0], failures.length);
    return { results: kept, stats: this.stats.report() };
  }

  async #shardedCycle(plan: ShardPlan): Promise<RunReport> {
    const started = performance.now();
    const { universe, results, failures } = await this.#evaluateShards(plan, { kind: 'latest' });
    // A live cycle goes on without the shards that failed (counted and logged); with none left it fails.
    if (results.length === 0 && failures.length > 0) throw shardFailure(failures[0], failures.length);
    await this.#knowStored(results.flatMap((result) => result.rows.dates));
    const kept: SymbolResult[] = [];
    await this.#storeRows(universe, results, undefined, kept);
    this.stats.cycles++;
    this.stats.wallMs += performance.now() - started;
    return { results: kept, stats: this.stats.report() };
  }

  async #replay(options: ReplayOptions): Promise<RunReport> {
    const started = performance.now();
    const series = await this.#loadSeries();
    // An intraday bar belongs to the range by its day: --to 2024-06-28 includes that day's last bar.
    const dates = [...this.#dates.keys()].filter((date) => dayOf(date) >= options.from && dayOf(date) <= options.to).sort();
    const cursors = series.map(() => 0);
    const runner = this.container.resolve(CycleRunner);
    const results: SymbolResult[] = [];
    const writes = this.container.resolve<WriteTracker>(TOKENS.Writes);
    for (const date of dates) {
      options.beforeCycle?.(date);
      const evaluated = await this.#replayCycle(runner, options, results, () => {
        const items: CycleItem[] = [];
        series.forEach((s, i) => {
          while (cursors[i] < s.length && s.date(cursors[i]) < date) cursors[i]++;
          if (cursors[i] < s.length && s.date(cursors[i]) === date) items.push({ symbol: s.symbol, bars: BarView.upTo(s, cursors[i]) });
        });
        return items;
      });
      if (!evaluated) break;
      options.onCycle?.(date, dates.length);
    }
    await writes.settle(0);
    this.stats.wallMs = performance.now() - started;
    return { results, stats: this.stats.report() };
  }

  /** Records the run in storage and closes every plugin; safe to call twice. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    let failure: unknown;
    try {
      await this.resumeReasoning();
      await this.container.resolve<WriteTracker>(TOKENS.Writes).settle(0);
      const deferred = this.container.resolve<DeferredReasoner>(TOKENS.Deferred);
      const left = await deferred.drain(this.config.values.reasoning.deferred.shutdownWaitMs);
      if (left > 0) this.container.resolve<Logger>(TOKENS.Logger).warn({ left }, 'reasoning still pending at shutdown; the next run completes it');
      const saved = this.storage.saveRun({
        id: this.id,
        configHash: this.config.hash,
        startedAt: this.startedAt,
        finishedAt: new Date().toISOString(),
        stats: this.stats.report(),
      });
      await this.storage.flush?.();
      await saved;
    } catch (error) {
      failure = error;
    }
    const closed = await Promise.allSettled(this.closers.map((close) => close()));
    const failed = closed.find((c): c is PromiseRejectedResult => c.status === 'rejected');
    if (failure === undefined && failed === undefined) return;
    // After a full disk the run record and the last checkpoint fail too; the disk is what to report.
    const cause = failure ?? failed!.reason;
    throw (
      storageFailure(this.stats.report(), cause) ??
      (isArgoError(cause) ? cause : new ArgoError('ARGO_ERR_STORAGE_WRITE', `closing the run failed: ${messageOf(cause)}`, { cause }))
    );
  }
}
