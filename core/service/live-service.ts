import { EventEmitter } from 'node:events';
import type { Run } from '../engine/run';
import { statsSince, type StatsReport } from '../engine/cycle-stats';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import type { Logger } from '../util/logger';
import { within } from '../util/within';
import { CycleScheduler, type Schedule } from './cycle-scheduler';
import type { TradingSession } from './trading-session';

/** What one cycle of the service did. */
export interface CycleRecord {
  /** 1 for the first cycle of the process. */
  readonly number: number;
  readonly startedAt: string;
  readonly durationMs: number;
  /** What started it: a schedule slot or a request. */
  readonly trigger: 'schedule' | 'request';
  readonly symbols: number;
  /** The newest bar date the cycle evaluated (null when it evaluated none): how fresh its data was. */
  readonly barsAsOf: string | null;
  /** New signals: stored for the first time. */
  readonly signals: number;
  /** Signals given again on bars evaluated before (the storage already held them): `symbols = signals + repeated + rejected`. */
  readonly repeated: number;
  readonly rejected: number;
  /** The coded error the cycle failed with, if it failed; the service goes on. */
  readonly error: string | null;
  /** This cycle's statistics alone: the figures `run --json` gives for one cycle. */
  readonly stats: StatsReport | null;
}

/** How the service runs its cycles. */
export interface LiveServiceOptions {
  readonly schedule: Schedule;
  readonly session: TradingSession;
  /** Cycles kept for `history()`. */
  readonly historySize: number;
  readonly logger: Logger;
  /** The service's clock (tests set it to check the session calendar). */
  readonly now?: () => number;
}

/** The service's own counters. */
export interface ServiceCounters {
  cycles: number;
  overruns: number;
  failures: number;
  /** Schedule slots skipped because the trading session was closed. */
  closedSlots: number;
  /** Runs swapped in by a reload. */
  reloads: number;
  /** Reloads that changed weights or consensus options, so the consensus cache started empty. */
  cacheInvalidations: number;
  running: boolean;
}

/**
 * One run kept alive across scheduled cycles, so plugin instances, caches, histories,
 * learned latencies, breakers and the storage writer carry over. Never two cycles at once: a
 * slot that comes while a cycle runs is skipped and counted as an overrun; a slot outside
 * the trading session is skipped and counted as closed.
 */
export class LiveService {
  readonly #scheduler: CycleScheduler;
  readonly #history: CycleRecord[] = [];
  readonly #events = new EventEmitter();
  readonly #now: () => number;
  /** The cycle or reload in progress: never two at once. */
  #running: Promise<unknown> | null = null;
  #cycles = 0;
  #overruns = 0;
  #failures = 0;
  #closedSlots = 0;
  #reloads = 0;
  #cacheInvalidations = 0;
  #run: Run;
  readonly startedAt: number;

  constructor(
    run: Run,
    private readonly options: LiveServiceOptions,
  ) {
    this.#run = run;
    this.#now = options.now ?? Date.now;
    this.startedAt = this.#now();
    this.#scheduler = new CycleScheduler(options.schedule, () => this.slot());
  }

  /** The run cycles use now (a reload replaces it). */
  get run(): Run {
    return this.#run;
  }

  /** Calls `listener` with the current run now and with every run a reload swaps in; returns what stops it. */
  onRun(listener: (run: Run) => void): () => void {
    listener(this.#run);
    this.#events.on('run', listener);
    return () => this.#events.off('run', listener);
  }

  /**
   * Swaps in the run `build` makes, between cycles (a cycle asked for meanwhile is refused as
   * busy, a slot counts as an overrun), and closes the one it replaces: its pending signals
   * are written and it is recorded. `invalidatesCache`: the new run's consensus differs (its
   * weights or options), counted.
   */
  async replaceRun(build: () => Promise<Run>, invalidatesCache: boolean): Promise<void> {
    if (this.#running !== null) await this.#running.catch(() => undefined);
    if (this.#running !== null) throw new ArgoError('ARGO_ERR_SERVICE_BUSY', 'a cycle or reload is running; try again when it ends');
    const swapping = (async () => {
      const next = await build();
      const previous = this.#run;
      this.#run = next;
      this.#reloads++;
      if (invalidatesCache) this.#cacheInvalidations++;
      this.#events.emit('run', next);
      await previous.close();
    })();
    this.#running = swapping;
    await swapping.finally(() => (this.#running = null));
  }

  /** The time between schedule slots, in ms. */
  /** When the next schedule slot comes (ISO), or null while the schedule is stopped. */
  nextSlot(): string | null {
    return this.#scheduler.nextSlot()?.toISOString() ?? null;
  }

  get slotMs(): number {
    return this.#scheduler.slotMs;
  }

  /** Now, on the service's clock. */
  now(): number {
    return this.#now();
  }

  /** Why the trading session is closed now, or null while it is open. */
  sessionClosed(): string | null {
    return this.options.session.closedBecause(this.#now());
  }

  /** Starts the schedule. */
  start(): void {
    this.#scheduler.start();
  }

  /** The last cycles, newest first. */
  history(): CycleRecord[] {
    return [...this.#history].reverse();
  }

  counters(): ServiceCounters {
    return {
      cycles: this.#cycles,
      overruns: this.#overruns,
      failures: this.#failures,
      closedSlots: this.#closedSlots,
      reloads: this.#reloads,
      cacheInvalidations: this.#cacheInvalidations,
      running: this.#running !== null,
    };
  }

  /** Calls `listener` with every finished cycle; returns what stops it. */
  onCycle(listener: (record: CycleRecord) => void): () => void {
    this.#events.on('cycle', listener);
    return () => this.#events.off('cycle', listener);
  }

  /** Runs a cycle now; ARGO_ERR_SERVICE_BUSY while one runs, ARGO_ERR_SERVICE_CLOSED outside the session. */
  cycleNow(trigger: CycleRecord['trigger'] = 'request'): Promise<CycleRecord> {
    if (this.#running !== null) throw new ArgoError('ARGO_ERR_SERVICE_BUSY', 'a cycle or reload is running; try again when it ends');
    const closed = this.sessionClosed();
    if (closed !== null) throw new ArgoError('ARGO_ERR_SERVICE_CLOSED', `no cycle runs outside the trading session (service.session.calendar): ${closed}`);
    const running = this.#cycle(trigger);
    this.#running = running.finally(() => (this.#running = null));
    return running;
  }

  /** One schedule slot: a cycle, unless one is running (an overrun) or the session is closed. */
  slot(): void {
    if (this.#running !== null) {
      this.#overruns++;
      this.options.logger.warn({ overruns: this.#overruns }, 'a cycle overran its slot; this slot is skipped');
      return;
    }
    if (this.sessionClosed() !== null) {
      this.#closedSlots++;
      return;
    }
    void this.cycleNow('schedule');
  }

  async #cycle(trigger: CycleRecord['trigger']): Promise<CycleRecord> {
    const number = ++this.#cycles;
    const startedAt = new Date(this.#now()).toISOString();
    const started = performance.now();
    const before = this.run.stats.report();
    let record: CycleRecord;
    try {
      const { results, stats } = await this.run.cycle();
      const produced = results.filter((r) => r.signal !== null).length;
      const cycleStats = statsSince(before, stats);
      const repeated = cycleStats.storage.repeated;
      const durationMs = performance.now() - started;
      const error = this.#unstored();
      if (error !== null) {
        this.#failures++;
        this.options.logger.error({ cycle: number, err: error }, 'cycle failed');
      }
      const barsAsOf = results.reduce<string | null>((newest, r) => (newest === null || r.asOf > newest ? r.asOf : newest), null);
      record = { number, startedAt, durationMs, trigger, symbols: results.length, barsAsOf, signals: produced - repeated, repeated, rejected: results.length - produced, error, stats: cycleStats };
      if (error === null) {
        const { symbols, signals, rejected } = record;
        this.options.logger.info({ cycle: number, trigger, symbols, signals, repeated, rejected, durationMs: Math.round(durationMs), skipped: cycleStats.symbolsWithoutBars.length }, 'cycle done');
      }
    } catch (error) {
      // A cycle that fails is logged with its code and counted; the next slot tries again.
      this.#failures++;
      const message = isArgoError(error) ? error.message : `unexpected failure: ${messageOf(error)}`;
      this.options.logger.error({ cycle: number, err: message }, 'cycle failed');
      record = { number, startedAt, durationMs: performance.now() - started, trigger, symbols: 0, barsAsOf: null, signals: 0, repeated: 0, rejected: 0, error: message, stats: null };
    }
    this.#history.push(record);
    if (this.#history.length > this.options.historySize) this.#history.shift();
    this.#events.emit('cycle', record);
    return record;
  }

  /** The failure of a cycle that left signals unstored (they are held and saved again at the next cycle), or null. */
  #unstored(): string | null {
    const unstored = this.run.unstoredSignals;
    if (unstored === 0) return null;
    const { deadLettered, stoppedBy } = this.run.stats.report().storage;
    const why = stoppedBy ?? 'the storage failed to write them';
    const letter = deadLettered > 0 ? `; the storage's dead-letter file holds ${deadLettered} writes` : '';
    return new ArgoError('ARGO_ERR_STORAGE_WRITE', `${unstored} signals are not stored (${why})${letter}; they are held and saved again at the next cycle`).message;
  }

  /**
   * Stops the schedule and gives the cycle in progress `waitMs` in all: half to finish, then
   * it starts no further symbol and the symbols in flight get the other half. True when no
   * cycle is left running.
   */
  async stop(waitMs: number): Promise<boolean> {
    this.#scheduler.stop();
    if (this.#running === null) return true;
    const ended = this.#running.then(() => true, () => true);
    if ((await within(ended, waitMs / 2)) === true) return true;
    this.run.cancelCycles();
    return (await within(ended, waitMs / 2)) === true;
  }
}
