import type { Command } from 'commander';
import type { Cli } from '../cli';
import { dataOption, positiveInteger, requiredRange, withConfigFlags, type ConfigFlags } from '../cli-options';

/** `argo-signals walk-forward`. */
export function walkForwardCommand(program: Command, cli: Cli): void {
  withConfigFlags(
    program
      .command('walk-forward')
      .description('calibrate before each test window on the outcomes resolved before it, score it on the window; calibrated against raw confidence')
      .option('--from <date>', 'first date, YYYY-MM-DD')
      .option('--to <date>', 'last date, YYYY-MM-DD')
      .option('--horizon <bars>', 'the forward-return horizon of the outcomes', '10')
      .option('--train-dates <n>', 'trading dates a fit is trained on (the first test window starts after them)', '504')
      .option('--test-dates <n>', 'trading dates in each test window', '63')
      .option('--expanding', 'train on every date before each test window instead of a rolling window')
      .addOption(dataOption()),
  ).action(async (flags: ConfigFlags & { from?: string; to?: string; horizon: string; trainDates: string; testDates: string; expanding?: boolean; data?: string }) => {
    const { from, to } = requiredRange(flags, 'walk-forward');
    const { parseHorizons } = await import('../evaluate-command');
    const { formatWalkForward, walkForwardCalibration } = await import('../calibrate-command');
    const [horizon] = parseHorizons(flags.horizon);
    const range = { from, to, horizon, trainDates: positiveInteger(flags.trainDates, '--train-dates', 100_000), testDates: positiveInteger(flags.testDates, '--test-dates', 100_000), expanding: Boolean(flags.expanding) };
    const input = cli.learningInput(flags);
    const report = await cli.withRun(input, (run) => walkForwardCalibration(run, range));
    cli.println(flags.json ? JSON.stringify(report, null, 2) : formatWalkForward(report));
  });
}
