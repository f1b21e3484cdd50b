import type { LoadedConfig } from '../config/config-loader';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import type { Storage } from '../plugin-system/plugin-contracts';
import type { Logger } from '../util/logger';
import { hashOf } from '../util/stable-hash';
import type { CycleStats } from './cycle-stats';
import { shardsOfSize, shipConfig, splitUniverse, unpackRows, type Shard, type ShardFailure, type ShardPlan, type ShardResult, type ShardSpan } from './shard-contract';
import type { SymbolResult } from './symbol-pipeline';
import type { WriteTracker } from './write-tracker';

/** What a sharded run takes from the run it serves. */
export interface ShardedRunParts {
  readonly runId: string;
  readonly config: LoadedConfig;
  readonly stats: CycleStats;
  readonly logger: Logger;
  readonly storage: Storage;
  readonly writes: WriteTracker;
  readonly universe: () => Promise<string[]>;
  /** Tells the write tracker which signals of these bar dates are stored already. */
  readonly knowStored: (dates: readonly string[]) => Promise<void>;
}

/** What a sharded replay streams and keeps. */
export interface ShardedReplayOptions {
  readonly onResult?: (result: SymbolResult) => void | Promise<void>;
  readonly keepResults?: boolean;
}

/** The error a sharded run ends with: the first failed shard's, coded. */
function shardFailure({ shard, error }: { shard: Shard; error: unknown }, failed: number): ArgoError {
  const also = failed > 1 ? ` (and ${failed - 1} other shard(s))` : '';
  if (isArgoError(error)) return error;
  return new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id} (${shard.symbols.length} symbols) failed${also}: ${messageOf(error)}`, { cause: error });
}

/**
 * A run's cycles and replays evaluated as shards by the plan's executor (threads, processes,
 * a queue): the universe is split, each shard evaluated elsewhere, and the signals of their
 * rows stored here in date then universe order, as one process would have produced them.
 */
export class ShardedRun {
  #cycles = 0;
  readonly #failures: ShardFailure[] = [];

  constructor(
    readonly plan: ShardPlan,
    private readonly parts: ShardedRunParts,
  ) {}

  /** The latest shards that failed after their attempts (at most 100), newest first. */
  get failures(): readonly ShardFailure[] {
    return this.#failures;
  }

  /** One replay of `from`..`to`: whole or failed; what the other shards produced is stored, and the first failure ends it. */
  async replay(from: string, to: string, options: ShardedReplayOptions): Promise<SymbolResult[]> {
    const started = performance.now();
    const { universe, results, failures } = await this.#evaluate({ kind: 'range', from, to });
    const kept: SymbolResult[] = [];
    await this.#storeRows(universe, results, options.onResult, options.keepResults === true ? kept : undefined);
    const { stats } = this.parts;
    stats.cycles += new Set(results.flatMap((result) => result.rows.dates)).size;
    stats.wallMs = performance.now() - started;
    if (failures.length > 0) throw shardFailure(failures[0], failures.length);
    return kept;
  }

  /** One live cycle: it goes on without the shards that failed (counted and logged); with none left it fails. */
  async cycle(): Promise<SymbolResult[]> {
    const started = performance.now();
    const { universe, results, failures } = await this.#evaluate({ kind: 'latest' });
    if (results.length === 0 && failures.length > 0) throw shardFailure(failures[0], failures.length);
    await this.parts.knowStored(results.flatMap((result) => result.rows.dates));
    const kept: SymbolResult[] = [];
    await this.#storeRows(universe, results, undefined, kept);
    this.parts.stats.cycles++;
    this.parts.stats.wallMs += performance.now() - started;
    return kept;
  }

  /** Hands the universe to the plan's executor as shards and waits for every one; failed shards are counted and given back apart. */
  async #evaluate(span: ShardSpan): Promise<{ universe: string[]; results: ShardResult[]; failures: { shard: Shard; error: unknown }[] }> {
    const { plan } = this;
    const { stats, logger } = this.parts;
    const universe = await this.parts.universe();
    const groups = plan.count !== undefined ? splitUniverse(universe, plan.count) : shardsOfSize(universe, plan.size ?? universe.length);
    const config = shipConfig(this.parts.config);
    const cycle = this.#cycles++;
    const shards = groups.map((symbols, i): Shard => {
      // The same symbols under the same configuration: a worker holding the key holds a run of exactly these symbols.
      const key = `${config.hash}:${hashOf(symbols)}`;
      return { id: `${this.parts.runId}:${cycle}:${i}`, key, config, symbols, span };
    });
    const settled = await Promise.allSettled(shards.map((shard) => plan.runner.run(shard)));
    const results: ShardResult[] = [];
    const failures: { shard: Shard; error: unknown }[] = [];
    settled.forEach((outcome, i) => {
      if (outcome.status === 'fulfilled') {
        results.push(outcome.value);
        stats.absorb(outcome.value.stats);
        stats.shardsEvaluated++;
        stats.shardsRetried += outcome.value.attempts - 1;
      } else {
        failures.push({ shard: shards[i], error: outcome.reason });
        stats.shardsFailed++;
        this.#failures.unshift({ shard: shards[i].id, symbols: shards[i].symbols.length, error: messageOf(outcome.reason), at: new Date().toISOString() });
        this.#failures.length = Math.min(this.#failures.length, 100);
        logger.error({ shard: shards[i].id, symbols: shards[i].symbols.length, err: messageOf(outcome.reason) }, 'shard failed');
      }
    });
    return { universe, results, failures };
  }

  /** Stores the signals of shard rows in date then universe order. */
  async #storeRows(symbols: readonly string[], results: readonly ShardResult[], onResult?: ShardedReplayOptions['onResult'], keep?: SymbolResult[]): Promise<void> {
    const universe = new Map(symbols.map((symbol, i) => [symbol, i]));
    const rows = results.flatMap((result) => unpackRows(result.rows)).sort((a, b) => (a.asOf < b.asOf ? -1 : a.asOf > b.asOf ? 1 : universe.get(a.symbol)! - universe.get(b.symbol)!));
    const { writes, storage } = this.parts;
    const { maxPending } = this.parts.config.values.storage;
    for (const row of rows) {
      const stored = row.signal === null ? null : writes.track(storage.save(row.signal), row.signal);
      const result: SymbolResult = { ...row, stored };
      keep?.push(result);
      await onResult?.(result);
      if (writes.pending > maxPending) await writes.settle(maxPending);
    }
    await writes.settle(0);
  }
}
