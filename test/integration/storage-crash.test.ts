import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '../../plugins/storage/sqlite/connection';
import { ROOT, findRealData, runCliAsync, tempDir } from '../helpers';

const CHILD = path.join(ROOT, 'test', 'fixtures', 'crash-replay-child.js');
const DATA = findRealData() ?? 'synthetic';

/** Runs the child until it has acknowledged `killAfter` signals, then sends `signal`; resolves with the acknowledged ids. */
function runUntil(db: string, killAfter: number, signal: NodeJS.Signals): Promise<{ acked: string[]; code: number | null; killedBy: string | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, db, DATA], { stdio: ['ignore', 'pipe', 'pipe'] });
    const acked: string[] = [];
    let buffered = '';
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.stdout.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) if (line.startsWith('ACK ')) acked.push(line.slice(4));
      if (acked.length >= killAfter && child.exitCode === null && !child.killed) child.kill(signal);
    });
    child.on('error', reject);
    child.on('close', (code, killedBy) => (code === 1 ? reject(new Error(stderr)) : resolve({ acked, code, killedBy })));
  });
}

async function query<T>(db: string, sql: string): Promise<T[]> {
  const reader = await Connection.open(db, 'readonly', 2000);
  try {
    return await reader.all<T>(sql);
  } finally {
    await reader.close();
  }
}

describe('sqlite storage under a crash', function () {
  it('keeps every acknowledged signal when the writer is killed with SIGKILL, and a rerun completes without duplicates', async () => {
    if (DATA === 'synthetic') console.log('    (real data absent: replaying synthetic bars)');
    const db = path.join(tempDir(), 'crash.db');
    const crashed = await runUntil(db, 300, 'SIGKILL');
    expect(crashed.killedBy).to.equal('SIGKILL');
    expect(crashed.acked.length).to.be.at.least(300);

    const ids = new Set((await query<{ id: string }>(db, 'SELECT id FROM signals')).map((r) => r.id));
    const lost = crashed.acked.filter((id) => !ids.has(id));
    expect(lost, 'acknowledged but missing').to.deep.equal([]);
    expect(await query(db, 'PRAGMA integrity_check')).to.deep.equal([{ integrity_check: 'ok' }]);

    const rerun = spawnSync(process.execPath, [CHILD, db, DATA], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(rerun.status, rerun.stderr).to.equal(0);
    const produced = Number(/DONE (\d+)/.exec(rerun.stdout)![1]);
    const [{ rows, uniq }] = await query<{ rows: number; uniq: number }>(db, 'SELECT count(*) AS rows, count(DISTINCT id) AS uniq FROM signals');
    expect(rows).to.equal(uniq);
    expect(rows).to.equal(produced);
  });

  for (const [signal, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`writes a full queue before exiting on ${signal}`, async () => {
      const dir = tempDir();
      const db = path.join(dir, `${signal}.db`);
      const out = path.join(dir, 'produced.jsonl');
      const data = DATA === 'synthetic' ? [] : ['--data', DATA];
      const child = spawn(
        process.execPath,
        [
          path.join(ROOT, 'bin', 'argo-signals.js'),
          'replay',
          ...data,
          '--from',
          '2013-01-01',
          '--to',
          '2030-01-01',
          '--out',
          out,
          ...['storage.path=' + db, 'storage.batchSize=100000', 'storage.maxQueue=100000', 'storage.maxPending=100000', 'storage.flushMs=600000', 'consensus.minConfidence=30'].flatMap(
            (pair) => ['--set', pair],
          ),
        ],
        { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      child.stderr.on('data', (chunk) => (stderr += chunk));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const started = Date.now();
      while (Date.now() - started < 30000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        let lines = 0;
        try {
          lines = readFileSync(out, 'utf8').split('\n').length;
        } catch {
          continue;
        }
        if (lines > 200) break;
      }
      child.kill(signal);
      expect(await exited, stderr).to.equal(code);
      expect(stderr).to.contain(`${signal} received`);
      const produced = readFileSync(out, 'utf8').trim().split('\n').map((line) => JSON.parse(line).id as string);
      expect(produced.length).to.be.greaterThan(200);
      const stored = new Set((await query<{ id: string }>(db, 'SELECT id FROM signals')).map((r) => r.id));
      expect(produced.filter((id) => !stored.has(id))).to.deep.equal([]);
      expect((await query<{ n: number }>(db, 'SELECT count(*) AS n FROM runs'))[0].n).to.equal(1);
    });
  }

  it('loses, duplicates and corrupts nothing when eight processes write one database at once', async () => {
    const dir = tempDir();
    const db = path.join(dir, 'shared.db');
    const replays = await Promise.all(
      Array.from({ length: 8 }, (_, seed) =>
        runCliAsync(['replay', '--from', '2024-07-01', '--to', '2024-12-31', '--json', ...[`seed=${seed + 1}`, `storage.path=${db}`, 'consensus.minConfidence=30', 'storage.batchSize=7'].flatMap((pair) => ['--set', pair])], { cwd: dir }),
      ),
    );
    let acknowledged = 0;
    for (const replay of replays) {
      expect(replay.code, replay.stderr).to.equal(0);
      const stats = JSON.parse(replay.stdout);
      expect(stats.storage.failed).to.equal(0);
      acknowledged += stats.storage.acknowledged;
    }
    const [{ rows, uniq }] = await query<{ rows: number; uniq: number }>(db, 'SELECT count(*) AS rows, count(DISTINCT id) AS uniq FROM signals');
    expect(rows).to.equal(uniq);
    expect(rows).to.equal(acknowledged);
    expect(await query(db, 'PRAGMA integrity_check')).to.deep.equal([{ integrity_check: 'ok' }]);
    expect((await query<{ n: number }>(db, 'SELECT count(*) AS n FROM runs'))[0].n).to.equal(8);
  });
});
