import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { reasoningCacheSuite } from '../../../core/testing';
import redis from '../../../plugins/reasoning-cache/redis';
import { ROOT } from '../../helpers';
import { REDIS_URL, needs, redisAnswers } from '../../servers';

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

  it('says why Redis refused it (a wrong password), not only that it gave up, and never prints the password', async () => {
    const { testContext } = await import('../../../core/testing/test-context');
    const url = new URL(REDIS_URL);
    url.password = 'wr0ng-pass-7c1d';
    const error = await Promise.resolve(redis.create(testContext(redis, { options: { url: url.toString() } }))).catch((e: Error) => e);
    expect(error).to.have.property('code', 'ARGO_ERR_STORAGE_UNAVAILABLE');
    expect((error as Error).message).to.match(/AUTH|WRONGPASS|password/).and.not.contain('wr0ng-pass');
  });
});
