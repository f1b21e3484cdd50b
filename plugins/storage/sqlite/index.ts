import genericPool from 'generic-pool';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ArgoError, isArgoError, messageOf } from '../../../core/errors/errors';
import { PLUGIN_API_VERSION, defineStoragePlugin } from '../../../core/plugin-system/define-plugin';
import type { CommittedBatch, OutcomeQuery, RunRecord, SignalQuery, SinkCursor, SinkDeadLetter, Storage } from '../../../core/plugin-system/plugin-contracts';
import type { ResolvedOutcome } from '../../../core/domain/domain';
import { queryOnlyStorage } from '../../../core/plugin-system/query-only-storage';
import { isDiskFull } from '../../../core/util/disk-full';
import { Checkpointer } from './checkpointer';
import { Connection, isBusy, type SqliteError } from './connection';
import { assertReadable, migrate } from './schema';
import { rowToSignal, type SignalRow } from './signal-rows';
import { WriteQueue } from './write-queue';

interface SqliteOptions {
  path: string;
  batchSize: number;
  flushMs: number;
  maxQueue: number;
  maxRetries: number;
  retryBaseMs: number;
  busyTimeoutMs: number;
  synchronous: 'NORMAL' | 'FULL';
  walMaxPages: number;
  pool: { readers: number; idleMs: number };
}

/** True when this process may create files in `folder` (a missing one counts as not writable). */
function writable(folder: string): boolean {
  try {
    accessSync(folder, constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The error for a database that cannot be opened, naming the cause SQLite or the file system gave, not a guess. */
function openError(file: string, error: unknown, access: 'reading' | 'writing', busyTimeoutMs: number): ArgoError {
  const code = (error as SqliteError).code ?? '';
  const detail = messageOf(error);
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new ArgoError('ARGO_ERR_STORAGE_BUSY', `storage.path: ${file} stayed locked by another connection for storage.busyTimeoutMs (${busyTimeoutMs} ms) while opening it for ${access} (${detail})`, { cause: error });
  }
  if (isDiskFull(error)) return new ArgoError('ARGO_ERR_STORAGE_FULL', `storage.path: ${file} cannot be opened for ${access}: the disk is full (${detail})`, { cause: error });
  const why =
    code === 'SQLITE_NOTADB'
      ? 'is not a SQLite database'
      : code === 'SQLITE_CORRUPT'
        ? `is a corrupt SQLite database (${detail})`
        : access === 'writing' && (code === 'SQLITE_READONLY' || code === 'EACCES' || code === 'EROFS' || !writable(path.dirname(file)))
          ? `cannot be written: its folder or the file is read-only for this user (${detail})`
          : `cannot be opened for ${access} (${detail})`;
  return new ArgoError('ARGO_ERR_STORAGE_OPEN', `storage.path: ${file} ${why}`, { cause: error });
}

/**
 * How a query-only storage opens `file`: read-only, or immutable when SQLite cannot open it
 * read-only (a WAL database whose shared-memory file is gone, in a folder this process
 * cannot write). Creates, migrates and locks nothing.
 */
async function readMode(file: string, busyTimeoutMs: number): Promise<'readonly' | 'immutable'> {
  if (!existsSync(file)) throw new ArgoError('ARGO_ERR_STORAGE_OPEN', `storage.path: ${file} does not exist (nothing has been stored there yet)`);
  const probe = async <M extends 'readonly' | 'immutable'>(mode: M): Promise<M> => {
    const connection = await Connection.open(file, mode, busyTimeoutMs);
    try {
      await assertReadable(connection, file);
      return mode;
    } finally {
      await connection.close().catch(() => undefined);
    }
  };
  const fail = (error: unknown): never => {
    throw isArgoError(error) ? error : openError(file, error, 'reading', busyTimeoutMs);
  };
  return probe('readonly').catch((error: unknown) =>
    /^SQLITE_(READONLY|CANTOPEN)/.test((error as SqliteError).code ?? '') ? probe('immutable').catch(fail) : fail(error),
  );
}

/**
 * Runs `step` again while it fails with a lock error, for up to `busyTimeoutMs`. SQLite skips
 * the busy handler where waiting could deadlock: two processes opening a new file at once
 * both hold a shared lock and both ask for the exclusive one WAL mode needs, and one of them
 * gets SQLITE_BUSY at once. Trying again once the other is done is what waiting would be.
 */
async function untilUnlocked(busyTimeoutMs: number, step: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + busyTimeoutMs;
  for (;;) {
    try {
      return await step();
    } catch (error) {
      if (!isBusy(error) || Date.now() >= deadline) throw error;
      await sleep(5 + Math.random() * 20);
    }
  }
}

/** Opens the writer: creates the file, turns on WAL, checks and migrates the schema. */
async function openWriter(file: string, options: SqliteOptions): Promise<Connection> {
  try {
    mkdirSync(path.dirname(file), { recursive: true });
  } catch (error) {
    throw openError(file, error, 'writing', options.busyTimeoutMs);
  }
  let writer: Connection | undefined;
  try {
    writer = await Connection.open(file, 'readwrite', options.busyTimeoutMs);
    const opened = writer;
    await untilUnlocked(options.busyTimeoutMs, async () => {
      const [{ journal_mode: mode }] = await opened.all<{ journal_mode: string }>('PRAGMA journal_mode = WAL');
      if (mode !== 'wal') throw Object.assign(new Error(`journal mode stayed "${mode}"`), { code: 'SQLITE_CANTOPEN' });
      await opened.exec(`PRAGMA synchronous = ${options.synchronous}; PRAGMA wal_autocheckpoint = ${options.walMaxPages}`);
      await migrate(opened, file);
    });
    return writer;
  } catch (error) {
    await writer?.close().catch(() => undefined);
    throw isArgoError(error) ? error : openError(file, error, 'writing', options.busyTimeoutMs);
  }
}

/** The rows of `query`; `afterSeq` pages in write order (rowid: a single writer hands them out ascending, and no row is deleted). */
function signalsSql(query: SignalQuery, afterSeq?: number): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (afterSeq !== undefined) where.push('rowid > ?') && params.push(afterSeq);
  if (query.id !== undefined) where.push('id = ?') && params.push(query.id);
  if (query.symbol !== undefined) where.push('symbol = ?') && params.push(query.symbol);
  if (query.action !== undefined) where.push('action = ?') && params.push(query.action);
  if (query.minConfidence !== undefined) where.push('confidence >= ?') && params.push(query.minConfidence);
  if (query.from !== undefined) where.push('as_of >= ?') && params.push(query.from);
  // An intraday signal's asOf is a timestamp of that day: it sorts between the day and the day followed by any later character.
  if (query.to !== undefined) where.push('as_of <= ?') && params.push(`${query.to}\uffff`);
  if (query.reasoningStatus !== undefined) where.push('reasoning_status = ?') && params.push(query.reasoningStatus);
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  const limit = query.limit === undefined ? '' : 'LIMIT ?';
  if (query.limit !== undefined) params.push(query.limit);
  const order = afterSeq === undefined ? 'as_of, symbol' : 'rowid';
  return { sql: `SELECT rowid AS seq, * FROM signals ${filter} ORDER BY ${order} ${limit}`, params };
}

/** The outcomes of `query`, newest signal date first. */
function outcomesSql(query: OutcomeQuery): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  if (query.symbol !== undefined) where.push('symbol = ?') && params.push(query.symbol);
  if (query.horizon !== undefined) where.push('horizon = ?') && params.push(query.horizon);
  if (query.from !== undefined) where.push('as_of >= ?') && params.push(query.from);
  if (query.to !== undefined) where.push('as_of <= ?') && params.push(`${query.to}\uffff`);
  const filter = where.length > 0 ? `WHERE ${where.join(' AND ')}` : '';
  if (query.limit !== undefined) params.push(query.limit);
  return { sql: `SELECT outcome FROM outcomes ${filter} ORDER BY as_of DESC, symbol ${query.limit === undefined ? '' : 'LIMIT ?'}`, params };
}

/** The query side of the storage: a bounded pool of connections opened in `mode`. */
function openQueries(
  file: string,
  options: SqliteOptions,
  mode: 'readonly' | 'immutable',
): Pick<
  Storage,
  'querySignals' | 'readSignalsAfter' | 'lastSignalSeq' | 'queryRuns' | 'queryOutcomes' | 'signalsAwaitingOutcome' | 'readReasoningAfter' | 'lastReasoningSeq' | 'readSinkCursor' | 'querySinkDeadLetters' | 'close'
> {
  const readers = genericPool.createPool(
    { create: () => Connection.open(file, mode, options.busyTimeoutMs), destroy: (connection) => connection.close() },
    { max: options.pool.readers, min: 0, idleTimeoutMillis: options.pool.idleMs, evictionRunIntervalMillis: Math.max(1000, options.pool.idleMs) },
  );
  let closed: Promise<void> | undefined;
  return {
    async querySignals(query) {
      const { sql, params } = signalsSql(query);
      const rows = await readers.use((reader) => reader.all<SignalRow>(sql, params));
      return rows.map(rowToSignal);
    },
    async readSignalsAfter(afterSeq, query) {
      const { sql, params } = signalsSql(query, afterSeq);
      const rows = await readers.use((reader) => reader.all<SignalRow & { seq: number }>(sql, params));
      return rows.map((row) => ({ seq: row.seq, signal: rowToSignal(row) }));
    },
    async lastSignalSeq() {
      const [{ seq }] = await readers.use((reader) => reader.all<{ seq: number | null }>('SELECT max(rowid) AS seq FROM signals'));
      return seq ?? 0;
    },
    async queryOutcomes(query) {
      const { sql, params } = outcomesSql(query);
      const rows = await readers.use((reader) => reader.all<{ outcome: string }>(sql, params));
      return rows.map((row) => JSON.parse(row.outcome) as ResolvedOutcome);
    },
    async signalsAwaitingOutcome(horizon, from, to, limit) {
      const sql = `SELECT * FROM signals s WHERE as_of >= ? AND as_of <= ? AND NOT EXISTS (SELECT 1 FROM outcomes o WHERE o.signal_id = s.id AND o.horizon = ?)
                   ORDER BY as_of DESC, symbol LIMIT ?`;
      const rows = await readers.use((reader) => reader.all<SignalRow>(sql, [from, `${to}\uffff`, horizon, limit]));
      return rows.map(rowToSignal);
    },
    async readReasoningAfter(afterSeq, limit) {
      const sql = 'SELECT rowid AS seq, * FROM signals WHERE reasoning_seq > ? ORDER BY reasoning_seq LIMIT ?';
      const rows = await readers.use((reader) => reader.all<SignalRow & { seq: number; reasoning_seq: number }>(sql, [afterSeq, limit]));
      return rows.map((row) => ({ seq: row.reasoning_seq, signalSeq: row.seq, signal: rowToSignal(row) }));
    },
    async readSinkCursor(sink) {
      const [row] = await readers.use((reader) => reader.all<SinkCursor>('SELECT signals, reasoning FROM sink_cursors WHERE sink = ?', [sink]));
      return row === undefined ? null : { signals: row.signals, reasoning: row.reasoning };
    },
    async lastReasoningSeq() {
      const [{ seq }] = await readers.use((reader) => reader.all<{ seq: number | null }>('SELECT max(reasoning_seq) AS seq FROM signals'));
      return seq ?? 0;
    },
    async querySinkDeadLetters(sink) {
      const rows = await readers.use((reader) =>
        reader.all<{ letter: string }>(`SELECT letter FROM sink_dead_letters ${sink === undefined ? '' : 'WHERE sink = ?'} ORDER BY failed_at, id`, sink === undefined ? [] : [sink]),
      );
      return rows.map((row) => JSON.parse(row.letter) as SinkDeadLetter);
    },
    async queryRuns() {
      const rows = await readers.use((reader) =>
        reader.all<{ id: string; config_hash: string; started_at: string; finished_at: string; stats: string }>('SELECT * FROM runs ORDER BY started_at DESC'),
      );
      return rows.map(
        (row): RunRecord => ({ id: row.id, configHash: row.config_hash, startedAt: row.started_at, finishedAt: row.finished_at, stats: JSON.parse(row.stats) }),
      );
    },
    close() {
      closed ??= readers.drain().then(() => readers.clear());
      return closed;
    },
  };
}

/**
 * SQLite storage on the sqlite3 package: one writer connection doing group commit (see
 * {@link WriteQueue}), a bounded pool of read-only connections for queries, WAL journal so
 * readers never see a half-written batch.
 */
export default defineStoragePlugin<SqliteOptions>({
  name: 'sqlite',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'SQLite file: batched, idempotent group commit on one writer, pooled readers, WAL, dead-letter file.',
  options: {
    path: { doc: 'Database file, relative to the config file; created with its folder.', format: String, default: 'data/argo-signals.db' },
    batchSize: { doc: 'Signals per transaction: a batch is written as soon as this many wait.', format: 'nat', default: 10 },
    flushMs: { doc: 'A batch is written at the latest this many ms after its first signal.', format: 'nat', default: 500 },
    maxQueue: { doc: 'Writes that may wait; beyond it save() waits for room (backpressure).', format: 'nat', default: 10000 },
    maxRetries: { doc: 'Retries of a failing batch (lock waits not counted) before its writes go to the dead-letter file.', format: 'nat', default: 3 },
    retryBaseMs: { doc: 'First retry delay; doubled on each retry, with jitter, capped at 2 s.', format: 'nat', default: 50 },
    busyTimeoutMs: { doc: 'How long a connection waits for a lock before SQLITE_BUSY.', format: 'nat', default: 5000 },
    synchronous: { doc: 'PRAGMA synchronous: NORMAL (durable at checkpoints under WAL, fast) or FULL (fsync per commit).', format: ['NORMAL', 'FULL'], default: 'NORMAL' },
    walMaxPages: {
      doc: 'WAL pages at which the writer checkpoints itself; below it a background connection copies the WAL into the database after commits.',
      format: 'nat',
      default: 4000,
    },
    pool: {
      readers: { doc: 'Read-only connections in the query pool.', format: 'nat', default: 2 },
      idleMs: { doc: 'An idle reader is closed after this many ms.', format: 'nat', default: 30000 },
    },
  },
  async create({ options, resolvePath, runId, logger, readOnly }) {
    if (options.batchSize < 1 || options.maxQueue < options.batchSize || options.pool.readers < 1) {
      throw new ArgoError('ARGO_ERR_PLUGIN_OPTIONS', 'storage: batchSize and pool.readers must be at least 1, and maxQueue at least batchSize');
    }
    const file = resolvePath(options.path);
    if (readOnly) return queryOnlyStorage(file, openQueries(file, options, await readMode(file, options.busyTimeoutMs)));
    const writer = await openWriter(file, options);
    const queries = openQueries(file, options, 'readonly');
    const checkpointer = await Checkpointer.open(file, options.busyTimeoutMs, logger);
    const committed = new Set<(batch: CommittedBatch) => void>();
    const onCommit = (batch: CommittedBatch) => {
      checkpointer.request();
      for (const listener of committed) listener(batch);
    };
    const queue = new WriteQueue(writer, { ...options, runId, deadLetterFile: `${file}.dead-letter.jsonl`, database: file, logger, onCommit });
    let closed: Promise<void> | undefined;
    return {
      ...queries,
      queueDepth: () => queue.length,
      deadLetters: () => queue.deadLettered,
      onCommit(listener) {
        committed.add(listener);
        return () => committed.delete(listener);
      },
      save: (signal) => queue.enqueue({ kind: 'signal', signal }),
      saveRun: (run) => queue.enqueue({ kind: 'run', run }),
      writeSinkCursor: (sink, cursor) => queue.enqueue({ kind: 'sink', write: { op: 'cursor', sink, cursor } }),
      saveSinkDeadLetter: (letter) => queue.enqueue({ kind: 'sink', write: { op: 'dead', letter } }),
      deleteSinkDeadLetters: (ids) => queue.enqueue({ kind: 'sink', write: { op: 'undead', ids } }),
      saveOutcomes: async (outcomes) => {
        await Promise.all(outcomes.map((outcome) => queue.enqueue({ kind: 'outcome', outcome })));
      },
      updateReasoning: async (updates) => {
        await Promise.all(updates.map((update) => queue.enqueue({ kind: 'update', update })));
      },
      flush: () => queue.flush(),
      close() {
        closed ??= (async () => {
          await queue.close();
          await queries.close();
          await checkpointer.close();
          await writer.close();
        })();
        return closed;
      },
    };
  },
});
