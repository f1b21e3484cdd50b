import type { Command } from 'commander';
import type { Cli } from '../cli';
import { labCommand, runLab, type LabFlags } from '../lab-runner';

/** `argo-signals sweep`. */
export function sweepCommand(program: Command, cli: Cli): void {
  labCommand(
    program
      .command('sweep')
      .description('an A/B test with one arm per value of one setting')
      .requiredOption('--param <key>', 'the config key to vary')
      .requiredOption('--values <v1,v2,…>', 'the values, one arm each'),
  ).action((flags: LabFlags & { param: string; values: string }) =>
    runLab(
      cli,
      flags,
      flags.values.split(',').map((value) => ({ name: `${flags.param}=${value.trim()}`, sets: [`${flags.param}=${value.trim()}`] })),
    ),
  );
}
