/**
 * `argo-signals calibrate`: fits a calibration (docs/learning.md) on the outcomes resolved
 * inside --from..--to, writes it, and scores it: on its own window, and out of sample on
 * --test-from..--test-to when given (dated after the window, so nothing tested was fitted on).
 */
import type { Run } from '../engine/run';
import { ArgoError } from '../errors/errors';
import { fitCalibration, scoreCalibration, sourcesHash, type CalibrationFile } from '../learning/calibration';
import type { Calibration } from '../learning/tear-sheet';
import { writeOutput } from '../util/disk-full';
import { fixed } from '../util/report-page';
import { collectDataset } from '../learning/collect-dataset';
import { pooled, walkForward, type WalkForwardWindow } from '../learning/walk-forward';

export interface CalibrateRange {
  readonly from: string;
  readonly to: string;
  readonly testFrom?: string;
  readonly testTo?: string;
  readonly horizon: number;
}

export interface CalibrateReport {
  readonly file: CalibrationFile;
  readonly inSample: ReturnType<typeof scoreCalibration>;
  readonly outOfSample: ReturnType<typeof scoreCalibration> | null;
}

export async function calibrate(run: Run, range: CalibrateRange): Promise<CalibrateReport> {
  const { from, to, testFrom, testTo, horizon } = range;
  if ((testFrom === undefined) !== (testTo === undefined)) throw new ArgoError('ARGO_ERR_USAGE', '--test-from and --test-to go together');
  if (testFrom !== undefined && testFrom <= to) throw new ArgoError('ARGO_ERR_USAGE', `--test-from (${testFrom}) must come after --to (${to}): a test window is never fitted on`);
  const dataset = await collectDataset(run, from, testTo ?? to, [horizon]);
  const file = fitCalibration(dataset, { from, to, horizon, sourcesHash: sourcesHash(run.config.values.sources) });
  if (file.samples === 0) throw new ArgoError('ARGO_ERR_USAGE', `no outcome at ${horizon} bars resolved from ${from} to ${to}: widen the window`);
  return { file, inSample: scoreCalibration(file, dataset, from, to), outOfSample: testFrom === undefined ? null : scoreCalibration(file, dataset, testFrom, testTo!) };
}

export async function writeCalibration(path: string, file: CalibrationFile): Promise<void> {
  await writeOutput(path, `${JSON.stringify(file, null, 2)}\n`, '--out');
}

const num = (v: number, digits = 3) => fixed(v, digits);
const line = (label: string, c: Calibration) => `${label.padEnd(30)} ${String(c.samples).padStart(7)}  hit ${num(c.hitRate * 100, 1)}%  Brier ${num(c.brier)}  ECE ${num(c.ece)}`;

export function formatCalibrate(report: CalibrateReport, out: string): string {
  const { file, inSample, outOfSample } = report;
  const weights = file.sources.map((s) => `${s.name} ${num(file.combiner.weights[s.name], 2)}`).join(', ');
  return [
    `calibration of ${file.sources.length} sources on ${file.samples} outcomes resolved ${file.from}..${file.to} (${file.horizon} bars, rises ${num(file.upRate * 100, 1)}%): ${out}`,
    `combiner weights (on each source's calibrated probability; negative: read the other way round): ${weights}`,
    '',
    line('fitted window, calibrated', inSample.calibrated),
    line('fitted window, raw confidence', inSample.raw),
    ...(outOfSample === null
      ? []
      : [line('test window, calibrated', outOfSample.calibrated), line('test window, raw confidence', outOfSample.raw), `${'test window, base rate'.padEnd(30)} Brier ${num(outOfSample.baseRateBrier)}`]),
  ].join('\n');
}

export interface WalkForwardRange {
  readonly from: string;
  readonly to: string;
  readonly horizon: number;
  readonly trainDates: number;
  readonly testDates: number;
  readonly expanding: boolean;
}

export interface WalkForwardReport {
  readonly windows: readonly WalkForwardWindow[];
  readonly calibrated: ReturnType<typeof pooled>;
  readonly raw: ReturnType<typeof pooled>;
  /** Windows whose calibrated Brier score is above the base rate's (always predicting the training share of rises). */
  readonly worseThanBaseRate: number;
}

/** One replay of `from`..`to`, then a calibration fitted before each test window and scored on it. */
export async function walkForwardCalibration(run: Run, range: WalkForwardRange): Promise<WalkForwardReport> {
  const dataset = await collectDataset(run, range.from, range.to, [range.horizon]);
  const windows = walkForward(dataset, { ...range, sourcesHash: sourcesHash(run.config.values.sources) });
  if (windows.length === 0) throw new ArgoError('ARGO_ERR_USAGE', `--train-dates ${range.trainDates} leaves no test window in ${range.from}..${range.to}: widen the range or shorten the training`);
  return { windows, calibrated: pooled(windows, 'calibrated'), raw: pooled(windows, 'raw'), worseThanBaseRate: windows.filter((w) => w.calibrated.brier > w.baseRateBrier + 1e-12).length };
}

export function formatWalkForward(report: WalkForwardReport): string {
  const rows = report.windows.map(
    (w) => `${w.testFrom}..${w.testTo}  fitted ${String(w.fitted).padStart(7)}  test ${String(w.calibrated.samples).padStart(6)}  ECE ${num(w.calibrated.ece)} (raw ${num(w.raw.ece)})  Brier ${num(w.calibrated.brier)} (base rate ${num(w.baseRateBrier)})`,
  );
  return [
    ...rows,
    '',
    `all test windows: ${report.calibrated.samples} symbol-days; calibrated ECE ${num(report.calibrated.ece)}, Brier ${num(report.calibrated.brier)}; raw confidence ECE ${num(report.raw.ece)}, Brier ${num(report.raw.brier)}`,
    `windows whose calibrated Brier is above the base rate's: ${report.worseThanBaseRate} of ${report.windows.length}`,
  ].join('\n');
}
