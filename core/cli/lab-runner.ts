import type { Command } from 'commander';
import path from 'node:path';
import { loadConfig } from '../config/config-loader';
import { Cassette } from '../engine/run-tape';
import { ArgoError } from '../errors/errors';
import type { ArmSpec } from '../lab/ab-lab';
import type { Cli } from './cli';
import { dataOption, dataValues, dateRange, shardPlan, withConfigFlags, withShardOptions, type ConfigFlags, type ShardFlags } from './cli-options';
import { formatAbReport } from './format';
import { progressBar } from './progress';

/** The flags of `ab` and `sweep`. */
export type LabFlags = ConfigFlags & ShardFlags & { from?: string; to?: string; data?: string; baseline?: string; report?: string; cassette?: string };
/** `command` with the flags of an A/B test. */
export const labCommand = (command: Command): Command =>
  withConfigFlags(
    withShardOptions(command, 'replay every arm')
      .option('--from <date>', 'first date, YYYY-MM-DD (required without --cassette)')
      .option('--to <date>', 'last date, YYYY-MM-DD (required without --cassette)')
      .option('--cassette <dir>', 'compare the arms on a recorded live run (written by --record): its cycles, bars and answers')
      .addOption(dataOption())
      .option('--baseline <name>', 'the arm the others are compared with (default: the first)')
      .option('--report <dir>', 'write ab-report.html (charts) and ab-report.json there'),
  );
/** Runs an A/B test of `arms` as the flags say and prints (and writes) its report. */
export async function runLab(cli: Cli, flags: LabFlags, arms: ArmSpec[]): Promise<void> {
  const cassette = flags.cassette === undefined ? undefined : Cassette.read(path.resolve(flags.cassette));
  if (cassette === undefined && (flags.from === undefined || flags.to === undefined)) throw new ArgoError('ARGO_ERR_USAGE', 'an A/B test needs --from and --to (or --cassette DIR)');
  if (cassette !== undefined && (flags.from !== undefined || flags.to !== undefined)) throw new ArgoError('ARGO_ERR_USAGE', '--cassette compares on the recorded cycles: leave out --from and --to');
  const recordedDays = cassette?.cycles.flatMap((cycle) => cycle.map(([, asOf]) => asOf.slice(0, 10))).sort() ?? [];
  const { from, to } = cassette === undefined ? (dateRange(flags) as { from: string; to: string }) : { from: recordedDays[0] ?? '', to: recordedDays.at(-1) ?? '' };
  const base = cli.configInput(flags, dataValues(flags));
  const baseConfig = loadConfig(cli.registry, base);
  const logger = cli.loggerFor(baseConfig);
  const shards = await shardPlan(flags, baseConfig, logger);
  let progress: ReturnType<typeof progressBar> | undefined;
  // Loaded on demand, as the other learning commands are: the lab and its walk-forward serve no other command.
  const { runAbTest } = await import('../lab/ab-lab');
  const report = await runAbTest({
    registry: cli.registry,
    base,
    from,
    to,
    cassette,
    arms,
    shards,
    baseline: flags.baseline,
    logger,
    onCycle: (arm, date, cyclesPerArm) => {
      progress ??= progressBar(cyclesPerArm * arms.length, Boolean(process.stderr.isTTY) && !flags.json);
      progress.tick(`${arm} ${date}`);
    },
  }).finally(() => shards?.runner.close());
  progress?.stop();
  if (flags.report !== undefined) {
    const { renderAbReport } = await import('../lab/ab-report-html');
    await cli.writeReport(flags.report, 'ab-report', renderAbReport(report), report, flags.json);
  }
  cli.println(flags.json ? JSON.stringify(report, null, 2) : formatAbReport(report));
}
