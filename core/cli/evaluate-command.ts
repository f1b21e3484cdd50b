/**
 * `argo-signals evaluate`: a replay with every source asked, each symbol-day's opinions kept
 * with its forward returns (the dataset), and the tear sheet of that dataset.
 */
import type { Run } from '../engine/run';
import { ArgoError } from '../errors/errors';
import { writeOutput } from '../util/disk-full';
import { fixed } from '../util/report-page';
import type { Dataset } from '../learning/evaluation-dataset';
import { collectDataset } from '../learning/collect-dataset';
import { EVENT_TEXT, tearSheet, type Read, type TearSheet } from '../learning/tear-sheet';
import { inFileOrder, probabilityUp, type CalibrationFile } from '../learning/calibration';

/** The horizons of `--horizons` (bars), ascending and distinct. */
export function parseHorizons(text: string): number[] {
  const horizons = text.split(',').map((part) => Number(part.trim()));
  if (horizons.length === 0 || horizons.some((h) => !Number.isInteger(h) || h < 1 || h > 250)) {
    throw new ArgoError('ARGO_ERR_USAGE', `--horizons must be bar counts 1..250 separated by commas, was ${JSON.stringify(text)}`);
  }
  return [...new Set(horizons)].sort((a, b) => a - b);
}

/**
 * Replays `from`..`to` on `run` (its early exit off), and answers the dataset and its tear
 * sheet; with `calibration`, its probability is scored too, as a predictor named `calibrated`.
 */
export async function evaluate(run: Run, from: string, to: string, horizons: readonly number[], calibration?: CalibrationFile): Promise<{ dataset: Dataset; sheet: TearSheet }> {
  const dataset = await collectDataset(run, from, to, horizons);
  // Signed by the likelier direction, its size the probability that direction is right (so the reliability table reads it as it is): ranks as P(rise) does.
  const calibrated: Read = (row) => {
    const up = probabilityUp(calibration!, inFileOrder(calibration!, dataset.sources, row.sources));
    return up >= 0.5 ? 100 * up : -100 * (1 - up);
  };
  const extra = calibration === undefined ? undefined : (['calibrated', calibrated] as const);
  return { dataset, sheet: tearSheet(dataset, { seed: run.config.values.seed, extra }) };
}

/** How a calibration weighs the sources, as the tear sheet says it: a contrarian map or a negative weight reads a source the other way round. */
export function formatCalibrationWeights(calibration: CalibrationFile): string {
  const parts = calibration.sources.map((s) => {
    const weight = calibration.combiner.weights[s.name];
    const reversed = s.decreasing !== weight < 0;
    return `${s.name} ${weight.toFixed(2)}${reversed ? ' (read the other way round: its LONG points down)' : ''}`;
  });
  return `calibration ${calibration.from}..${calibration.to} (${calibration.horizon} bars) weighs: ${parts.join('; ')}`;
}

/** Writes `dataset` as JSON to `file`, coded when it cannot (a full disk included). */
export async function writeDataset(file: string, dataset: Dataset): Promise<void> {
  await writeOutput(file, JSON.stringify(dataset), '--dataset');
}

const pct = (v: number) => (Number.isFinite(v) ? `${fixed(v * 100, 1)}%` : '–');
const num = (v: number, digits = 3) => fixed(v, digits);

/** The tear sheet as text: one line per predictor. */
export function formatTearSheet(sheet: TearSheet): string {
  const longest = sheet.horizons.length - 1;
  const header = [
    `${sheet.rows} symbol-days over ${sheet.dates} dates; horizons ${sheet.horizons.join(', ')} bars; event: ${EVENT_TEXT[sheet.event]}`,
    `Rank IC intervals: moving-block bootstrap over dates, blocks of the horizon. Reliability at ${sheet.calibrationHorizon} bars, confidence read as a probability.`,
    '',
    ['predictor', ...sheet.horizons.map((h) => `rank IC ${h}`), `95% CI (${sheet.horizons[longest]})`, 'ICIR', 'hit rate', 'Brier', 'ECE', 'flips'].join('  '),
  ];
  const lines = sheet.predictors.map((p) => {
    const last = p.ic[longest];
    return [
      p.name.padEnd(12),
      ...p.ic.map((ic) => num(ic.meanRankIc, 4).padStart(9)),
      `[${num(last.rankIcCi95[0], 4)}, ${num(last.rankIcCi95[1], 4)}]`,
      num(last.rankIcir, 2),
      pct(p.calibration.hitRate),
      num(p.calibration.brier),
      num(p.calibration.ece),
      pct(p.flipRate),
    ].join('  ');
  });
  return [...header, ...lines].join('\n');
}
