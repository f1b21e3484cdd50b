import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type sqlite3 from 'sqlite3';
import type { Storage } from '../../../core/plugin-system/plugin-contracts';
import { validateOptions } from '../../../core/plugin-system/plugin-loader';
import { createLogger } from '../../../core/util/logger';
import sqlite from '../../../plugins/storage/sqlite';
import { Connection } from '../../../plugins/storage/sqlite/connection';
import { MIGRATIONS, SCHEMA_VERSION, migrate } from '../../../plugins/storage/sqlite/schema';
import { WriteQueue } from '../../../plugins/storage/sqlite/write-queue';
import { ROOT, argoErrorOf, makeSignal, runCliAsUser, tempDir } from '../../helpers';
import pino from 'pino';
import { Writable } from 'node:stream';

const QUEUE_OPTIONS = { runId: 'run-1', flushMs: 600000, maxQueue: 10000, maxRetries: 0, retryBaseMs: 1, logger: createLogger('silent') };

/** Takes the write lock on another connection and gives it back after `ms`. */
async function holdWriteLock(file: string, ms: number): Promise<{ released: Promise<void> }> {
  const blocker = await Connection.open(file, 'readwrite', 1000);
  await blocker.exec('BEGIN IMMEDIATE');
  return { released: sleep(ms).then(() => blocker.exec('COMMIT')).then(() => blocker.close()) };
}

type Opened = Storage & Required<Pick<Storage, 'flush' | 'updateReasoning'>>;

async function open(file: string, overrides: Record<string, unknown> = {}): Promise<Opened> {
  const options = validateOptions(sqlite, { path: file, ...overrides }, 'storage');
  return (await sqlite.create({ options, resolvePath: (p: string) => p, runId: 'run-1', logger: createLogger('silent') } as never)) as Opened;
}

async function count(file: string, where = '1 = 1'): Promise<number> {
  const reader = await Connection.open(file, 'readonly', 1000);
  const [{ n }] = await reader.all<{ n: number }>(`SELECT count(*) AS n FROM signals WHERE ${where}`);
  await reader.close();
  return n;
}

describe('sqlite storage', () => {
  it('acknowledges a save only once the signal is committed, readable from another connection', async () => {
    const file = path.join(tempDir(), 'db', 'signals.db');
    const storage = await open(file, { flushMs: 20 });
    await storage.save(makeSignal('a'));
    expect(await count(file)).to.equal(1);
    const [stored] = await storage.querySignals({});
    expect(stored).to.deep.equal(makeSignal('a'));
    await storage.close();
  });

  it('writes a batch as soon as batchSize signals wait, without waiting for the timer', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const storage = await open(file, { batchSize: 3, flushMs: 600000 });
    await Promise.all(['a', 'b', 'c'].map((id) => storage.save(makeSignal(id))));
    expect(await count(file)).to.equal(3);
    let fourthDone = false;
    const fourth = storage.save(makeSignal('d')).then(() => (fourthDone = true));
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(fourthDone, 'a lone signal waits for its batch').to.equal(false);
    await storage.flush();
    await fourth;
    expect(await count(file)).to.equal(4);
    await storage.close();
  });

  it('is idempotent on the signal id: a signal saved again, even by another run, is stored once', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const first = await open(file, { batchSize: 2 });
    await Promise.all([first.save(makeSignal('a')), first.save(makeSignal('b'))]);
    await first.close();
    const retry = await open(file, { batchSize: 2 });
    await Promise.all([retry.save(makeSignal('a')), retry.save(makeSignal('c'))]);
    await retry.close();
    expect(await count(file)).to.equal(3);
  });

  it('updates reasoning and its status in batches', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const storage = await open(file);
    await storage.save(makeSignal('a', 'AAPL', '2017-01-03', { reasoning: 'pending…', reasoningStatus: 'pending' }));
    await storage.updateReasoning([{ id: 'a', reasoning: 'because', status: 'done' }]);
    const [stored] = await storage.querySignals({ symbol: 'AAPL' });
    expect(stored).to.include({ reasoning: 'because', reasoningStatus: 'done' });
    await storage.close();
  });

  it('queries by symbol and date range in date order, and lists runs', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const storage = await open(file);
    const writes = [
      storage.save(makeSignal('1', 'CAT', '2017-01-04')),
      storage.save(makeSignal('2', 'AAPL', '2017-01-04')),
      storage.save(makeSignal('3', 'AAPL', '2017-01-02')),
      storage.saveRun({ id: 'r', configHash: 'h', startedAt: '2017', finishedAt: '2018', stats: { signals: 3 } }),
    ];
    await storage.flush();
    await Promise.all(writes);
    expect((await storage.querySignals({})).map((s) => s.id)).to.deep.equal(['3', '2', '1']);
    expect((await storage.querySignals({ symbol: 'AAPL', from: '2017-01-03' })).map((s) => s.id)).to.deep.equal(['2']);
    expect(await storage.querySignals({ limit: 1 })).to.have.length(1);
    expect(await storage.queryRuns()).to.deep.equal([{ id: 'r', configHash: 'h', startedAt: '2017', finishedAt: '2018', stats: { signals: 3 } }]);
    await storage.close();
  });

  it('makes save wait for room when maxQueue writes are queued (backpressure)', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const writer = await Connection.open(file, 'readwrite', 1000);
    await migrate(writer, file);
    const queue = new WriteQueue(writer, {
      runId: 'r',
      batchSize: 10,
      flushMs: 600000,
      maxQueue: 3,
      maxRetries: 0,
      retryBaseMs: 1,
      deadLetterFile: `${file}.dead-letter.jsonl`, database: file,
      logger: createLogger('silent'),
    });
    const saves = Array.from({ length: 5 }, (_, i) => queue.enqueue({ kind: 'signal', signal: makeSignal(`s${i}`) }));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(queue.length).to.equal(3);
    await queue.close();
    await Promise.all(saves);
    expect(await count(file)).to.equal(5);
    await writer.close();
  });

  it('lets readers query while batches are written, and they never see part of a batch', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const storage = await open(file, { batchSize: 25, flushMs: 600000, pool: { readers: 2, idleMs: 1000 } });
    const writes = Array.from({ length: 1000 }, (_, i) => storage.save(makeSignal(`s${i}`, 'AAPL', `2017-01-${String((i % 28) + 1).padStart(2, '0')}`)));
    const seen: number[] = [];
    let done = false;
    const all = Promise.all(writes).then(() => (done = true));
    while (!done) seen.push((await storage.querySignals({})).length);
    await all;
    expect(seen.length).to.be.greaterThan(1);
    for (const n of seen) expect(n % 25, `a reader saw ${n} rows`).to.equal(0);
    expect(await count(file)).to.equal(1000);
    await storage.close();
  });

  it('copies the WAL into the database in the background while writing, long before the WAL reaches walMaxPages', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const storage = await open(file, { batchSize: 50, flushMs: 600000 });
    const reasoning = 'x'.repeat(1000);
    await Promise.all(Array.from({ length: 3000 }, (_, i) => storage.save(makeSignal(`s${i}`, `S${i % 100}`, '2017-01-03', { reasoning }))));
    // Left to SQLite's own checkpoint at walMaxPages (4,000 pages), all ~4 MB would still sit in the WAL.
    expect(statSync(file).size, 'the database file holds checkpointed rows').to.be.greaterThan(2_000_000);
    await storage.close();
    expect(await count(file)).to.equal(3000);
  });

  it('retries through a lock held by another connection', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const storage = await open(file, { busyTimeoutMs: 20, retryBaseMs: 10 });
    const lock = await holdWriteLock(file, 150);
    const saved = storage.save(makeSignal('a'));
    void storage.flush();
    await lock.released;
    await saved;
    expect(await count(file)).to.equal(1);
    await storage.close();
  });

  it('says after a second that a write waits for the lock, naming the process that holds it', async () => {
    const file = path.join(tempDir(), 'signals.db');
    let logged = '';
    const logger = pino({ level: 'warn' }, new Writable({ write: (chunk, _enc, done) => ((logged += chunk), done()) }));
    const options = validateOptions(sqlite, { path: file, busyTimeoutMs: 5000 }, 'storage');
    const storage = (await sqlite.create({ options, resolvePath: (p: string) => p, runId: 'run-1', logger } as never)) as Opened;
    const lock = await holdWriteLock(file, 2000);
    const saved = storage.save(makeSignal('a'));
    void storage.flush();
    await lock.released;
    await saved;
    await storage.close();
    expect(logged).to.contain('has waited over 1000 ms for the write lock').and.contain(`held by process ${process.pid}`);
    expect(await count(file)).to.equal(1);
  });

  it('closes only after a batch already being written has committed, even while it waits for a lock', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const storage = await open(file, { busyTimeoutMs: 20, retryBaseMs: 10 });
    const lock = await holdWriteLock(file, 150);
    const saved = storage.save(makeSignal('a'));
    void storage.flush();
    await sleep(30);
    await Promise.all([storage.close(), lock.released]);
    await saved;
    expect(await count(file)).to.equal(1);
    expect(existsSync(`${file}.dead-letter.jsonl`)).to.equal(false);
  });

  it('sends a write that keeps failing to the dead-letter file and stores the rest of its batch', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const storage = await open(file, { batchSize: 3, maxRetries: 1, retryBaseMs: 1 });
    const saboteur = await Connection.open(file, 'readwrite', 1000);
    await saboteur.exec(`CREATE TRIGGER poison BEFORE INSERT ON signals WHEN NEW.symbol = 'POISON' BEGIN SELECT RAISE(ABORT, 'injected fault'); END`);
    await saboteur.close();
    const results = await Promise.allSettled([storage.save(makeSignal('a')), storage.save(makeSignal('p', 'POISON')), storage.save(makeSignal('b'))]);
    expect(results.map((r) => r.status)).to.deep.equal(['fulfilled', 'rejected', 'fulfilled']);
    const error = (results[1] as PromiseRejectedResult).reason;
    expect(error.code).to.equal('ARGO_ERR_STORAGE_WRITE');
    expect(error.message).to.contain('injected fault').and.contain('dead-letter');
    const deadLetters = readFileSync(`${file}.dead-letter.jsonl`, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(deadLetters).to.have.length(1);
    expect(deadLetters[0].signal.id).to.equal('p');
    expect(await count(file)).to.equal(2);
    await storage.close();
  });

  it('refuses a file that is not a SQLite database, naming it', async () => {
    const file = path.join(tempDir(), 'notes.db');
    writeFileSync(file, 'this is not a database, just some text that is long enough to be read as a header '.repeat(10));
    const error = await argoErrorOf(() => open(file));
    expect(error.code).to.equal('ARGO_ERR_STORAGE_OPEN');
    expect(error.message).to.contain(file).and.contain('not a SQLite database');
  });

  it('refuses a database written by a newer schema version', async () => {
    const file = path.join(tempDir(), 'future.db');
    const connection = await Connection.open(file, 'readwrite', 1000);
    await connection.exec(`PRAGMA user_version = ${SCHEMA_VERSION + 1}`);
    await connection.close();
    const error = await argoErrorOf(() => open(file));
    expect(error.code).to.equal('ARGO_ERR_STORAGE_SCHEMA');
    expect(error.message).to.contain(`schema version ${SCHEMA_VERSION + 1}`);
  });

  it('lets several processes create one new database at once: each migrates inside its write lock, none fails', async () => {
    const child = path.join(ROOT, 'test', 'fixtures', 'open-storage-child.js');
    for (let round = 0; round < 5; round++) {
      const file = path.join(tempDir(), 'shared.db');
      const startAt = String(Date.now() + 1500);
      const exits = await Promise.all(
        Array.from({ length: 4 }, () => {
          const proc = spawn(process.execPath, [child, file, '5000', startAt]);
          let stderr = '';
          proc.stderr.on('data', (chunk) => (stderr += chunk));
          return new Promise<string>((resolve) => proc.on('close', (code) => resolve(`${code} ${stderr}`)));
        }),
      );
      expect(exits, `round ${round}`).to.deep.equal(['0 ', '0 ', '0 ', '0 ']);
      const reader = await Connection.open(file, 'readonly', 1000);
      const [{ user_version: version }] = await reader.all<{ user_version: number }>('PRAGMA user_version');
      await reader.close();
      expect(version).to.equal(SCHEMA_VERSION);
    }
  });

  it('migrates a version-1 database (before the symbol index and calibrated probabilities) keeping its signals, and pages it by symbol', async () => {
    const file = path.join(tempDir(), 'old.db');
    const old = await Connection.open(file, 'readwrite', 1000);
    // Version 1 as released: the tables and two indexes, user_version 1.
    await old.exec(`${MIGRATIONS[0]} PRAGMA user_version = 1;`);
    await old.run(`INSERT INTO signals VALUES ('old', 'r', 'AAA', '2024-01-02', 'BUY', 'LONG', 80, 100, 96, 106, 'ranging', 'text', 'done', '{}', '[]', 'now')`);
    await old.close();
    const storage = await open(file);
    await storage.save({ ...makeSignal('new', 'AAA'), probability: 0.61, calibration: 'cal-1' });
    await storage.flush?.();
    expect((await storage.readSignalsAfter!(0, { symbol: 'AAA' })).map((s) => [s.seq, s.signal.id, s.signal.probability, s.signal.calibration])).to.deep.equal([
      [1, 'old', undefined, undefined],
      [2, 'new', 0.61, 'cal-1'],
    ]);
    await storage.close();
    const reader = await Connection.open(file, 'readonly', 1000);
    const indexes = await reader.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'index' AND name = 'signals_by_symbol_seq'");
    const [{ user_version: version }] = await reader.all<{ user_version: number }>('PRAGMA user_version');
    await reader.close();
    expect([version, indexes.length]).to.deep.equal([SCHEMA_VERSION, 1]);
  });

  it('names a lock as the cause when the database stays locked while it opens, not a read-only folder', async () => {
    const file = path.join(tempDir(), 'locked.db');
    await (await open(file)).close();
    const blocker = await Connection.open(file, 'readwrite', 1000);
    await blocker.exec('PRAGMA journal_mode = DELETE; BEGIN EXCLUSIVE');
    try {
      const error = await argoErrorOf(() => open(file, { busyTimeoutMs: 1 }));
      expect(error.code).to.equal('ARGO_ERR_STORAGE_BUSY');
      expect(error.message).to.contain(file).and.contain('locked by another connection').and.not.contain('read-only');
    } finally {
      await blocker.exec('COMMIT');
      await blocker.close();
    }
  });

  it("refuses another application's database instead of adding its tables to it, changing nothing", async () => {
    const file = path.join(tempDir(), 'other-app.db');
    const other = await Connection.open(file, 'readwrite', 1000);
    await other.exec("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO customers (name) VALUES ('ada')");
    await other.close();
    const error = await argoErrorOf(() => open(file));
    expect(error.code).to.equal('ARGO_ERR_STORAGE_OPEN');
    expect(error.message).to.contain(file).and.contain("another application's SQLite database").and.contain('customers');
    const reader = await Connection.open(file, 'readonly', 1000);
    const tables = await reader.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'");
    await reader.close();
    expect(tables.map((t) => t.name)).to.deep.equal(['customers']);
  });

  it('refuses a read-only folder at start with exit code 2, writing nothing', () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const readOnly = path.join(dir, 'ro');
    mkdirSync(readOnly);
    chmodSync(readOnly, 0o555);
    const result = runCliAsUser(['run', '--set', `storage.path=${path.join(readOnly, 'signals.db')}`], dir);
    expect(result.code, result.stderr).to.equal(2);
    expect(result.stderr).to.contain('ARGO_ERR_STORAGE_OPEN').and.contain(path.join(readOnly, 'signals.db'));
    expect(existsSync(path.join(readOnly, 'signals.db'))).to.equal(false);
  });
});

describe('sqlite storage batch order', () => {
  it('applies a reasoning update queued in the same batch as its signal', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const storage = await open(file, { batchSize: 50, flushMs: 600000 });
    const writes = [
      storage.save(makeSignal('a', 'AAPL', '2017-01-03', { reasoning: 'pending…', reasoningStatus: 'pending' })),
      storage.updateReasoning([{ id: 'a', reasoning: 'written later', status: 'done' }]),
    ];
    await storage.flush();
    await Promise.all(writes);
    expect((await storage.querySignals({}))[0]).to.include({ reasoning: 'written later', reasoningStatus: 'done' });
    await storage.close();
  });

  it('runs every statement of a multi-statement batch after its BEGIN, never on its own', async () => {
    // sqlite3 starts a prepared statement as soon as it is issued, beside the connection's
    // queue; an INSERT issued together with BEGIN ran first in about 1 batch of 1,000 here.
    const file = path.join(tempDir(), 'signals.db');
    const writer = await Connection.open(file, 'readwrite', 1000);
    await writer.all('PRAGMA journal_mode = WAL');
    await migrate(writer, file);
    const executed: string[] = [];
    (writer as unknown as { db: sqlite3.Database }).db.on('trace', (sql) => executed.push(sql.slice(0, 6)));
    const queue = new WriteQueue(writer, { ...QUEUE_OPTIONS, batchSize: 2, deadLetterFile: `${file}.dead-letter.jsonl`, database: file });
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 5000; i++) {
      writes.push(queue.enqueue({ kind: 'signal', signal: makeSignal(`s${i}`) }));
      writes.push(queue.enqueue({ kind: 'update', update: { id: `s${i}`, reasoning: 'later', status: 'done' } }));
    }
    await Promise.all(writes);
    await queue.close();
    let open = false;
    for (const [i, sql] of executed.entries()) {
      if (sql === 'BEGIN ') open = true;
      else if (sql === 'COMMIT') open = false;
      else expect(open, `statement ${i} (${sql}…) ran outside its transaction`).to.equal(true);
    }
    expect(executed.filter((sql) => sql === 'COMMIT')).to.have.length(5000);
    await writer.close();
    expect(await count(file, "reasoning = 'later'")).to.equal(5000);
  });

  it('writes batches of many different sizes correctly while it keeps only a few prepared statements', async () => {
    const file = path.join(tempDir(), 'signals.db');
    const storage = await open(file, { batchSize: 50, flushMs: 600000 });
    let next = 0;
    for (let size = 1; size <= 20; size++) {
      const writes = Array.from({ length: size }, () => storage.save(makeSignal(`s${next++}`)));
      await storage.flush();
      await Promise.all(writes);
    }
    expect(await count(file)).to.equal(next);
    await storage.close();
  });
});
