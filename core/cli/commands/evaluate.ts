import type { Command } from 'commander';
import path from 'node:path';
import type { Cli } from '../cli';
import { dataOption, requiredRange, withConfigFlags, type ConfigFlags } from '../cli-options';

/** `argo-signals evaluate`. */
export function evaluateCommand(program: Command, cli: Cli): void {
  withConfigFlags(
    program
      .command('evaluate')
      .description('the signal-quality tear sheet of a replay: IC and Rank IC by horizon, reliability by confidence, coverage, flips, per source and for the consensus')
      .option('--from <date>', 'first date, YYYY-MM-DD')
      .option('--to <date>', 'last date, YYYY-MM-DD')
      .option('--horizons <list>', 'forward-return horizons in bars', '1,5,10')
      .option('--dataset <file>', 'also write every symbol-day\'s signed confidences and forward returns as JSON (docs/learning.md)')
      .option('--report <dir>', 'write tear-sheet.html (reliability diagrams, IC decay, coverage) and tear-sheet.json there')
      .option('--calibration <file>', 'also score this calibration\'s probability (as "calibrated") and say how it weighs the sources')
      .addOption(dataOption()),
  ).action(async (flags: ConfigFlags & { from?: string; to?: string; horizons: string; dataset?: string; report?: string; calibration?: string; data?: string }) => {
    const { from, to } = requiredRange(flags, 'evaluate');
    const { evaluate, formatCalibrationWeights, formatTearSheet, parseHorizons, writeDataset } = await import('../evaluate-command');
    const horizons = parseHorizons(flags.horizons);
    const calibrationFile = flags.calibration === undefined ? undefined : path.resolve(flags.calibration);
    const input = cli.learningInput(flags);
    const { readCalibration } = await import('../../learning/calibration-file');
    let calibration: import('../../learning/calibration').CalibrationFile | undefined;
    const { dataset, sheet } = await cli.withRun(input, (run) => {
      calibration = calibrationFile === undefined ? undefined : readCalibration(calibrationFile, run.config.values.sources, '--calibration');
      return evaluate(run, from, to, horizons, calibration);
    });
    if (flags.dataset !== undefined) await writeDataset(path.resolve(flags.dataset), dataset);
    if (flags.report !== undefined) {
      const { renderTearSheet } = await import('../../learning/tear-sheet-html');
      await cli.writeReport(flags.report, 'tear-sheet', renderTearSheet(sheet, from, to, calibration === undefined ? undefined : formatCalibrationWeights(calibration)), sheet, flags.json);
    }
    cli.println(flags.json ? JSON.stringify(sheet, null, 2) : formatTearSheet(sheet));
    if (calibration !== undefined && !flags.json) cli.println(formatCalibrationWeights(calibration));
  });
}
