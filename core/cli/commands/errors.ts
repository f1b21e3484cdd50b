import type { Command } from 'commander';
import { errorsReference } from '../../errors/errors-doc';
import type { Cli } from '../cli';

/** `argo-signals errors`. */
export function errorsCommand(program: Command, cli: Cli): void {
  program
    .command('errors')
    .description('print the reference of every error code (Markdown)')
    .action(() => cli.out(errorsReference()));
}
