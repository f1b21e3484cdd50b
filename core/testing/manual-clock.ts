/** A clock a test moves by hand, for TTLs and timestamps: pass `clock.now` as the context's `now`. */
export class ManualClock {
  #ms: number;

  constructor(startMs = Date.UTC(2024, 0, 2, 14, 30)) {
    this.#ms = startMs;
  }

  /** Milliseconds since the epoch, as the context's `now()` gives them. */
  readonly now = (): number => this.#ms;

  /** Moves the clock forward by `ms`. */
  advance(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`ManualClock.advance: ms must be 0 or more, was ${ms}`);
    this.#ms += ms;
  }
}
