import { LRUCache } from 'lru-cache';
import { loadConfig, type LoadedConfig } from '../config/config-loader';
import { statsSince, type StatsReport } from '../engine/cycle-stats';
import { Run } from '../engine/run';
import type { SymbolResult } from '../engine/symbol-pipeline';
import { ArgoError } from '../errors/errors';
import type { PluginRegistry } from '../plugin-system/plugin-registry';
import type { Logger } from '../util/logger';
import type { SecretRedactor } from '../util/secret-redactor';
import { packRows, shipConfig, type Shard, type ShardResult, type ShardRow, type ShippedConfig } from '../engine/shard-contract';
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
  /** Told of the run of each shard while it runs (a worker's SIGTERM stops it after its cycle). */
  readonly onRun?: (run: Run | null) => void;
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

/** The answer to `shard`: its results as rows, each signal as its storage holds it now (with its final text). */
function answer(host: ShardHost, shard: Shard, results: readonly SymbolResult[], storage: ShardStorage, stats: StatsReport): ShardResult {
  const rows = results.map(({ symbol, asOf, rejection, virtualMs, calls, signal }): ShardRow => ({ symbol, asOf, rejection, virtualMs, calls, signal: signal === null ? null : storage.take(signal) }));
  return { shard: shard.id, rows: packRows(rows), stats, worker: host.worker, attempts: 1 };
}

/**
 * Evaluates one shard as the scheduler's run would evaluate its symbols: a range replays
 * them (a fresh run, closed after, so deferred texts are complete in the answer), a live
 * shard evaluates each symbol's latest bar in the run the worker holds for its key.
 */
export async function evaluateShard(host: ShardHost, shard: Shard): Promise<ShardResult> {
  const config = loadShippedConfig(host, shard.config);
  const { span } = shard;
  if (span.kind === 'range') {
    const storage = new ShardStorage();
    const run = await Run.create(config, host.logger, { symbols: shard.symbols, storage });
    host.onRun?.(run);
    const results: SymbolResult[] = [];
    try {
      await run.replay({ from: span.from, to: span.to, onResult: (result) => void results.push(result) });
    } finally {
      host.onRun?.(null);
      await run.close();
    }
    return answer(host, shard, results, storage, run.stats.report());
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
    return answer(host, shard, results, storage, statsSince(before, run.stats.report()));
  } finally {
    if (host.live === undefined) await run.close();
  }
}
