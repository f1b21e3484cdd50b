import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { reasoningCacheSuite } from '../../../core/testing';
import redis from '../../../plugins/reasoning-cache/redis';
import { ROOT, tempDir } from '../../helpers';
import { OwnRedis, REDIS_URL, needs, redisAnswers } from '../../servers';
import { json, serve } from '../../service/serving';

const available = redisAnswers();

describe('redis reasoning cache', function () {
  this.timeout(60_000);
  if (!available) {
    it('needs Redis', function () {
      needs(this, `Redis at ${REDIS_URL}`);
    });
    return;
  }

  const namespaceOf = (dir: string) => `kit-${createHash('sha256').update(dir).digest('hex').slice(0, 16)}`;
  reasoningCacheSuite({ describe, it }, redis, { options: (dir, limits) => ({ namespace: namespaceOf(dir), ...limits }) });

  it('explains each text once across two processes asking for it at the same moment (single flight through a Redis claim)', async () => {
    const namespace = `flight-${Date.now().toString(36)}-${process.pid}`;
    const startAt = String(Date.now() + 2000);
    const child = path.join(ROOT, 'test', 'fixtures', 'redis-single-flight-child.js');
    const runs = await Promise.all(
      [0, 1].map(
        () =>
          new Promise<{ calls: number; texts: string[]; report: { joins: number; hits: number } }>((resolve, reject) => {
            const proc = spawn(process.execPath, [child, namespace, startAt, '5']);
            let out = '';
            let err = '';
            proc.stdout.on('data', (chunk) => (out += chunk));
            proc.stderr.on('data', (chunk) => (err += chunk));
            proc.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(err))));
          }),
      ),
    );
    const expected = Array.from({ length: 5 }, (_, i) => `text for S${i}`);
    for (const run of runs) expect(run.texts).to.deep.equal(expected);
    expect(runs[0].calls + runs[1].calls, 'explainer calls in both processes').to.equal(5);
    expect(runs[0].report.joins + runs[1].report.joins, 'texts one process waited for the other to write').to.equal(5);
  });

  it('refuses to start when Redis cannot be reached, naming the URL without its password', async () => {
    const { testContext } = await import('../../../core/testing/test-context');
    const error = await Promise.resolve(redis.create(testContext(redis, { options: { url: 'redis://:s3cretpass@127.0.0.1:1' } }))).catch((e: Error) => e);
    expect(error).to.have.property('code', 'ARGO_ERR_STORAGE_UNAVAILABLE');
    expect((error as Error).message).to.contain('127.0.0.1:1').and.not.contain('s3cretpass');
  });

  it('under serve, an outage of its Redis slows no cycle: texts are written without it, counted, /readyz says degraded, and it is used again once back', async () => {
    const own = await OwnRedis.start();
    const dir = tempDir();
    const symbols = 'data.symbols=' + Array.from({ length: 12 }, (_, i) => `S${String(i).padStart(2, '0')}`).join(',');
    const service = await serve(dir, ['service.schedule.every=1h', 'storage.plugin=memory', 'consensus.minConfidence=1', 'reasoning.mode=cached', 'reasoning.cache.plugin=redis', `reasoning.cache.url=${own.url}`, `reasoning.cache.namespace=outage-${process.pid}`, symbols]);
    try {
      const first = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      expect([first.error, first.stats.reasoning.cacheErrors]).to.deep.equal([null, 0]);
      await own.kill();
      const started = Date.now();
      const during = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      expect(Date.now() - started, 'no wait for the outage').to.be.below(10_000);
      expect(during.error).to.equal(null);
      expect(during.signals + during.repeated, 'the same signals, given again on the same bars').to.equal(first.signals);
      expect(during.stats.reasoning.cacheErrors).to.be.above(0);
      const ready = await json(`${service.url}/readyz`);
      expect([ready.status, ready.body.ready]).to.deep.equal([200, true]);
      expect(ready.body.reason).to.contain('degraded').and.contain('redis');
      await own.restart();
      // The client reconnects with a backoff of at most a second: asked until it answers.
      let body = (await json(`${service.url}/readyz`)).body;
      for (let tries = 0; tries < 100 && body.reason !== undefined; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await json(`${service.url}/v1/cycles`, { method: 'POST' });
        body = (await json(`${service.url}/readyz`)).body;
      }
      expect(body).to.deep.equal({ ready: true });
      expect(service.stderr().match(/reasoning cache failing/g), 'said once for the outage').to.have.length(1);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
      await own.kill();
    }
  });

  it('says why Redis refused it (a wrong password), not only that it gave up, and never prints the password', async () => {
    const { testContext } = await import('../../../core/testing/test-context');
    const url = new URL(REDIS_URL);
    url.password = 'wr0ng-pass-7c1d';
    const error = await Promise.resolve(redis.create(testContext(redis, { options: { url: url.toString() } }))).catch((e: Error) => e);
    expect(error).to.have.property('code', 'ARGO_ERR_STORAGE_UNAVAILABLE');
    expect((error as Error).message).to.match(/AUTH|WRONGPASS|password/).and.not.contain('wr0ng-pass');
  });
});
