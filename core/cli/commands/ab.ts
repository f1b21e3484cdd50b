import type { Command } from 'commander';
import type { Cli } from '../cli';
import { collect, parseArm } from '../cli-options';
import { labCommand, runLab, type LabFlags } from '../lab-runner';

/** `argo-signals ab`. */
export function abCommand(program: Command, cli: Cli): void {
  labCommand(
    program
      .command('ab')
      .description('replay the same symbol-days under several configurations and compare them')
      .requiredOption('--arm <NAME:key=value,…>', 'an arm: a name and the settings it changes (repeat, at least two)', collect, []),
  ).action((flags: LabFlags & { arm: string[] }) => runLab(cli, flags, flags.arm.map(parseArm)));
}
