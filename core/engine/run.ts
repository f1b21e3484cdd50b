import 'reflect-metadata';
import type { DependencyContainer } from 'tsyringe';
import type { LoadedConfig } from '../config/config-loader';
import { BarView } from '../domain/bar-view';
import type { PackedSeries } from '../domain/packed-series';
import { dayOf } from '../domain/timeframe';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import { CALIBRATED_SENTENCE } from '../learning/calibration';
import type { CalibrationSlot } from '../learning/calibration-slot';
import type { PluginInstances } from '../plugin-system/define-plugin';
import { requestOfSignal, type DeferredReasoner, type ReasoningService } from '../reasoning/reasoning-service';
import type { Logger } from '../util/logger';
import { CycleRunner, type CycleItem } from './cycle-runner';
import { emptyCounts, type CallCounts, type CycleStats, type StatsReport } from './cycle-stats';
import type { RunClock } from './run-clock';
import type { RunEvents } from './run-events';
import { replayRange, type ReplayOptions, type ReplayParts } from './replay-cycles';
import { replayCassette } from './cassette-replay';
import { wireRun, type RunServices, type WiredRun } from './run-wiring';
import type { Cassette } from './run-tape';
import { SeriesLoader } from './series-loader';
import type { ShardFailure, ShardPlan } from './shard-contract';
import { ShardedRun } from './sharded-run';
import type { RunSource } from './source-caller';
import type { SymbolResult } from './symbol-pipeline';
import { TOKENS } from './tokens';
import { storageFailure, type WriteTracker } from './write-tracker';

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
 * One run: the plugins a configuration names, wired into a child container of their own
 * (`wireRun`) so that two runs in one process (the arms of an A/B test) share no state. The
 * run is their face: the live cycle, replays (of a range, a recording, or in shards, each in a
 * module of its own), health, stopping and closing.
 */
export class Run {
  readonly startedAt = new Date().toISOString();
  #closed = false;
  #stopRequested = false;
  #cyclesCancelled = false;
  #onStop: () => void = () => undefined;
  readonly #stopSignal = new Promise<void>((resolve) => (this.#onStop = resolve));
  readonly id: string;
  readonly container: DependencyContainer;
  readonly stats: CycleStats;
  readonly #closers: readonly (() => Promise<void>)[];
  readonly #clock: RunClock;
  readonly #bars: SeriesLoader;
  readonly #sharded: ShardedRun | null;

  private constructor(
    readonly config: LoadedConfig,
    wired: WiredRun,
    private readonly services: RunServices,
  ) {
    ({ id: this.id, container: this.container, stats: this.stats } = wired);
    this.#closers = wired.closers;
    this.#clock = wired.clock;
    this.#bars = new SeriesLoader(config, this.container.resolve(TOKENS.MarketData), this.stats, this.logger, services.symbols);
    const { shards } = services;
    this.#sharded =
      shards === undefined
        ? null
        : new ShardedRun(shards, {
            runId: this.id,
            config,
            stats: this.stats,
            logger: this.logger,
            storage: this.storage,
            writes: this.container.resolve<WriteTracker>(TOKENS.Writes),
            universe: () => this.#bars.universe(),
            knowStored: (dates) => this.#knowStored(dates),
          });
  }

  /** Builds every plugin of `config` and the run's container. */
  static async create(config: LoadedConfig, logger: Logger, services: RunServices = {}): Promise<Run> {
    const wired = await wireRun(config, logger, services);
    return new Run(config, wired, services);
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

  /** Loads every symbol's history (a sharded run's scheduler loads none to evaluate; the A/B lab scores outcomes with it). */
  async loadHistory(): Promise<void> {
    await this.#bars.load();
  }

  /** The full history of a symbol this run has loaded (for scoring outcomes after a replay). */
  seriesOf(symbol: string): PackedSeries | undefined {
    return this.#bars.seriesOf(symbol);
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
    if (this.#sharded !== null) return { results: await this.#sharded.cycle(), stats: this.stats.report() };
    const series = await this.#bars.load();
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

  /** The calibration the run's signals get their probability from; a calibration staged on it is taken up as the next cycle starts. */
  get calibration(): CalibrationSlot {
    return this.container.resolve<CalibrationSlot>(TOKENS.Calibration);
  }

  #takeCalibration(): void {
    if (this.calibration.takeStaged()) this.logger.info({ calibration: this.calibration.current!.id }, 'a new calibration applies from this cycle on');
  }

  /** The trading dates of the loaded history (after `loadHistory`, a replay or a cycle), ascending. */
  tradingDates(): string[] {
    return this.#bars.tradingDates();
  }

  /** Tells the recording, if any, which symbols and dates a cycle evaluated. */
  #recordCycle(items: readonly CycleItem[]): void {
    this.services.recorder?.write({ type: 'cycle', items: items.map((item) => [item.symbol, item.bars.asOf] as const) });
  }

  /**
   * Re-runs the cycles of a recording (`replay --cassette`): each as the live run had it, the
   * symbols and dates it evaluated, every source answered from the recording.
   */
  async replayCassette(cassette: Cassette, options: Pick<ReplayOptions, 'onResult' | 'keepResults'> = {}): Promise<RunReport> {
    await this.resumeReasoning();
    return { results: await replayCassette(this.#replayParts(), cassette, options), stats: this.stats.report() };
  }

  /** One cycle per trading day in the range, for every symbol with a bar that day; breakers go by the virtual clock. */
  async replay(options: ReplayOptions): Promise<RunReport> {
    await this.resumeReasoning();
    if (this.#sharded !== null) return { results: await this.#sharded.replay(options.from, options.to, options), stats: this.stats.report() };
    return this.#clock.virtual(async () => ({ results: await replayRange(this.#replayParts(), options), stats: this.stats.report() }));
  }

  /** The latest shards that failed after their attempts (at most 100), newest first. */
  get shardFailures(): readonly ShardFailure[] {
    return this.#sharded?.failures ?? [];
  }

  /** What a replay of this run's bars needs of it. */
  #replayParts(): ReplayParts {
    return {
      runner: this.container.resolve(CycleRunner),
      writes: this.container.resolve<WriteTracker>(TOKENS.Writes),
      stats: this.stats,
      maxPending: this.config.values.storage.maxPending,
      bars: this.#bars,
      stopped: () => this.#stopRequested,
      starting: () => this.#takeCalibration(),
      evaluated: (items) => this.#recordCycle(items),
    };
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
    const closed = await Promise.allSettled(this.#closers.map((close) => close()));
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
