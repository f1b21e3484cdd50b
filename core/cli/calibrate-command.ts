/**
 * `argo-signals calibrate`: fits a calibration (docs/learning.md) on the outcomes resolved
 * inside --from..--to, writes it, and scores it: on its own window, and out of sample on
 * --test-from..--test-to when given (dated after the window, so nothing tested was fitted on).
 */
import { writeFile } from 'node:fs/promises';
import type { Run } from '../engine/run';
import { ArgoError } from '../errors/errors';
import { fitCalibration, scoreCalibration, type CalibrationFile } from '../learning/calibration';
import type { Calibration } from '../learning/tear-sheet';
import { writeError } from '../util/disk-full';
import { hashOf } from '../util/stable-hash';
import { collectDataset } from './evaluate-command';

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
  const file = fitCalibration(dataset, { from, to, horizon, sourcesHash: hashOf(run.config.values.sources) });
  if (file.samples === 0) throw new ArgoError('ARGO_ERR_USAGE', `no outcome at ${horizon} bars resolved from ${from} to ${to}: widen the window`);
  return { file, inSample: scoreCalibration(file, dataset, from, to), outOfSample: testFrom === undefined ? null : scoreCalibration(file, dataset, testFrom, testTo!) };
}

export async function writeCalibration(path: string, file: CalibrationFile): Promise<void> {
  await writeFile(path, `${JSON.stringify(file, null, 2)}\n`).catch((error: unknown) => Promise.reject(writeError(path, '--out', error)));
}

const num = (v: number, digits = 3) => (Number.isFinite(v) ? v.toFixed(digits) : '–');
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
