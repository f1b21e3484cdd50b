import type { Run } from '../engine/run';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import type { Logger } from '../util/logger';
import { within } from '../util/within';
import { CycleScheduler, type Schedule } from './cycle-scheduler';

/** What one cycle of the service did. */
export interface CycleRecord {
  /** 1 for the first cycle of the process. */
  readonly number: number;
  readonly startedAt: string;
  readonly durationMs: number;
  /** What started it: a schedule slot or a request. */
  readonly trigger: 'schedule' | 'request';
  readonly symbols: number;
  readonly signals: number;
  readonly rejected: number;
  /** The coded error the cycle failed with, if it failed; the service goes on. */
  readonly error: string | null;
}

/** How the service runs its cycles. */
export interface LiveServiceOptions {
  readonly schedule: Schedule;
  /** Cycles kept for `history()`. */
  readonly historySize: number;
  readonly logger: Logger;
}

/**
 * One run kept alive across scheduled cycles, so plugin instances, caches, histories,
 * learned latencies, breakers and the storage writer carry over. Never two cycles at once: a
 * slot that comes while a cycle runs is skipped and counted as an overrun.
 */
export class LiveService {
  readonly #scheduler: CycleScheduler;
  readonly #history: CycleRecord[] = [];
  #running: Promise<CycleRecord> | null = null;
  #cycles = 0;
  #overruns = 0;
  #failures = 0;
  readonly startedAt = Date.now();

  constructor(
    readonly run: Run,
    private readonly options: LiveServiceOptions,
  ) {
    this.#scheduler = new CycleScheduler(options.schedule, () => this.#slot());
  }

  /** The time between schedule slots, in ms. */
  get slotMs(): number {
    return this.#scheduler.slotMs;
  }

  /** Starts the schedule. */
  start(): void {
    this.#scheduler.start();
  }

  /** The last cycles, newest first. */
  history(): CycleRecord[] {
    return [...this.#history].reverse();
  }

  /** Counters of the service itself. */
  counters(): { cycles: number; overruns: number; failures: number; running: boolean } {
    return { cycles: this.#cycles, overruns: this.#overruns, failures: this.#failures, running: this.#running !== null };
  }

  /** Runs a cycle now; ARGO_ERR_SERVICE_BUSY while one runs. */
  cycleNow(trigger: CycleRecord['trigger'] = 'request'): Promise<CycleRecord> {
    if (this.#running !== null) throw new ArgoError('ARGO_ERR_SERVICE_BUSY', 'a cycle is running; try again when it ends');
    const running = this.#cycle(trigger).finally(() => (this.#running = null));
    this.#running = running;
    return running;
  }

  #slot(): void {
    if (this.#running !== null) {
      this.#overruns++;
      this.options.logger.warn({ overruns: this.#overruns }, 'a cycle overran its slot; this slot is skipped');
      return;
    }
    void this.cycleNow('schedule');
  }

  async #cycle(trigger: CycleRecord['trigger']): Promise<CycleRecord> {
    const number = ++this.#cycles;
    const startedAt = new Date().toISOString();
    const started = performance.now();
    let record: CycleRecord;
    try {
      const { results } = await this.run.cycle();
      const signals = results.filter((r) => r.signal !== null).length;
      record = { number, startedAt, durationMs: performance.now() - started, trigger, symbols: results.length, signals, rejected: results.length - signals, error: null };
    } catch (error) {
      // A cycle that fails is logged with its code and counted; the next slot tries again.
      this.#failures++;
      const message = isArgoError(error) ? error.message : `unexpected failure: ${messageOf(error)}`;
      this.options.logger.error({ cycle: number, err: message }, 'cycle failed');
      record = { number, startedAt, durationMs: performance.now() - started, trigger, symbols: 0, signals: 0, rejected: 0, error: message };
    }
    this.#history.push(record);
    if (this.#history.length > this.options.historySize) this.#history.shift();
    return record;
  }

  /** Stops the schedule and waits up to `waitMs` for the cycle in progress; true when none is left running. */
  async stop(waitMs: number): Promise<boolean> {
    this.#scheduler.stop();
    if (this.#running === null) return true;
    return (await within(this.#running.then(() => true), waitMs)) === true;
  }
}
