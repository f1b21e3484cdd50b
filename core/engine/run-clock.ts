import type { CycleStats } from './cycle-stats';

/**
 * The time a run's breakers go by: the wall clock (or the clock the run was given) between
 * cycles, and during a replay the wall time it started at plus the virtual time its cycles
 * have taken, so cooldowns pass as they would live while years replay in seconds.
 */
export class RunClock {
  #virtualFrom: { wall: number; virtual: number } | null = null;

  constructor(
    private readonly wall: () => number,
    private readonly stats: CycleStats,
  ) {}

  /** Milliseconds since the epoch, on the clock in use. */
  readonly now = (): number => (this.#virtualFrom === null ? this.wall() : this.#virtualFrom.wall + this.stats.virtualMs - this.#virtualFrom.virtual);

  /** Runs `body` with the virtual clock (a replay). */
  async virtual<T>(body: () => Promise<T>): Promise<T> {
    this.#virtualFrom = { wall: this.wall(), virtual: this.stats.virtualMs };
    try {
      return await body();
    } finally {
      this.#virtualFrom = null;
    }
  }
}
