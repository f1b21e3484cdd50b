/** The flags and options the commands share, and their strict readers (a bad value is ARGO_ERR_USAGE, exit 2). */
import { Command, Option } from 'commander';
import path from 'node:path';
import type { LoadedConfig } from '../config/config-loader';
import { readLeaf } from '../config/config-values';
import { assertIsoDate, assertSymbol } from '../domain/symbols';
import type { StatsReport } from '../engine/cycle-stats';
import type { ShardPlan } from '../engine/shard-contract';
import { storageFailure } from '../engine/write-tracker';
import { ArgoError, messageOf } from '../errors/errors';
import type { ArmSpec } from '../lab/ab-lab';
import { ProcessShardRunner, ThreadShardRunner } from '../scale/local-shards';
import type { Logger } from '../util/logger';

/** The flags every command that reads the configuration takes. */
export interface ConfigFlags {
  config?: string;
  set: string[];
  symbols?: string;
  json?: boolean;
}

/** The most signals one query returns: SQLite's LIMIT takes up to 2^63, but no terminal or program wants more than this at once. */
export const MAX_LIMIT = 1_000_000_000;

export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

export function symbolList(list: string): string {
  return list
    .split(',')
    .map((symbol) => assertSymbol(symbol.trim(), '--symbols'))
    .join(',');
}

export function parseArm(text: string): ArmSpec {
  const at = text.indexOf(':');
  const name = at < 0 ? text : text.slice(0, at);
  if (name.trim() === '') throw new ArgoError('ARGO_ERR_USAGE', `--arm ${JSON.stringify(text)}: expected NAME:key=value[,key=value…]`);
  const sets = at < 0 || text.slice(at + 1).trim() === '' ? [] : text.slice(at + 1).split(',').map((pair) => pair.trim());
  for (const pair of sets) {
    if (!/^[^=]+=/.test(pair)) throw new ArgoError('ARGO_ERR_USAGE', `--arm ${name}: ${JSON.stringify(pair)} is not key=value`);
  }
  return { name: name.trim(), sets };
}

/** The dates of --from and --to, each optional here; refused when not a date or when --from is after --to (replay and signals alike). */
export function dateRange<F extends { from?: string; to?: string }>(flags: F): { from: F['from']; to: F['to'] } {
  const from = flags.from === undefined ? undefined : assertIsoDate(flags.from, '--from');
  const to = flags.to === undefined ? undefined : assertIsoDate(flags.to, '--to');
  if (from !== undefined && to !== undefined && from > to) throw new ArgoError('ARGO_ERR_USAGE_DATE', `--from ${from} is after --to ${to}`);
  return { from, to } as { from: F['from']; to: F['to'] };
}

/** A positive integer option, read by the same strict reader as config values (`1e3` is 1000; `16abc` and 1e20 are refused). */
export function positiveInteger(text: string, flag: string, max: number): number {
  let value: number;
  try {
    value = readLeaf(text, { format: 'nat', default: 1 }, flag) as number;
  } catch (error) {
    throw new ArgoError('ARGO_ERR_USAGE', messageOf(error));
  }
  if (value < 1 || value > max) throw new ArgoError('ARGO_ERR_USAGE', `${flag} must be an integer 1..${max}, was ${text}`);
  return value;
}

export function assertAllStored(stats: StatsReport): void {
  const failure = storageFailure(stats);
  if (failure !== null) throw failure;
}

/** `--record DIR` and `--cassette DIR`: where a run is recorded, or what it replays. */
export interface TapeFlags {
  readonly record?: string;
  readonly cassette?: string;
}

export function recordOption(): Option {
  return new Option('--record <dir>', 'record the bars, every source outcome and text, and the cycles into DIR (one JSON-lines file a run)');
}

/** `--processes N`, `--threads N`, `--distributed`: where the shards of a replay, an A/B test or a service go. */
export interface ShardFlags {
  readonly processes?: string;
  readonly threads?: string;
  readonly distributed?: boolean;
}

export function withShardOptions(command: Command, what: string): Command {
  return command
    .option('--processes <n>', `${what} in N child processes, symbols split by a stable hash; results merged`)
    .option('--threads <n>', `${what} on N worker threads (Piscina), split as --processes`)
    .option('--distributed', `${what} as shards of distributed.shardSize symbols on the BullMQ queue distributed.queue (run \`argo-signals worker\` beside)`);
}

/** The shard plan the flags ask for, or none; refused when more than one is given, or with a recording. */
export async function shardPlan(flags: ShardFlags & TapeFlags, config: LoadedConfig, logger: Logger): Promise<ShardPlan | undefined> {
  const asked = (['processes', 'threads', 'distributed'] as const).filter((flag) => flags[flag] !== undefined);
  if (asked.length === 0) return undefined;
  if (asked.length > 1) throw new ArgoError('ARGO_ERR_USAGE', `--${asked.join(' and --')}: choose one way to shard`);
  if (flags.record !== undefined || flags.cassette !== undefined) throw new ArgoError('ARGO_ERR_USAGE', `--${asked[0]} shards a run over workers; --record and --cassette run in one process`);
  if (flags.processes !== undefined) {
    const count = positiveInteger(flags.processes, '--processes', 256);
    return { runner: new ProcessShardRunner(count, config.values.distributed.timeoutMs), count };
  }
  if (flags.threads !== undefined) {
    const count = positiveInteger(flags.threads, '--threads', 256);
    return { runner: new ThreadShardRunner(count, config.values.distributed.timeoutMs), count };
  }
  // Loaded on demand: BullMQ and ioredis serve no other flag.
  const { QueueShardRunner } = await import('../scale/queue-shards');
  return { runner: await QueueShardRunner.open(config.values.distributed, config.env, logger), size: config.values.distributed.shardSize };
}

/** `--data DIR` of the commands that run the pipeline; {@link dataValues} turns it into config. */
export function dataOption(): Option {
  return new Option('--data <dir>', 'folder of CSV files, one per symbol (same as --set data.dir=…)');
}

/** The config values `--data DIR` stands for. */
export function dataValues(flags: { data?: string }): Record<string, unknown> {
  return flags.data === undefined ? {} : { 'data.dir': path.resolve(flags.data) };
}

export function withConfigFlags(command: Command): Command {
  return command
    .option('-c, --config <file>', 'JSON config file')
    .option('-s, --set <key=value>', 'set a config key (repeatable, wins over file and environment)', collect, [])
    .option('--symbols <list>', 'comma-separated symbols (same as --set symbols=…)')
    .option('--json', 'print one JSON object instead of text');
}

/** --from and --to, which `command` needs. */
export function requiredRange(flags: { from?: string; to?: string }, command: string): { from: string; to: string } {
  const { from, to } = dateRange(flags);
  if (from === undefined || to === undefined) throw new ArgoError('ARGO_ERR_USAGE', `${command} needs --from and --to`);
  return { from, to };
}
