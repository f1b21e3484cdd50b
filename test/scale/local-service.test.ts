import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Signal } from '../../core/domain/domain';
import { ROOT, findRealData, runCliAsync, tempDir, writeJson } from '../helpers';
import { json, serve } from '../service/serving';
import { eventually } from '../servers';

const SYMBOLS = ['AAPL', 'AMZN', 'CAT', 'ABBV', 'CHK', 'AAL'];

/** The ids of the signals one in-process cycle gives on `data` (the reference a sharded service must match). */
async function cycleIds(dir: string, data: string): Promise<string[]> {
  const result = await runCliAsync(['run', '--data', data, '--set', 'storage.plugin=memory', '--set', 'consensus.minConfidence=55', '--json'], { cwd: dir });
  expect(result.code, result.stderr).to.equal(0);
  return (JSON.parse(result.stdout).results as { signal: Signal | null }[]).flatMap((r) => (r.signal === null ? [] : [r.signal.id])).sort();
}

describe('serve --processes: a service over child processes it keeps', function () {
  this.timeout(120_000);
  const real = findRealData();
  before(function () {
    if (real === undefined) this.skip();
  });

  it("stores one process's signals, continues each child's indicator state on new bars, and starts a killed child again", async () => {
    const dir = tempDir();
    const data = path.join(dir, 'bars');
    mkdirSync(data);
    const rest = new Map<string, string[]>();
    for (const symbol of SYMBOLS) {
      const lines = readFileSync(path.join(real!, `${symbol}.csv`), 'utf8').trim().split('\n');
      writeFileSync(path.join(data, `${symbol}.csv`), `${lines.slice(0, 1000).join('\n')}\n`);
      rest.set(symbol, lines.slice(1000, 1002));
    }
    const service = await serve(dir, ['storage.plugin=memory', 'consensus.minConfidence=55', 'service.schedule.every=200ms'], { args: ['--data', data, '--processes', '2'] });
    const storedIds = async () => ((await json(`${service.url}/v1/signals?limit=1000`)).body.signals as Signal[]).map((s) => s.id).sort();
    const evaluated = async () => (await json(`${service.url}/v1/shards`)).body.counts.evaluated as number;
    try {
      await eventually('a sharded cycle', async () => (await evaluated()) >= 2);
      const first = await cycleIds(dir, data);
      expect(first.length).to.be.greaterThan(0);
      expect(await storedIds()).to.deep.equal(first);

      for (const [symbol, lines] of rest) appendFileSync(path.join(data, `${symbol}.csv`), `${lines.join('\n')}\n`);
      const appended = await cycleIds(dir, data);
      const expected = [...new Set([...first, ...appended])].sort();
      expect(expected.length, 'the new bars give new signals').to.be.greaterThan(first.length);
      await eventually('the signals of the appended bars', async () => JSON.stringify(await storedIds()) === JSON.stringify(expected));

      // A symbol joins the universe: the shards are dealt again, and the children evaluate all seven.
      writeFileSync(path.join(data, 'CAT2.csv'), readFileSync(path.join(data, 'CAT.csv')));
      await eventually('a cycle of seven symbols', async () => (await json(`${service.url}/v1/cycles?limit=1`)).body.cycles[0]?.stats.symbolsEvaluated === 7);

      const children = execFileSync('pgrep', ['-P', String(service.child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
      expect(children).to.have.length(2);
      process.kill(children[0], 'SIGKILL');
      const after = await evaluated();
      await eventually('cycles served again by a new child', async () => (await evaluated()) >= after + 4);
      const now = execFileSync('pgrep', ['-P', String(service.child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
      expect(now).to.have.length(2).and.not.include(children[0]);
    } finally {
      service.child.kill('SIGTERM');
      expect(await service.exited).to.equal(143);
    }
  });

  it('fails the shard of a child that dies mid-shard with ARGO_ERR_SHARD_FAILED naming it, visible at /v1/shards and /readyz', async () => {
    const dir = tempDir();
    const plugin = path.join(ROOT, 'test', 'fixtures', 'plugins', 'shard-fault-source.js');
    const config = writeJson(dir, 'fault.json', { sources: [{ name: 'fault', plugin, weight: 1, options: { fault: 'kill' } }] });
    const service = await serve(dir, ['storage.plugin=memory', 'symbols=AAA,BBB', 'service.schedule.every=200ms'], { args: ['-c', config, '--processes', '1'] });
    try {
      await eventually('a failed shard', async () => (await json(`${service.url}/v1/shards`)).body.failures.length > 0);
      const { failures, counts } = (await json(`${service.url}/v1/shards`)).body;
      expect(counts.failed).to.be.greaterThan(0);
      expect(failures[0].error).to.match(/^ARGO_ERR_SHARD_FAILED: shard \S+ \(2 symbols\): its child process \d+ ended \(SIGKILL\) without an answer/);
      await eventually('/readyz 503', async () => (await json(`${service.url}/readyz`)).status === 503);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('fails the shard of a stopped child after distributed.timeoutMs, starts the child again, and still stops on SIGTERM with 143', async () => {
    const dir = tempDir();
    const service = await serve(dir, ['storage.plugin=memory', 'symbols=AAA,BBB', 'service.schedule.every=1h', 'distributed.timeoutMs=2000'], { args: ['--processes', '1'] });
    try {
      expect((await json(`${service.url}/v1/cycles`, { method: 'POST' })).body.error).to.equal(null);
      const [stoppedChild] = execFileSync('pgrep', ['-P', String(service.child.pid)], { encoding: 'utf8' }).trim().split('\n').map(Number);
      process.kill(stoppedChild, 'SIGSTOP');
      const cycle = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      expect(cycle.error).to.contain('ARGO_ERR_SHARD_FAILED').and.contain('no answer within distributed.timeoutMs (2000 ms)');
      expect((await json(`${service.url}/v1/cycles`, { method: 'POST' })).body.error, 'a new child takes over').to.equal(null);
    } finally {
      service.child.kill('SIGTERM');
      expect(await service.exited).to.equal(143);
    }
  });
});
