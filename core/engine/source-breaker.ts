/** When a source's circuit opens and for how long (a source entry's `breaker`). */
export interface BreakerConfig {
  /** Consecutive failures that open the circuit; 0 turns the breaker off. */
  readonly failures: number;
  /** How long an open circuit skips the source before one trial call (half-open). */
  readonly cooldownMs: number;
}

/**
 * A circuit breaker for one source, on the run's clock (wall time live, virtual time in a
 * replay, so a replay opens and closes it as a live run would). opossum was not used: its
 * rolling-window percentages and its own timers do not fit consecutive failures on a virtual
 * clock, and the pipeline already has timeouts and records every failure itself.
 */
export class SourceBreaker {
  #consecutive = 0;
  #openUntil: number | null = null;
  #trial = false;

  constructor(
    private readonly config: BreakerConfig,
    private readonly now: () => number,
  ) {}

  /** closed: calls go through; open: skipped until the cooldown ends; half-open: one trial call is out. */
  get state(): 'closed' | 'open' | 'half-open' {
    if (this.#openUntil === null) return 'closed';
    return this.#trial || this.now() >= this.#openUntil ? 'half-open' : 'open';
  }

  /** Whether a call may go out now; past the cooldown, only one at a time (the trial). */
  allows(): boolean {
    if (this.#openUntil === null) return true;
    if (this.#trial || this.now() < this.#openUntil) return false;
    this.#trial = true;
    return true;
  }

  /** Records how an allowed call ended: a success closes the circuit, a failure counts (and reopens a half-open one). */
  record(ok: boolean): void {
    if (ok) {
      this.#consecutive = 0;
      this.#openUntil = null;
      this.#trial = false;
      return;
    }
    this.#consecutive++;
    if (this.#trial || this.#consecutive >= this.config.failures) {
      this.#openUntil = this.now() + this.config.cooldownMs;
      this.#trial = false;
    }
  }

  /** Consecutive failures so far (what the circuit-open message reports). */
  get consecutiveFailures(): number {
    return this.#consecutive;
  }
}
