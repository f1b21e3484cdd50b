/**
 * The clock of one symbol's evaluation: one reading a step, the end of one step being the
 * start of the next. A replay times every source call and every stage of 120,000 symbol-days;
 * a reading costs about what an indicator update does, so none is taken twice.
 */
export class StageClock {
  /** The last reading: where the step under way started. */
  at = performance.now();

  /** Reads the clock: the time since the last reading, which the next step starts from. */
  lap(): number {
    const now = performance.now();
    const ms = now - this.at;
    this.at = now;
    return ms;
  }
}
