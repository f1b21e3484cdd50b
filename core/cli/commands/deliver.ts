import type { Command } from 'commander';
import type { Cli } from '../cli';
import { positiveInteger, withConfigFlags, type ConfigFlags } from '../cli-options';

/** `argo-signals deliver`. */
export function deliverCommand(program: Command, cli: Cli): void {
  withConfigFlags(
    program
      .command('deliver')
      .description('deliver stored signals to the configured sinks from their cursors (or --from-seq) up to the newest, move the cursors, exit: a cron job\'s catch-up')
      .option('--sink <name>', 'only this sink')
      .option('--from-seq <n>', 'with --sink: deliver again from this signal sequence (its cursor moves back)'),
  ).action(async (flags: ConfigFlags & { sink?: string; fromSeq?: string }) => {
    const config = cli.config(flags);
    const { deliverNow, formatSinks, withDelivery } = await import('../sink-commands');
    const fromSeq = flags.fromSeq === undefined ? undefined : positiveInteger(flags.fromSeq, '--from-seq', Number.MAX_SAFE_INTEGER);
    const states = await withDelivery(config, cli.loggerFor(config), (delivery) => deliverNow(delivery, { only: flags.sink, fromSeq }));
    cli.println(flags.json ? JSON.stringify({ sinks: states }, null, 2) : formatSinks(states));
  });
}
