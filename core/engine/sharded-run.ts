import type { LoadedConfig } from '../config/config-loader';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import type { Storage } from '../plugin-system/plugin-contracts';
import type { Logger } from '../util/logger';
import { hashOf } from '../util/stable-hash';
import type { CycleStats } from './cycle-stats';
import { shardsOfSize, shipConfig, splitUniverse, unpackRows, type Shard, type ShardFailure, type ShardPlan, type ShardResult, type ShardRow, type ShardSpan } from './shard-contract';
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

  /**
   * One replay of `from`..`to`: whole or failed. Rows are stored as the shards stream them,
   * each date once every shard still running has sent its rows of that date; what the shards
   * produced is stored also when one fails, and the first failure ends it.
   */
  async replay(from: string, to: string, options: ShardedReplayOptions): Promise<SymbolResult[]> {
    const started = performance.now();
    const universe = await this.parts.universe();
    const shards = this.#shardsOf(universe, { kind: 'range', from, to });
    const merge = new RowMerge(shards.length);
    const kept: SymbolResult[] = [];
    const dates = new Set<string>();
    let storing = Promise.resolve();
    const order = orderOf(universe);
    const release = () => {
      const rows = inOrder(merge.release(), order);
      for (const row of rows) dates.add(row.asOf);
      if (rows.length === 0) return;
      storing = storing.then(() => this.#store(rows, options.onResult, options.keepResults === true ? kept : undefined));
      // Awaited below; observed here so that a failed store is not reported as unhandled meanwhile.
      storing.catch(() => undefined);
    };
    const settled = await Promise.allSettled(
      shards.map((shard, i) =>
        this.plan.runner
          .run(shard, (rows) => {
            merge.add(i, unpackRows(rows));
            release();
          })
          .then((result) => {
            merge.add(i, unpackRows(result.rows));
            return result;
          })
          .finally(() => {
            merge.finish(i);
            release();
          }),
      ),
    );
    const { failures } = this.#account(shards, settled);
    await storing;
    await this.parts.writes.settle(0);
    const { stats } = this.parts;
    stats.cycles += dates.size;
    stats.wallMs = performance.now() - started;
    if (failures.length > 0) throw shardFailure(failures[0], failures.length);
    return kept;
  }

  /** One live cycle: it goes on without the shards that failed (counted and logged); with none left it fails. */
  async cycle(): Promise<SymbolResult[]> {
    const started = performance.now();
    const universe = await this.parts.universe();
    const shards = this.#shardsOf(universe, { kind: 'latest' });
    const { results, failures } = this.#account(shards, await Promise.allSettled(shards.map((shard) => this.plan.runner.run(shard))));
    if (results.length === 0 && failures.length > 0) throw shardFailure(failures[0], failures.length);
    await this.parts.knowStored(results.flatMap((result) => result.rows.dates));
    const kept: SymbolResult[] = [];
    await this.#store(
      inOrder(
        results.map((result) => unpackRows(result.rows)),
        orderOf(universe),
      ),
      undefined,
      kept,
    );
    await this.parts.writes.settle(0);
    this.parts.stats.cycles++;
    this.parts.stats.wallMs += performance.now() - started;
    return kept;
  }

  /** The shards of `universe` under the plan, for `span`. */
  #shardsOf(universe: readonly string[], span: ShardSpan): Shard[] {
    const { plan } = this;
    const groups = plan.count !== undefined ? splitUniverse(universe, plan.count) : shardsOfSize(universe, plan.size ?? universe.length);
    const config = shipConfig(this.parts.config);
    const cycle = this.#cycles++;
    return groups.map((symbols, i): Shard => {
      // The same symbols under the same configuration: a worker holding the key holds a run of exactly these symbols.
      const key = `${config.hash}:${hashOf(symbols)}`;
      return { id: `${this.parts.runId}:${cycle}:${i}`, key, config, symbols, span };
    });
  }

  /** Counts the answered shards' statistics and the failed ones (logged, kept for the API). */
  #account(shards: readonly Shard[], settled: readonly PromiseSettledResult<ShardResult>[]): { results: ShardResult[]; failures: { shard: Shard; error: unknown }[] } {
    const { stats, logger } = this.parts;
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
    return { results, failures };
  }

  /** Stores the signals of `rows` (in date then universe order, as one process would have produced them); a result is made only for whom asks for it. */
  async #store(rows: readonly ShardRow[], onResult?: ShardedReplayOptions['onResult'], keep?: SymbolResult[]): Promise<void> {
    const { writes, storage } = this.parts;
    const { maxPending } = this.parts.config.values.storage;
    for (const row of rows) {
      const stored = row.signal === null ? null : writes.track(storage.save(row.signal), row.signal);
      if (onResult !== undefined || keep !== undefined) {
        const result: SymbolResult = { ...row, stored };
        keep?.push(result);
        if (onResult !== undefined) await onResult(result);
      }
      if (writes.pending > maxPending) await writes.settle(maxPending);
    }
  }
}

/**
 * The rows of several shards, each streamed in date order, released date by date: a date is
 * whole once every shard still running has sent rows past it (a shard's rows come whole
 * cycles at a time) or finished.
 */
class RowMerge {
  readonly #pending: ShardRow[][];
  readonly #through: (string | null)[];
  readonly #finished: boolean[];

  constructor(shards: number) {
    this.#pending = Array.from({ length: shards }, () => []);
    this.#through = new Array<string | null>(shards).fill(null);
    this.#finished = new Array<boolean>(shards).fill(false);
  }

  add(shard: number, rows: readonly ShardRow[]): void {
    if (rows.length === 0) return;
    // concat, not push(...rows): an answer that was not streamed holds every row of its shard, past what a call's arguments take.
    this.#pending[shard] = this.#pending[shard].concat(rows);
    this.#through[shard] = rows[rows.length - 1].asOf;
  }

  finish(shard: number): void {
    this.#finished[shard] = true;
  }

  /** The rows whose dates every shard has sent in full, taken out: each shard's in its order. */
  release(): ShardRow[][] {
    let limit: string | undefined;
    for (let i = 0; i < this.#pending.length; i++) {
      if (this.#finished[i]) continue;
      const through = this.#through[i];
      if (through === null) return [];
      if (limit === undefined || through < limit) limit = through;
    }
    return this.#pending.map((rows, i) => {
      let n = 0;
      while (n < rows.length && (limit === undefined || rows[n].asOf <= limit)) n++;
      this.#pending[i] = rows.slice(n);
      return n === rows.length ? rows : rows.slice(0, n);
    });
  }
}

/** Each symbol's place in `universe`. */
function orderOf(universe: readonly string[]): Map<string, number> {
  return new Map(universe.map((symbol, i) => [symbol, i]));
}

/**
 * Rows of several shards merged into date then universe order: each shard's rows are in that
 * order already (a shard keeps the universe's order of its symbols), so a merge of their heads
 * does what a sort would.
 */
function inOrder(shards: readonly ShardRow[][], order: ReadonlyMap<string, number>): ShardRow[] {
  const runs = shards.filter((rows) => rows.length > 0);
  if (runs.length <= 1) return runs[0] ?? [];
  const before = (a: ShardRow, b: ShardRow) => a.asOf < b.asOf || (a.asOf === b.asOf && order.get(a.symbol)! < order.get(b.symbol)!);
  const merged: ShardRow[] = [];
  const at = runs.map(() => 0);
  for (;;) {
    let best = -1;
    for (let i = 0; i < runs.length; i++) if (at[i] < runs[i].length && (best < 0 || before(runs[i][at[i]], runs[best][at[best]]))) best = i;
    if (best < 0) return merged;
    merged.push(runs[best][at[best]++]);
  }
}
