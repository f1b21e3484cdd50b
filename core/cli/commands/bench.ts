import { Command, Option } from 'commander';
import path from 'node:path';
import type { Cli } from '../cli';
import { positiveInteger } from '../cli-options';

/** `argo-signals bench`. */
export function benchCommand(program: Command, cli: Cli): void {
  program
    .command('bench')
    .description('run a benchmark and print its figures')
    .addArgument(new Command().createArgument('<name>', 'benchmark').choices(Object.keys(cli.environment.benchmarks)))
    .option('--data <dir>', 'real market data folder (default: ../shared/data/sp500-2013-2018 beside the checkout)')
    .addOption(new Option('--runs <n>', 'runs per measurement; medians are reported').default('3'))
    .option('--json', 'print one JSON object')
    .action(async (name: string, flags: { data?: string; runs: string; json?: boolean }) => {
      const runs = positiveInteger(flags.runs, '--runs', 1000);
      const figures = await cli.environment.benchmarks[name]({
        registry: cli.registry,
        dataDir: flags.data === undefined ? undefined : path.resolve(flags.data),
        runs,
        json: Boolean(flags.json),
        print: flags.json ? (line) => cli.err(`${line}\n`) : cli.println,
      });
      if (flags.json) cli.println(JSON.stringify(figures, null, 2));
    });
}
