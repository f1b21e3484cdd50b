/**
 * The `argo-signals` command line. Built-in plugins and benchmarks are handed in by the
 * bin script, so the core never imports them. Exit codes: 0 ok, 2 usage or config error,
 * 1 runtime failure.
 */
import 'reflect-metadata';
import { Command, CommanderError } from 'commander';
import os from 'node:os';
import { isArgoError, messageOf } from '../errors/errors';
import { registerRuntimes } from '../../workers/register-runtimes';
import { Cli, type CliEnvironment } from './cli';
import { runCommand } from './commands/run';
import { serveCommand } from './commands/serve';
import { replayCommand } from './commands/replay';
import { workerCommand } from './commands/worker';
import { deliverCommand } from './commands/deliver';
import { sinksCommand } from './commands/sinks';
import { signalsCommand } from './commands/signals';
import { runsCommand } from './commands/runs';
import { evaluateCommand } from './commands/evaluate';
import { calibrateCommand } from './commands/calibrate';
import { walkForwardCommand } from './commands/walk-forward';
import { abCommand } from './commands/ab';
import { sweepCommand } from './commands/sweep';
import { configCommand } from './commands/config';
import { errorsCommand } from './commands/errors';
import { pluginsCommand } from './commands/plugins';
import { pluginCommand } from './commands/plugin';
import { benchCommand } from './commands/bench';

/** Every command, in the order `--help` lists them. */
const COMMANDS: readonly ((program: Command, cli: Cli) => void)[] = [
  runCommand,
  serveCommand,
  replayCommand,
  workerCommand,
  deliverCommand,
  sinksCommand,
  signalsCommand,
  runsCommand,
  evaluateCommand,
  calibrateCommand,
  walkForwardCommand,
  abCommand,
  sweepCommand,
  configCommand,
  errorsCommand,
  pluginsCommand,
  pluginCommand,
  benchCommand,
];

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[], environment: CliEnvironment): Promise<number> {
  registerRuntimes();
  const cli = new Cli(environment);
  const program = new Command('argo-signals')
    .description('Turn many independent market-signal sources into trading signals.')
    .exitOverride()
    // Commander's own error line is left out: the coded one (ARGO_ERR_USAGE) says the same once.
    .configureOutput({ writeOut: cli.out, writeErr: cli.err, outputError: () => undefined })
    .showHelpAfterError();
  for (const command of COMMANDS) command(program, cli);

  let code: number;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    code = cli.interruptedBy === undefined ? (cli.checkFailed ? 1 : 0) : 128 + os.constants.signals[cli.interruptedBy];
  } catch (error) {
    code = reportFailure(error, cli.err);
  }
  if (cli.leftRunning) environment.exit?.(code);
  return code;
}

/** Prints what ended the command and gives its exit code: 2 for usage and configuration, the error's own for a coded one, 1 otherwise. */
function reportFailure(error: unknown, err: (text: string) => void): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return 0;
    err(`ARGO_ERR_USAGE: ${error.message.replace(/^error: /, '')}\n`);
    return 2;
  }
  if (isArgoError(error)) {
    err(`${error.message}\n`);
    return error.exitCode;
  }
  err(`argo-signals: unexpected failure: ${messageOf(error)}\n${error instanceof Error ? error.stack : ''}\n`);
  return 1;
}
