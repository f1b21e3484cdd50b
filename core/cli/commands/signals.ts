import type { Command } from 'commander';
import { assertSymbol } from '../../domain/symbols';
import type { Cli } from '../cli';
import { MAX_LIMIT, dateRange, positiveInteger, withConfigFlags, type ConfigFlags } from '../cli-options';
import { formatSignals } from '../format';

/** `argo-signals signals`. */
export function signalsCommand(program: Command, cli: Cli): void {
  withConfigFlags(
    program
      .command('signals')
      .description('query stored signals, in date then symbol order')
      .option('--db <file>', 'SQLite database (default: the configured storage)')
      .option('--symbol <symbol>', 'only this symbol')
      .option('--from <date>', 'from this date, YYYY-MM-DD')
      .option('--to <date>', 'to this date, YYYY-MM-DD')
      .option('--limit <n>', 'at most this many'),
  ).action(async (flags: ConfigFlags & { db?: string; symbol?: string; from?: string; to?: string; limit?: string }) => {
    const query = {
      symbol: flags.symbol === undefined ? undefined : assertSymbol(flags.symbol, '--symbol'),
      ...dateRange(flags),
      limit: flags.limit === undefined ? undefined : positiveInteger(flags.limit, '--limit', MAX_LIMIT),
    };
    const signals = await cli.withStorage(flags, (storage) => storage.querySignals(query));
    cli.println(flags.json ? JSON.stringify(signals, null, 2) : formatSignals(signals));
  });
}
