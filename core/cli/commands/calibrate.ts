import type { Command } from 'commander';
import path from 'node:path';
import { assertIsoDate } from '../../domain/symbols';
import type { Cli } from '../cli';
import { dataOption, requiredRange, withConfigFlags, type ConfigFlags } from '../cli-options';

/** `argo-signals calibrate`. */
export function calibrateCommand(program: Command, cli: Cli): void {
  withConfigFlags(
    program
      .command('calibrate')
      .description('fit per-source calibration maps and a combiner on the outcomes resolved in a window; score it there and on a later test window')
      .option('--from <date>', 'first date of the window fitted on, YYYY-MM-DD')
      .option('--to <date>', 'last date: only outcomes resolved by then are used')
      .option('--test-from <date>', 'first date of a test window after --to, scored out of sample')
      .option('--test-to <date>', 'last date of the test window')
      .option('--horizon <bars>', 'the forward-return horizon of the outcomes', '10')
      .option('--out <file>', 'the calibration file', 'calibration.json')
      .addOption(dataOption()),
  ).action(async (flags: ConfigFlags & { from?: string; to?: string; testFrom?: string; testTo?: string; horizon: string; out: string; data?: string }) => {
    const { from, to } = requiredRange(flags, 'calibrate');
    const test = { from: flags.testFrom === undefined ? undefined : assertIsoDate(flags.testFrom, '--test-from'), to: flags.testTo === undefined ? undefined : assertIsoDate(flags.testTo, '--test-to') };
    const { parseHorizons } = await import('../evaluate-command');
    const { calibrate, formatCalibrate, writeCalibration } = await import('../calibrate-command');
    const [horizon] = parseHorizons(flags.horizon);
    const input = cli.learningInput(flags);
    const report = await cli.withRun(input, (run) => calibrate(run, { from, to, testFrom: test.from, testTo: test.to, horizon }));
    const out = path.resolve(flags.out);
    await writeCalibration(out, report.file);
    cli.println(flags.json ? JSON.stringify({ out, ...report }, null, 2) : formatCalibrate(report, out));
  });
}
