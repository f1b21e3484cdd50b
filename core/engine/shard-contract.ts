/**
 * The unit of work of a scaled-out run: a shard is a run's configuration (shipped by value
 * with its hash), a list of symbols and a span (a date range, or the latest bar of a live
 * cycle). Worker threads, child processes and queue workers all evaluate shards through
 * `evaluateShard` and answer with a {@link ShardResult}, which the scheduler merges.
 */
import type { LoadedConfig } from '../config/config-loader';
import type { StatsReport } from './cycle-stats';
import type { Signal } from '../domain/domain';
import type { SymbolResult } from './symbol-pipeline';
import { hashOf } from '../util/stable-hash';

/** A configuration as a worker receives it: values, the folder its paths resolve against, its hash and the version of each plugin it names. */
export interface ShippedConfig {
  readonly values: Record<string, unknown>;
  readonly baseDir: string;
  readonly hash: string;
  /** By config key: `name@version` of the plugin that key selected on the scheduler. */
  readonly plugins: Readonly<Record<string, string>>;
}

/** What a shard evaluates of its symbols: every trading day of a range, or each one's latest bar (a live cycle). */
export type ShardSpan = { readonly kind: 'range'; readonly from: string; readonly to: string } | { readonly kind: 'latest' };

/** A shard: what a worker evaluates. */
export interface Shard {
  /** Unique within its run and cycle; the queue deduplicates jobs by it. */
  readonly id: string;
  /** The same for the same symbols under the same configuration: a worker keeps a live shard's indicator state under it. */
  readonly key: string;
  readonly config: ShippedConfig;
  readonly symbols: readonly string[];
  readonly span: ShardSpan;
}

/** One symbol-day a shard evaluated: a result without its storage promise, which only the scheduler has. */
export type ShardRow = Omit<SymbolResult, 'stored'>;

/**
 * A shard's rows column by column: a five-year shard has a hundred thousand, and as objects
 * they cost the most to serialize and parse. Strings are stored once and referred to by index.
 */
export interface PackedRows {
  readonly symbols: string[];
  readonly dates: string[];
  readonly rejections: string[];
  readonly symbol: number[];
  readonly date: number[];
  /** -1: no rejection (a signal). */
  readonly rejection: number[];
  readonly calls: number[];
  readonly virtualMs: number[];
  /** Index into `signals`, -1 without one. */
  readonly signalAt: number[];
  readonly signals: Signal[];
}

/** `rows` packed into columns. */
export function packRows(rows: Iterable<ShardRow>): PackedRows {
  const packed: PackedRows = { symbols: [], dates: [], rejections: [], symbol: [], date: [], rejection: [], calls: [], virtualMs: [], signalAt: [], signals: [] };
  const indexes = { symbols: new Map<string, number>(), dates: new Map<string, number>(), rejections: new Map<string, number>() };
  const indexOf = (table: 'symbols' | 'dates' | 'rejections', value: string) => {
    let at = indexes[table].get(value);
    if (at === undefined) indexes[table].set(value, (at = packed[table].push(value) - 1));
    return at;
  };
  for (const row of rows) {
    packed.symbol.push(indexOf('symbols', row.symbol));
    packed.date.push(indexOf('dates', row.asOf));
    packed.rejection.push(row.rejection === null ? -1 : indexOf('rejections', row.rejection));
    packed.calls.push(row.calls);
    packed.virtualMs.push(row.virtualMs);
    packed.signalAt.push(row.signal === null ? -1 : packed.signals.push(row.signal) - 1);
  }
  return packed;
}

/** The rows of `packed`, in the order they were packed. */
export function unpackRows(packed: PackedRows): ShardRow[] {
  return packed.symbol.map((symbol, i) => ({
    symbol: packed.symbols[symbol],
    asOf: packed.dates[packed.date[i]],
    rejection: packed.rejection[i] === -1 ? null : packed.rejections[packed.rejection[i]],
    calls: packed.calls[i],
    virtualMs: packed.virtualMs[i],
    signal: packed.signalAt[i] === -1 ? null : packed.signals[packed.signalAt[i]],
  }));
}

/** A shard's answer: its rows and statistics (storage counts are the scheduler's, which stores the signals). */
export interface ShardResult {
  readonly shard: string;
  readonly rows: PackedRows;
  readonly stats: StatsReport;
  /** Who evaluated it (`pid@host`, `thread`), and how many tries it took (queue workers retry). */
  readonly worker: string;
  readonly attempts: number;
}

/** Evaluates shards somewhere: worker threads, child processes or a queue. */
export interface ShardRunner {
  /** `threads`, `processes` or `queue`, for logs and reports. */
  readonly kind: string;
  /**
   * Evaluates `shard`. A runner that can sends a range's rows to `onRows` as they are
   * produced (whole cycles, in date order) and answers with the rest; one that cannot answers
   * with every row.
   */
  run(shard: Shard, onRows?: (rows: PackedRows) => void): Promise<ShardResult>;
  /** False while the runner cannot take shards (the queue's Redis is away); a service's /readyz says so. */
  ready?(): boolean;
  /** Where shards go, printable (no password). */
  readonly where?: string;
  /** Asks shards in progress to stop after their cycle (SIGTERM of the scheduler); they answer with what they did. */
  stop?(): void;
  /** Workers listening now (a queue's), null when it cannot tell; a service's /readyz and /v1/shards report it. */
  liveWorkers?(): Promise<number | null>;
  close(): Promise<void>;
}

/** A shard that failed after its attempts, as the service's API shows it. */
export interface ShardFailure {
  readonly shard: string;
  readonly symbols: number;
  readonly error: string;
  readonly at: string;
}

/** How a run is split: into `count` shards (local processes or threads), or into shards of `size` symbols (a queue). */
export interface ShardPlan {
  readonly runner: ShardRunner;
  readonly count?: number;
  readonly size?: number;
}

/** `config` as a worker needs it. */
export function shipConfig(config: LoadedConfig): ShippedConfig {
  const plugins: Record<string, string> = {};
  for (const { key, definition } of [...Object.values(config.slots), ...config.sources]) plugins[key] = `${definition.name}@${definition.version}`;
  return { values: config.values as unknown as Record<string, unknown>, baseDir: config.baseDir, hash: config.hash, plugins };
}

/**
 * `symbols` dealt into `count` shards of sizes differing by at most one, in the order of
 * their hashes: the same universe always gives the same shards, whatever its order; within
 * a shard symbols keep the universe's order.
 */
export function splitUniverse(symbols: readonly string[], count: number): string[][] {
  const hashes = new Map(symbols.map((symbol) => [symbol, hashOf(symbol)]));
  const byHash = [...hashes.keys()].sort((a, b) => (hashes.get(a)! < hashes.get(b)! ? -1 : 1));
  const shardOf = new Map(byHash.map((symbol, i) => [symbol, i % count]));
  const shards = Array.from({ length: Math.min(count, symbols.length) }, (): string[] => []);
  for (const symbol of symbols) shards[shardOf.get(symbol)!].push(symbol);
  return shards;
}

/** `symbols` in shards of at most `size` (as few as that allows), split as {@link splitUniverse} does. */
export function shardsOfSize(symbols: readonly string[], size: number): string[][] {
  return splitUniverse(symbols, Math.max(1, Math.ceil(symbols.length / size)));
}
