import { Cron } from 'croner';
import { durationMs } from '../config/config-formats';

/** When cycles run: every fixed interval, or on a cron pattern in a time zone (croner). */
export interface Schedule {
  readonly every: string;
  readonly cron: string;
  readonly timezone: string;
}

/** Calls `slot` at every slot of `schedule` until stopped; what a slot does (or skips) is the caller's. */
export class CycleScheduler {
  #stop: (() => void) | null = null;
  #next: (() => Date | null) | null = null;

  constructor(
    private readonly schedule: Schedule,
    private readonly slot: () => void,
  ) {}

  /** The time between slots, in ms (for a cron pattern: the time between its next two runs). */
  get slotMs(): number {
    if (this.schedule.cron === '') return durationMs(this.schedule.every);
    const [next, after] = new Cron(this.schedule.cron, { timezone: this.schedule.timezone, paused: true }).nextRuns(2);
    return after.getTime() - next.getTime();
  }

  start(): void {
    if (this.#stop !== null) return;
    if (this.schedule.cron === '') {
      const every = durationMs(this.schedule.every);
      const started = Date.now();
      const timer = setInterval(this.slot, every);
      this.#stop = () => clearInterval(timer);
      this.#next = () => new Date(started + Math.max(1, Math.ceil((Date.now() - started) / every)) * every);
    } else {
      const job = new Cron(this.schedule.cron, { timezone: this.schedule.timezone }, this.slot);
      this.#stop = () => job.stop();
      this.#next = () => job.nextRun();
    }
  }

  /** When the next slot comes, or null while stopped. */
  nextSlot(): Date | null {
    return this.#next?.() ?? null;
  }

  stop(): void {
    this.#stop?.();
    this.#stop = null;
    this.#next = null;
  }
}
