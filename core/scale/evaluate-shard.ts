import { LRUCache } from 'lru-cache';
import { loadConfig, type LoadedConfig } from '../config/config-loader';
import { statsSince, type StatsReport } from '../engine/cycle-stats';
import { Run } from '../engine/run';
import type { SymbolResult } from '../engine/symbol-pipeline';
import { ArgoError } from '../errors/errors';
import type { PluginRegistry } from '../plugin-system/plugin-registry';
import type { Logger } from '../util/logger';
import type { SecretRedactor } from '../util/secret-redactor';
import { packRows, shipConfig, type PackedRows, type Shard, type ShardResult, type ShardRow, type ShippedConfig } from '../engine/shard-contract';
import { ShardStorage } from './shard-storage';

/** Where a worker evaluates shards: its plugins, environment (secrets are read from it, never shipped) and logger. */
export interface ShardHost {
  readonly registry: PluginRegistry;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly logger: Logger;
  readonly secrets?: SecretRedactor;
  /** Names the worker in results (`pid@host`, `thread`). */
  readonly worker: string;
  /** Live shards' runs, so a worker that evaluates a shard again continues its indicator state; without it each live shard starts fresh. */
  readonly live?: LiveShards;
  /** Told of the run of each range shard as it starts and once it is over (a worker's SIGTERM stops the runs in progress after their cycle). */
  readonly onRun?: (run: Run, running: boolean) => void;
}

/** The runs of live shards a worker holds, by shard key; the least recently used beyond `max` is closed. */
export class LiveShards {
  readonly #runs: LRUCache<string, { run: Run; storage: ShardStorage }>;

  constructor(max = 64) {
    this.#runs = new LRUCache({ max, dispose: ({ run }) => void run.close().catch(() => undefined) });
  }

  get(key: string) {
    return this.#runs.get(key);
  }

  set(key: string, held: { run: Run; storage: ShardStorage }): void {
    this.#runs.set(key, held);
  }

  get size(): number {
    return this.#runs.size;
  }

  /** Closes every run held. */
  async close(): Promise<void> {
    const held = [...this.#runs.values()];
    this.#runs.clear();
    await Promise.allSettled(held.map(({ run }) => run.close()));
  }
}

/** The scheduler's configuration rebuilt here, refused when a plugin here is not the scheduler's version (its signals could differ). */
export function loadShippedConfig(host: ShardHost, shipped: ShippedConfig): LoadedConfig {
  const config = loadConfig(host.registry, { values: shipped.values, baseDir: shipped.baseDir, env: host.env, secrets: host.secrets });
  const here = shipConfig(config).plugins;
  for (const [key, wanted] of Object.entries(shipped.plugins)) {
    if (here[key] !== wanted) throw new ArgoError('ARGO_ERR_SHARD_CONFIG', `${key}: the scheduler runs ${wanted}, worker ${host.worker} has ${here[key] ?? 'nothing'}; install the same plugin versions everywhere`);
  }
  if (config.hash !== shipped.hash) throw new ArgoError('ARGO_ERR_SHARD_CONFIG', `the configuration hashes to ${config.hash} on worker ${host.worker}, ${shipped.hash} on the scheduler: a plugin's option defaults differ`);
  return config;
}

/** `result` as a row, its signal as its storage holds it now (with its final text). */
function rowOf({ symbol, asOf, rejection, virtualMs, calls, signal }: SymbolResult, storage: ShardStorage): ShardRow {
  return { symbol, asOf, rejection, virtualMs, calls, signal: signal === null ? null : storage.take(signal) };
}

/** The answer to `shard` from this host: its rows and what its run counted. */
function answer(host: ShardHost, shard: Shard, rows: readonly ShardRow[], stats: StatsReport): ShardResult {
  return { shard: shard.id, rows: packRows(rows), stats, worker: host.worker, attempts: 1 };
}

/** Rows a range shard gathers before it sends them on (at the end of a cycle): about 1 MB of signals. */
const STREAMED_ROWS = 2048;

/**
 * Evaluates one shard as the scheduler's run would evaluate its symbols: a range replays
 * them (a fresh run, closed after, so deferred texts are complete in the answer), a live
 * shard evaluates each symbol's latest bar in the run the worker holds for its key. With
 * `onRows`, a range's rows go to it as the cycles produce them, whole cycles at a time in date
 * order, and the answer holds the rest; texts that may still change after a signal is produced
 * (deferred reasoning, `reasoning.maxWaitMs`) keep every row for the answer.
 */
export async function evaluateShard(host: ShardHost, shard: Shard, onRows?: (rows: PackedRows) => void): Promise<ShardResult> {
  const config = loadShippedConfig(host, shard.config);
  const { span } = shard;
  if (span.kind === 'range') {
    const storage = new ShardStorage();
    const run = await Run.create(config, host.logger, { symbols: shard.symbols, storage });
    host.onRun?.(run, true);
    const { mode, maxWaitMs } = config.values.reasoning;
    const stream = onRows !== undefined && mode !== 'deferred' && maxWaitMs === 0 ? onRows : undefined;
    let rows: ShardRow[] = [];
    const results: SymbolResult[] = [];
    try {
      await run.replay({
        from: span.from,
        to: span.to,
        onResult: (result) => void (stream === undefined ? results.push(result) : rows.push(rowOf(result, storage))),
        onCycle: () => {
          if (stream === undefined || rows.length < STREAMED_ROWS) return;
          stream(packRows(rows));
          rows = [];
        },
      });
    } finally {
      host.onRun?.(run, false);
      await run.close();
    }
    // Streamed, the answer holds the rows of the cycles since the last message; otherwise every row, made now that the texts are final.
    const answered = stream === undefined ? results.map((result) => rowOf(result, storage)) : rows;
    return answer(host, shard, answered, run.stats.report());
  }
  let held = host.live?.get(shard.key);
  if (held === undefined) {
    const storage = new ShardStorage();
    held = { run: await Run.create(config, host.logger, { symbols: shard.symbols, storage }), storage };
    host.live?.set(shard.key, held);
  }
  const { run, storage } = held;
  const before = run.stats.report();
  try {
    const { results } = await run.cycle();
    await run.drainReasoning();
    return answer(host, shard, results.map((result) => rowOf(result, storage)), statsSince(before, run.stats.report()));
  } finally {
    if (host.live === undefined) await run.close();
  }
}
