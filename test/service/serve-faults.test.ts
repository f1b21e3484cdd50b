import { expect } from 'chai';
import { mkdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '../../plugins/storage/sqlite/connection';
import { ROOT, tempDir } from '../helpers';
import { json, readEvents, serve } from './serving';

/** Many symbols, a low bar, one symbol at a time and an LLM-like text of 100-300 ms each: a cycle of several seconds. */
const SLOW = [
  'data.symbols=' + Array.from({ length: 16 }, (_, i) => `S${String(i).padStart(2, '0')}`).join(','),
  'consensus.minConfidence=1',
  'concurrency=1',
  'reasoning.explainer=simulated-llm',
  'storage.batchSize=1',
];

/** Twenty generated symbols and a low bar: a cycle of many signals. */
const MANY = ['data.symbols=' + Array.from({ length: 20 }, (_, i) => `S${String(i).padStart(2, '0')}`).join(','), 'consensus.minConfidence=1'];

async function storedSignals(dir: string): Promise<{ id: string; reasoning_status: string }[]> {
  const reader = await Connection.open(path.join(dir, 'data', 'argo-signals.db'), 'readonly', 1000);
  try {
    return await reader.all<{ id: string; reasoning_status: string }>('SELECT id, reasoning_status FROM signals ORDER BY rowid');
  } finally {
    await reader.close();
  }
}

describe('serve: stops and crashes', function () {
  this.timeout(120_000);

  it('on SIGTERM in the middle of a cycle lets it finish, stores every signal it acknowledged, and exits 143', async () => {
    const dir = tempDir();
    const service = await serve(dir, ['service.schedule.every=1h', 'reasoning.mode=sync', ...SLOW]);
    const events = await readEvents(`${service.url}/v1/stream`);
    const cycle = fetch(`${service.url}/v1/cycles`, { method: 'POST' }).then((r) => r.json());
    // Mid-cycle for sure: two signals are durable, and at 100-300 ms a text, 14 symbols remain.
    await events.until((received) => received.filter((e) => e.event === 'signal').length >= 2);
    service.child.kill('SIGTERM');
    const finished = (await cycle) as { signals: number; error: string | null };
    expect(await service.exited, service.stderr()).to.equal(143);
    expect(finished.error).to.equal(null);
    const stored = await storedSignals(dir);
    expect(stored).to.have.length(finished.signals);
    const acknowledged = events.events.filter((e) => e.event === 'signal').map((e) => e.data.id);
    expect(stored.map((s) => s.id)).to.include.members(acknowledged);
    events.close();
  });

  it('on SIGTERM with a cycle longer than service.shutdownMs starts no further symbol after it, stores what it acknowledged, and exits 143', async () => {
    const dir = tempDir();
    const many = 'data.symbols=' + Array.from({ length: 60 }, (_, i) => `S${String(i).padStart(2, '0')}`).join(',');
    // 60 symbols at 100-300 ms a text, one at a time: a cycle of about 12 s against 1 s to shut down.
    const service = await serve(dir, ['service.schedule.every=1h', 'reasoning.mode=sync', 'service.shutdownMs=1000', ...SLOW, many]);
    const events = await readEvents(`${service.url}/v1/stream`);
    const cycle = fetch(`${service.url}/v1/cycles`, { method: 'POST' }).then((r) => r.json(), () => null);
    await events.until((received) => received.filter((e) => e.event === 'signal').length >= 2);
    const signalled = Date.now();
    service.child.kill('SIGTERM');
    expect(await service.exited, service.stderr()).to.equal(143);
    expect(Date.now() - signalled, 'ended by the shutdown wait, not by the cycle').to.be.below(6000);
    await cycle;
    const stored = await storedSignals(dir);
    expect(stored.length, 'symbols left for the next run').to.be.below(40);
    const acknowledged = events.events.filter((e) => e.event === 'signal').map((e) => e.data.id);
    expect(stored.map((s) => s.id)).to.include.members(acknowledged);
    expect(service.stderr()).to.contain('cycle cut short by a shutdown');
    events.close();
  });

  it('after kill -9 loses no acknowledged signal, and the next start completes the reasoning left pending', async () => {
    const dir = tempDir();
    const slowTexts = ['reasoning.mode=deferred', 'reasoning.options.minLatencyMs=2000', 'reasoning.options.maxLatencyMs=2000', 'reasoning.deferred.concurrency=1'];
    const first = await serve(dir, ['service.schedule.every=1h', ...SLOW, ...slowTexts]);
    const cycle = await json(`${first.url}/v1/cycles`, { method: 'POST' });
    expect(cycle.body.signals).to.be.greaterThan(3);
    const acknowledged = (await json(`${first.url}/v1/signals?limit=1000`)).body.signals as { id: string; reasoningStatus: string }[];
    expect(acknowledged).to.have.length(cycle.body.signals);
    expect(acknowledged.filter((s) => s.reasoningStatus === 'pending').length, 'texts of 2 s, one at a time: most are pending').to.be.greaterThan(2);
    first.child.kill('SIGKILL');
    expect(await first.exited).to.equal(null);
    const afterKill = await storedSignals(dir);
    expect(afterKill.map((s) => s.id)).to.include.members(acknowledged.map((s) => s.id));
    // Texts of 300 ms one at a time: most are still pending when a client joins the stream of the restarted service.
    const second = await serve(dir, ['service.schedule.every=1h', ...SLOW, 'reasoning.mode=deferred', 'reasoning.options.minLatencyMs=300', 'reasoning.options.maxLatencyMs=300', 'reasoning.deferred.concurrency=1']);
    try {
      const stream = await readEvents(`${second.url}/v1/stream`);
      const pendingIds = async () => ((await json(`${second.url}/v1/signals?limit=1000`)).body.signals as { id: string; reasoningStatus: string }[]).filter((s) => s.reasoningStatus === 'pending').map((s) => s.id);
      const pendingAtJoin = await pendingIds();
      let pending = pendingAtJoin;
      for (let tries = 0; tries < 400 && pending.length > 0; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        pending = await pendingIds();
      }
      expect(pending, 'texts left pending by the killed process').to.deep.equal([]);
      // Each text completed while the client was connected reaches it as a reasoning event.
      await stream.until((events) => pendingAtJoin.every((id) => events.some((e) => e.event === 'reasoning' && e.data.id === id)));
      stream.close();
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited).to.equal(143);
    }
    expect((await storedSignals(dir)).map((s) => s.id)).to.deep.equal(afterKill.map((s) => s.id));
  });

  it('answers 503 on /readyz with the reason while cycles fail, and recovers when they pass', async () => {
    const dir = tempDir();
    const service = await serve(dir, ['service.schedule.every=1h', 'data.plugin=csv-bars', `data.dir=${dir}`]);
    try {
      expect((await json(`${service.url}/v1/cycles`, { method: 'POST' })).body.error).to.equal(null);
      mkdirSync(path.join(dir, 'BOLT.csv'));
      const failed = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      expect(failed.error).to.contain('BOLT');
      const ready = await json(`${service.url}/readyz`);
      expect([ready.status, ready.body.ready]).to.deep.equal([503, false]);
      expect(ready.body.reason).to.contain('the last cycle failed').and.contain('BOLT');
      expect(await (await fetch(`${service.url}/metrics`)).text(), 'the gauge alerting reads').to.match(/^argo_ready 0$/m);
      rmdirSync(path.join(dir, 'BOLT.csv'));
      expect((await json(`${service.url}/v1/cycles`, { method: 'POST' })).body.error).to.equal(null);
      expect((await json(`${service.url}/readyz`)).body).to.deep.equal({ ready: true });
      expect(await (await fetch(`${service.url}/metrics`)).text()).to.match(/^argo_ready 1$/m);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('fails a cycle whose signals the storage did not acknowledge (counted, /readyz says why) and stores them at the next cycle, leaving no hole', async () => {
    const dir = tempDir();
    const outage = path.join(dir, 'OUTAGE');
    const storage = path.join(ROOT, 'test', 'fixtures', 'plugins', 'outage-storage.js');
    const service = await serve(dir, ['service.schedule.every=1h', `storage.plugin=${storage}`, `storage.outageFile=${outage}`, ...MANY]);
    try {
      writeFileSync(outage, '');
      const failed = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      expect(failed.signals).to.be.above(0);
      expect(failed.error).to.contain('ARGO_ERR_STORAGE_WRITE').and.contain(`${failed.signals} signals are not stored`).and.contain('the next cycle');
      const ready = await json(`${service.url}/readyz`);
      expect([ready.status, ready.body.reason]).to.deep.equal([503, `the last cycle failed: ${failed.error}`]);
      expect((await json(`${service.url}/v1/cycles`)).body.counters.failures).to.equal(1);
      expect((await json(`${service.url}/v1/signals`)).body.signals).to.deep.equal([]);
      rmSync(outage);
      const next = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      expect(next.error).to.equal(null);
      expect(next.stats.storage.restored).to.equal(failed.signals);
      // The same bars give the same signals (ids), stored once: every signal of the failed cycle is there.
      const stored = (await json(`${service.url}/v1/signals?limit=500`)).body.signals as { id: string }[];
      expect(new Set(stored.map((signal) => signal.id)).size).to.equal(failed.signals);
      expect((await json(`${service.url}/readyz`)).body).to.deep.equal({ ready: true });
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });
});
