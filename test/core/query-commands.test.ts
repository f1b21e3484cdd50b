import { expect } from 'chai';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '../../plugins/storage/sqlite/connection';
import { validateOptions } from '../../core/plugin-system/plugin-loader';
import { createLogger } from '../../core/util/logger';
import sqlite from '../../plugins/storage/sqlite';
import { argoErrorOf, makeSignal, runCli, runCliAsUser, tempDir } from '../helpers';

/** A folder whose data/argo-signals.db holds a two-month replay of the generated demo symbols. */
function replayedFolder(): string {
  const dir = tempDir();
  const { code, stderr } = runCli(['replay', '--from', '2024-11-01', '--to', '2024-12-31'], { cwd: dir });
  expect(code, stderr).to.equal(0);
  return dir;
}

function json<T>(args: readonly string[], cwd: string): T {
  const { code, stdout, stderr } = runCli(args, { cwd });
  expect(code, stderr).to.equal(0);
  return JSON.parse(stdout) as T;
}

type Stored = { symbol: string; asOf: string; reasoningStatus: string };

describe('query commands: signals and runs', () => {
  let dir: string;
  let db: string;
  before(() => {
    dir = replayedFolder();
    db = path.join(dir, 'data', 'argo-signals.db');
  });

  it('lists the stored signals in date order and the run that wrote them', () => {
    const all = json<Stored[]>(['signals', '--json'], dir);
    expect(all.length).to.be.greaterThan(10);
    const dates = all.map((s) => s.asOf);
    expect(dates).to.deep.equal([...dates].sort());
    const runs = json<{ stats: { signals: number }; configHash: string }[]>(['runs', '--db', db, '--json'], dir);
    expect(runs).to.have.length(1);
    expect(runs[0].stats.signals).to.equal(all.length);
    expect(runs[0].configHash).to.match(/^[0-9a-f]{16}$/);
  });

  it('filters by symbol, date range and limit', () => {
    const all = json<Stored[]>(['signals', '--db', db, '--json'], dir);
    const symbol = all[0].symbol;
    const bySymbol = json<Stored[]>(['signals', '--db', db, '--symbol', symbol, '--json'], dir);
    expect(bySymbol.length).to.equal(all.filter((s) => s.symbol === symbol).length).and.be.greaterThan(0);
    expect(bySymbol.every((s) => s.symbol === symbol)).to.equal(true);
    const december = json<Stored[]>(['signals', '--db', db, '--from', '2024-12-01', '--to', '2024-12-31', '--json'], dir);
    expect(december.length).to.equal(all.filter((s) => s.asOf >= '2024-12-01').length).and.be.greaterThan(0);
    expect(json<Stored[]>(['signals', '--db', db, '--limit', '3', '--json'], dir)).to.deep.equal(all.slice(0, 3));
    const table = runCli(['signals', '--db', db, '--limit', '2'], { cwd: dir });
    expect(table.stdout).to.match(/symbol\s+asOf\s+action/);
  });

  it('refuses a reversed date range and a limit out of range with exit 2, as replay does', () => {
    const cases: [string[], string][] = [
      [['signals', '--db', db, '--from', '2024-12-31', '--to', '2024-12-01'], 'ARGO_ERR_USAGE_DATE'],
      [['replay', '--from', '2024-12-31', '--to', '2024-12-01'], 'ARGO_ERR_USAGE_DATE'],
      [['signals', '--db', db, '--limit', '99999999999999999999'], 'ARGO_ERR_USAGE'],
      [['signals', '--db', db, '--limit', '16abc'], 'ARGO_ERR_USAGE'],
      [['signals', '--db', db, '--limit', '0'], 'ARGO_ERR_USAGE'],
    ];
    for (const [args, code] of cases) {
      const result = runCli(args, { cwd: dir });
      expect(result.code, args.join(' ')).to.equal(2);
      expect(result.stderr, args.join(' ')).to.match(new RegExp(`^${code}: `)).and.not.contain('unexpected failure');
    }
    expect(json<Stored[]>(['signals', '--db', db, '--limit', '1e1', '--json'], dir)).to.have.length(10);
  });

  it('reads a database in a folder the user cannot write, changing nothing', () => {
    const shelf = path.join(tempDir(), 'archive');
    mkdirSync(shelf);
    copyFileSync(db, path.join(shelf, 'old.db'));
    chmodSync(path.join(shelf, 'old.db'), 0o444);
    chmodSync(shelf, 0o555);
    chmodSync(path.dirname(shelf), 0o755);
    const result = runCliAsUser(['signals', '--db', path.join(shelf, 'old.db'), '--json'], shelf);
    expect(result.code, result.stderr).to.equal(0);
    expect(JSON.parse(result.stdout)).to.have.length(json<Stored[]>(['signals', '--db', db, '--json'], dir).length);
    expect(readdirSync(shelf)).to.deep.equal(['old.db']);
  });

  it('refuses, without creating or migrating it, a database that is missing or was never written', async () => {
    const empty = tempDir();
    const missing = runCli(['signals', '--set', 'storage.path=nothing/here.db'], { cwd: empty });
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.contain('ARGO_ERR_STORAGE_OPEN').and.contain(path.join(empty, 'nothing', 'here.db')).and.contain('does not exist');
    expect(existsSync(path.join(empty, 'nothing'))).to.equal(false);

    const blank = path.join(empty, 'blank.db');
    const connection = await Connection.open(blank, 'readwrite', 1000);
    await connection.close();
    const unmigrated = runCli(['runs', '--db', blank], { cwd: empty });
    expect(unmigrated.code).to.equal(2);
    expect(unmigrated.stderr).to.contain('ARGO_ERR_STORAGE_SCHEMA').and.contain('schema version 0');
    const reader = await Connection.open(blank, 'readonly', 1000);
    expect(await reader.all("SELECT name FROM sqlite_master WHERE type = 'table'")).to.deep.equal([]);
    await reader.close();
  });

  it('refuses writes through a storage opened for queries, naming the file, and creates no jsonl file', async () => {
    const options = validateOptions(sqlite, { path: db }, 'storage');
    const storage = await sqlite.create({ options, resolvePath: (p: string) => p, runId: 'query', readOnly: true, logger: createLogger('silent') } as never);
    const error = await argoErrorOf(() => storage.save(makeSignal('x')));
    expect(error.code).to.equal('ARGO_ERR_STORAGE_WRITE');
    expect(error.message).to.contain(db).and.contain('read-only');
    await storage.close();

    const empty = tempDir();
    const jsonl = runCli(['signals', '--set', 'storage.plugin=jsonl', '--json'], { cwd: empty });
    expect(jsonl.code, jsonl.stderr).to.equal(0);
    expect(JSON.parse(jsonl.stdout)).to.deep.equal([]);
    expect(readdirSync(empty)).to.deep.equal([]);
  });

  it('leaves the database as a later run finds it: the run still writes to it', () => {
    const { code, stderr } = runCli(['run'], { cwd: dir });
    expect(code, stderr).to.equal(0);
    expect(json<unknown[]>(['runs', '--json'], dir)).to.have.length(2);
    expect(readFileSync(db).subarray(0, 15).toString()).to.equal('SQLite format 3');
  });
});
