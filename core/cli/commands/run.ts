import type { Command } from 'commander';
import type { Cli } from '../cli';
import { assertAllStored, dataOption, dataValues, recordOption, withConfigFlags, type ConfigFlags, type TapeFlags } from '../cli-options';
import { formatRunTable } from '../format';

/** `argo-signals run`. */
export function runCommand(program: Command, cli: Cli): void {
  withConfigFlags(
    program
      .command('run')
      .description('one cycle, each symbol as of its latest bar')
      .addOption(dataOption())
      .addOption(recordOption())
      .option('--deliver', 'then deliver the new signals to every configured sink (docs/delivery.md)'),
  ).action(async (flags: ConfigFlags & TapeFlags & { data?: string; deliver?: boolean }) => {
    const report = await cli.withRun(cli.configInput(flags, dataValues(flags)), (run) => cli.delivering(run, flags.deliver, () => run.cycle()), flags);
    cli.println(flags.json ? JSON.stringify(report, null, 2) : formatRunTable(report));
    assertAllStored(report.stats);
  });
}
