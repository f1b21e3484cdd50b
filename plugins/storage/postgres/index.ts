import type { Pool as PgPool, PoolClient } from 'pg';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ResolvedOutcome, Signal } from '../../../core/domain/domain';
import { urlWithoutPassword } from '../../../core/util/url-without-password';
import { ArgoError, isArgoError, messageOf } from '../../../core/errors/errors';
import { PLUGIN_API_VERSION, defineStoragePlugin } from '../../../core/plugin-system/define-plugin';
import type { CommittedBatch, OutcomeQuery, ReasoningUpdate, RunRecord, SignalQuery, SinkDeadLetter, StoredSignal } from '../../../core/plugin-system/plugin-contracts';
import { SIGNAL_COLUMNS, rowToSignal, signalValues, type SignalRow } from '../sqlite/signal-rows';
import { copySignalRows } from './copy-rows';
import { migratePg } from './pg-schema';
import { reasoningUpdateSql, sinkStatements, type SinkWrite } from '../sink-tables';

interface PostgresOptions {
  url: string;
  urlEnv: string;
  schema: string;
  batchSize: number;
  flushMs: number;
  maxRetries: number;
  retryBaseMs: number;
  poolSize: number;
}

type Job =
  | { kind: 'signal'; signal: Signal; resolve: () => void; reject: (error: unknown) => void }
  | { kind: 'update'; update: ReasoningUpdate; resolve: () => void; reject: (error: unknown) => void }
  | { kind: 'run'; run: RunRecord; resolve: () => void; reject: (error: unknown) => void }
  | { kind: 'outcome'; outcome: ResolvedOutcome; resolve: () => void; reject: (error: unknown) => void }
  | { kind: 'sink'; write: SinkWrite; resolve: () => void; reject: (error: unknown) => void };

/** `sql` with its `?` placeholders numbered as PostgreSQL wants them. */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The WHERE of `query` (and a sequence bound), with its parameters from `$start`. */
function whereOf(query: SignalQuery, afterSeq?: number): { where: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    parts.push(sql.replace('?', `$${params.length}`));
  };
  if (afterSeq !== undefined) add('seq > ?', afterSeq);
  if (query.id !== undefined) add('id = ?', query.id);
  if (query.symbol !== undefined) add('symbol = ?', query.symbol);
  if (query.action !== undefined) add('action = ?', query.action);
  if (query.minConfidence !== undefined) add('confidence >= ?', query.minConfidence);
  if (query.from !== undefined) add('as_of >= ?', query.from);
  // An intraday asOf is a timestamp of that day: it sorts below the day followed by a high character.
  if (query.to !== undefined) add('as_of <= ?', `${query.to}\uffff`);
  if (query.reasoningStatus !== undefined) add('reasoning_status = ?', query.reasoningStatus);
  return { where: parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`, params };
}

/** The outcomes of `query`, newest signal date first. */
function outcomesSql(schema: string, query: OutcomeQuery): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, value: unknown) => {
    params.push(value);
    parts.push(sql.replace('?', `$${params.length}`));
  };
  if (query.symbol !== undefined) add('symbol = ?', query.symbol);
  if (query.horizon !== undefined) add('horizon = ?', query.horizon);
  if (query.from !== undefined) add('as_of >= ?', query.from);
  if (query.to !== undefined) add('as_of <= ?', `${query.to}\uffff`);
  const where = parts.length === 0 ? '' : `WHERE ${parts.join(' AND ')}`;
  const limit = query.limit === undefined ? '' : ` LIMIT ${Math.floor(query.limit)}`;
  return { sql: `SELECT outcome FROM ${schema}.outcomes ${where} ORDER BY as_of DESC, symbol${limit}`, params };
}

/**
 * PostgreSQL storage on pg, pooled. Group commit like sqlite: saves wait in a queue and go in
 * batches (by size, or `flushMs` after the first), one multi-row INSERT … ON CONFLICT (id) DO
 * NOTHING per batch inside a transaction, acknowledged after COMMIT, retried with backoff. A
 * transaction-scoped advisory lock serializes writers across processes, so `seq` (BIGSERIAL)
 * becomes visible in ascending order and cursors neither skip nor repeat.
 */
export default defineStoragePlugin<PostgresOptions>({
  name: 'postgres',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'PostgreSQL through a pg pool: batched group commit, idempotent by id, write-ordered sequences, migrations.',
  options: {
    url: { doc: 'Connection URL (postgres://user@host:port/db); prefer urlEnv when it holds a password.', format: String, default: 'postgres://127.0.0.1:5432/test' },
    urlEnv: { doc: 'Environment variable holding the URL instead (its password is never printed).', format: String, default: 'ARGO_PG_URL' },
    schema: { doc: 'Schema holding the tables (created).', format: String, default: 'argo_signals' },
    batchSize: { doc: 'Writes per transaction.', format: 'nat', default: 100 },
    flushMs: { doc: 'A batch is written at the latest this many ms after its first write.', format: 'nat', default: 200 },
    maxRetries: { doc: 'Retries of a failing batch before its writes are rejected.', format: 'nat', default: 5 },
    retryBaseMs: { doc: 'First retry delay; doubled each retry, with jitter.', format: 'nat', default: 100 },
    poolSize: { doc: 'Connections in the pool.', format: 'nat', default: 4 },
  },
  async create({ options, env, runId, readOnly, logger }) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(options.schema)) throw new ArgoError('ARGO_ERR_PLUGIN_OPTIONS', `storage.schema: ${JSON.stringify(options.schema)} must be a lower-case SQL identifier`);
    const url = env[options.urlEnv]?.trim() || options.url;
    const where = `storage.url: ${urlWithoutPassword(url)}`;
    const { Pool } = require('pg') as { Pool: typeof PgPool };
    const pool = new Pool({ connectionString: url, max: Math.max(1, options.poolSize), connectionTimeoutMillis: 5000 });
    // An idle client that loses its server emits 'error' on the pool: logged, the pool replaces it.
    pool.on('error', (error) => logger.warn({ err: messageOf(error) }, 'postgres: an idle connection failed'));
    const schema = options.schema;
    let client: PoolClient;
    try {
      client = await pool.connect();
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw new ArgoError('ARGO_ERR_STORAGE_UNAVAILABLE', `${where} cannot be reached: ${messageOf(error).replace(url, urlWithoutPassword(url))}`, { cause: error });
    }
    try {
      if (!readOnly) await migratePg(client, schema, where);
    } catch (error) {
      client.release();
      await pool.end().catch(() => undefined);
      throw isArgoError(error) ? error : new ArgoError('ARGO_ERR_STORAGE_OPEN', `${where}: the schema ${schema} could not be prepared: ${messageOf(error)}`, { cause: error });
    }
    client.release();

    const queue: Job[] = [];
    const committed = new Set<(batch: CommittedBatch) => void>();
    let timer: NodeJS.Timeout | undefined;
    let draining: Promise<void> | undefined;
    let closed: Promise<void> | undefined;
    let inFlight = 0;

    // A connection lost while checked out emits 'error' on its client (the pool listens only to idle ones): without a listener it would end the process.
    const onClientError = (error: Error) => logger.warn({ err: messageOf(error) }, 'postgres: a connection failed while writing');
    const writeBatch = async (batch: readonly Job[]) => {
      const c = await pool.connect();
      c.on('error', onClientError);
      let failed: Error | undefined;
      try {
        await c.query('BEGIN');
        await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`argo-signals:${schema}:write`]);
        const signals = batch.flatMap((job) => (job.kind === 'signal' ? [job.signal] : []));
        if (signals.length > 0) {
          const storedAt = new Date().toISOString();
          await copySignalRows(c, schema, SIGNAL_COLUMNS, signals.map((signal) => signalValues(signal, runId, storedAt)));
        }
        for (const job of batch) {
          if (job.kind === 'update') await c.query(numbered(reasoningUpdateSql(`${schema}.`)), [job.update.reasoning, job.update.status, job.update.id]);
          if (job.kind === 'sink') for (const [sql, params] of sinkStatements(job.write, `${schema}.`)) await c.query(numbered(sql), params);
          if (job.kind === 'outcome') {
            const { signalId, horizon, symbol, asOf } = job.outcome;
            await c.query(`INSERT INTO ${schema}.outcomes VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`, [signalId, horizon, symbol, asOf, JSON.stringify(job.outcome)]);
          }
          if (job.kind === 'run') {
            const { id, configHash, startedAt, finishedAt, stats } = job.run;
            await c.query(`INSERT INTO ${schema}.runs VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING`, [id, configHash, startedAt, finishedAt, JSON.stringify(stats)]);
          }
        }
        await c.query('COMMIT');
      } catch (error) {
        failed = error instanceof Error ? error : new Error(messageOf(error));
        await c.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        c.off('error', onClientError);
        // A connection that failed is destroyed, not handed to the next batch.
        c.release(failed);
      }
    };

    const commit = async (batch: readonly Job[]) => {
      for (let attempt = 0; ; attempt++) {
        const started = performance.now();
        try {
          await writeBatch(batch);
          for (const listener of committed) listener({ writes: batch.length, ms: performance.now() - started });
          for (const job of batch) job.resolve();
          return;
        } catch (error) {
          if (attempt >= options.maxRetries) {
            const failure = new ArgoError('ARGO_ERR_STORAGE_WRITE', `${where}: a batch of ${batch.length} writes failed ${attempt + 1} times: ${messageOf(error)}`, { cause: error });
            for (const job of batch) job.reject(failure);
            return;
          }
          logger.warn({ err: messageOf(error), attempt: attempt + 1, writes: batch.length }, 'postgres batch failed, retrying');
          await sleep(options.retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2));
        }
      }
    };

    // One drain at a time. Its end is cleared in a `finally` callback, which always runs after the
    // assignment: clearing it inside a body that finishes synchronously (an empty queue) would run
    // before the assignment, leave a settled drain in place, and no later write would be drained.
    const drain = (): Promise<void> => {
      if (draining === undefined && queue.length > 0) {
        draining = (async () => {
          while (queue.length > 0) {
            const batch = queue.splice(0, Math.max(1, options.batchSize));
            inFlight += batch.length;
            await commit(batch).finally(() => (inFlight -= batch.length));
          }
        })().finally(() => (draining = undefined));
      }
      return draining ?? Promise.resolve();
    };

    const enqueue = (job: Job) => {
      if (closed !== undefined) return job.reject(new ArgoError('ARGO_ERR_STORAGE_CLOSED', `${where}: the storage is closed`));
      queue.push(job);
      if (queue.length >= options.batchSize) void drain();
      else timer ??= setTimeout(() => ((timer = undefined), void drain()), options.flushMs);
    };
    const job = <K extends Job['kind']>(kind: K, body: Record<string, unknown>) =>
      new Promise<void>((resolve, reject) => enqueue({ kind, ...body, resolve, reject } as unknown as Job));

    const read = <T extends object>(sql: string, params: unknown[]) => pool.query<T>(sql, params).then((r) => r.rows);
    const refuse = () => Promise.reject(new ArgoError('ARGO_ERR_STORAGE_WRITE', `${where}: opened read-only, for queries; nothing is written`));

    return {
      save: readOnly ? refuse : (signal) => job('signal', { signal }),
      saveRun: readOnly ? refuse : (run) => job('run', { run }),
      async updateReasoning(updates) {
        await Promise.all(updates.map((update) => job('update', { update })));
      },
      async flush() {
        clearTimeout(timer);
        timer = undefined;
        await drain();
      },
      async querySignals(query) {
        const { where: filter, params } = whereOf(query);
        const limit = query.limit === undefined ? '' : ` LIMIT ${Math.floor(query.limit)}`;
        return (await read<SignalRow>(`SELECT * FROM ${schema}.signals ${filter} ORDER BY as_of, symbol${limit}`, params)).map(rowToSignal);
      },
      async readSignalsAfter(afterSeq, query): Promise<StoredSignal[]> {
        const { where: filter, params } = whereOf(query, afterSeq);
        const limit = query.limit === undefined ? '' : ` LIMIT ${Math.floor(query.limit)}`;
        const rows = await read<SignalRow & { seq: string }>(`SELECT * FROM ${schema}.signals ${filter} ORDER BY seq${limit}`, params);
        return rows.map((row) => ({ seq: Number(row.seq), signal: rowToSignal(row) }));
      },
      async lastSignalSeq() {
        const [row] = await read<{ seq: string | null }>(`SELECT max(seq) AS seq FROM ${schema}.signals`, []);
        return Number(row?.seq ?? 0);
      },
      readReasoningAfter: async (afterSeq, limit) => {
        const rows = await read<SignalRow & { seq: string; reasoning_seq: string }>(`SELECT * FROM ${schema}.signals WHERE reasoning_seq > $1 ORDER BY reasoning_seq LIMIT ${Math.floor(limit)}`, [afterSeq]);
        return rows.map((row) => ({ seq: Number(row.reasoning_seq), signalSeq: Number(row.seq), signal: rowToSignal(row) }));
      },
      readSinkCursor: async (sink) => {
        const [row] = await read<{ signals: string; reasoning: string }>(`SELECT signals, reasoning FROM ${schema}.sink_cursors WHERE sink = $1`, [sink]);
        return row === undefined ? null : { signals: Number(row.signals), reasoning: Number(row.reasoning) };
      },
      lastReasoningSeq: async () => {
        const [row] = await read<{ seq: string | null }>(`SELECT max(reasoning_seq) AS seq FROM ${schema}.signals`, []);
        return Number(row?.seq ?? 0);
      },
      writeSinkCursor: readOnly ? refuse : (sink, cursor) => job('sink', { write: { op: 'cursor', sink, cursor } }),
      saveSinkDeadLetter: readOnly ? refuse : (letter) => job('sink', { write: { op: 'dead', letter } }),
      deleteSinkDeadLetters: readOnly ? refuse : (ids) => job('sink', { write: { op: 'undead', ids } }),
      querySinkDeadLetters: async (sink) => {
        const rows = await read<{ letter: string }>(`SELECT letter FROM ${schema}.sink_dead_letters ${sink === undefined ? '' : 'WHERE sink = $1'} ORDER BY failed_at, id`, sink === undefined ? [] : [sink]);
        return rows.map((row) => JSON.parse(row.letter) as SinkDeadLetter);
      },
      // A session-level advisory lock on a connection of its own, held while this service delivers for the sink; a killed process's goes with its connection.
      acquireSinkLease: async (sink) => {
        const client = await pool.connect();
        client.on('error', onClientError);
        const { rows } = await client.query<{ ok: boolean }>('SELECT pg_try_advisory_lock(hashtext($1)) AS ok', [`argo-signals:${schema}:sink:${sink}`]);
        if (!rows[0].ok) {
          client.off('error', onClientError);
          client.release();
          return null;
        }
        return async () => {
          await client.query('SELECT pg_advisory_unlock(hashtext($1))', [`argo-signals:${schema}:sink:${sink}`]).catch(() => undefined);
          client.off('error', onClientError);
          client.release();
        };
      },
      saveOutcomes: readOnly ? refuse : async (outcomes) => {
        await Promise.all(outcomes.map((outcome) => job('outcome', { outcome })));
      },
      async queryOutcomes(query) {
        const { sql, params } = outcomesSql(schema, query);
        return (await read<{ outcome: string }>(sql, params)).map((row) => JSON.parse(row.outcome) as ResolvedOutcome);
      },
      async signalsAwaitingOutcome(horizon, from, to, limit) {
        const sql = `SELECT * FROM ${schema}.signals s WHERE as_of >= $1 AND as_of <= $2 AND NOT EXISTS (SELECT 1 FROM ${schema}.outcomes o WHERE o.signal_id = s.id AND o.horizon = $3)
                     ORDER BY as_of DESC, symbol LIMIT ${Math.floor(limit)}`;
        return (await read<SignalRow>(sql, [from, `${to}\uffff`, horizon])).map(rowToSignal);
      },
      async queryRuns() {
        const rows = await read<{ id: string; config_hash: string; started_at: string; finished_at: string; stats: string }>(`SELECT * FROM ${schema}.runs ORDER BY started_at DESC`, []);
        return rows.map((row) => ({ id: row.id, configHash: row.config_hash, startedAt: row.started_at, finishedAt: row.finished_at, stats: JSON.parse(row.stats) }));
      },
      queueDepth: () => queue.length + inFlight,
      onCommit(listener) {
        committed.add(listener);
        return () => committed.delete(listener);
      },
      close() {
        closed ??= (async () => {
          clearTimeout(timer);
          await drain();
          await pool.end();
        })();
        return closed;
      },
    };
  },
});
