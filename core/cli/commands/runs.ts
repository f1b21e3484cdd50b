import type { Command } from 'commander';
import type { Cli } from '../cli';
import { withConfigFlags, type ConfigFlags } from '../cli-options';
import { formatRuns } from '../format';

/** `argo-signals runs`. */
export function runsCommand(program: Command, cli: Cli): void {
  withConfigFlags(
    program.command('runs').description('list recorded runs, newest first').option('--db <file>', 'SQLite database (default: the configured storage)'),
  ).action(async (flags: ConfigFlags & { db?: string }) => {
    const runs = await cli.withStorage(flags, (storage) => storage.queryRuns());
    cli.println(flags.json ? JSON.stringify(runs, null, 2) : formatRuns(runs));
  });
}
