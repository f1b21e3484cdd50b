/**
 * The clock of one symbol's evaluation: one reading a step, the end of one step being the
 * start of the next. A replay times every source call and every stage of 120,000 symbol-days;
 * a reading costs about what an indicator update does, so none is taken twice.
 */
export class StageClock {
  /** The last reading: where the step under way started. */
  at: number;

  constructor(private readonly now: () => number = () => performance.now()) {
    this.at = now();
  }

  /** Reads the clock: the time since the last reading, which the next step starts from. */
  lap(): number {
    const now = this.now();
    const ms = now - this.at;
    this.at = now;
    return ms;
  }

  /** The time since `start`, without moving the clock (a call answering later, while others go on). */
  since(start: number): number {
    return this.now() - start;
  }
}
