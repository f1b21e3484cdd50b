/**
 * The calibration a run applies, swapped between cycles: a refit (live `learning.refit`, a
 * walk-forward arm's next test window) stages a new file at any time and the run takes it up
 * when its next cycle starts, so one cycle's signals never mix two calibrations.
 */
import { calibrationId, type CalibrationFile } from './calibration';

export interface ActiveCalibration {
  readonly file: CalibrationFile;
  readonly id: string;
}

export class CalibrationSlot {
  #current: ActiveCalibration | null;
  #staged: ActiveCalibration | null = null;

  constructor(file: CalibrationFile | null) {
    this.#current = file === null ? null : { file, id: calibrationId(file) };
  }

  /** The calibration of the cycle under way, or null. */
  get current(): ActiveCalibration | null {
    return this.#current;
  }

  /** True while a staged calibration waits for the next cycle. */
  get hasStaged(): boolean {
    return this.#staged !== null;
  }

  /** Makes `file` the calibration from the next cycle on; answers its id. */
  stage(file: CalibrationFile): string {
    this.#staged = { file, id: calibrationId(file) };
    return this.#staged.id;
  }

  /** Called as a cycle starts: takes up a staged calibration. True when it changed. */
  takeStaged(): boolean {
    if (this.#staged === null) return false;
    this.#current = this.#staged;
    this.#staged = null;
    return true;
  }
}
