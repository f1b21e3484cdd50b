import { expect } from 'chai';
import path from 'node:path';
import type { Signal } from '../../core/domain/domain';
import type { StatsReport } from '../../core/engine/cycle-stats';
import { comparable, findRealData, runCliAsync, shardTotals as totals, tempDir } from '../helpers';
import { json, serve } from '../service/serving';
import { OwnRedis, PG_URL, REDIS_URL, background, dropPgSchemas, dropQueue, eventually, needs, pgAnswers, redisAnswers, type Background } from '../servers';

const SYMBOLS = 'AAPL,AMZN,BHF,BRK.B,CAT,ABBV,APTV,CHK,A,AAL,AAP,ABC';
const used: string[] = [];
/** A queue of this test alone, so runs in parallel (a session's suite and CI's) never share one; removed after the suite. */
const freshQueue = () => {
  const name = `t-${process.pid}-${Date.now().toString(36)}-${used.length}`;
  used.push(name);
  return name;
};

/** Starts a worker on `queue` and resolves once it listens. */
async function startWorker(dir: string, sets: readonly string[]): Promise<Background> {
  const worker = background(['worker', ...sets.flatMap((s) => ['--set', s])], dir);
  await worker.waitFor(/^worker \S+ on /m);
  return worker;
}

async function stop(...processes: Background[]): Promise<void> {
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
}

describe('distributed shards on a BullMQ queue', function () {
  this.timeout(180_000);

  it('refuses to start a worker and a distributed replay when Redis cannot be reached: exit 2, the URL without its password', async () => {
    const sets = ['--set', 'distributed.url=redis://:s3cretpass@127.0.0.1:1'];
    for (const args of [['worker', ...sets], ['replay', '--from', '2024-01-01', '--to', '2024-01-10', '--distributed', ...sets]]) {
      const result = await runCliAsync(args);
      expect(result.code, result.stderr).to.equal(2);
      expect(result.stderr).to.contain('ARGO_ERR_QUEUE_UNAVAILABLE: distributed.url: redis://:REDACTED@127.0.0.1:1').and.not.contain('s3cretpass');
    }
  });

  const redis = redisAnswers();
  const data = findRealData();
  describe('with Redis', () => {
    before(function () {
      if (!redis) needs(this, `Redis at ${REDIS_URL}`);
      if (data === undefined) this.skip();
    });

    let baseline: { stats: StatsReport; signals: ReturnType<typeof comparable> };
    const replay = async (dir: string, db: string, extra: string[]) => {
      const args = ['replay', '--data', data!, '--symbols', SYMBOLS, '--from', '2014-01-01', '--to', '2015-12-31', '--set', `storage.path=${db}`, '--json', ...extra];
      const result = await runCliAsync(args, { cwd: dir });
      expect(result.code, result.stderr).to.equal(0);
      const stored = await runCliAsync(['signals', '--db', db, '--json'], { cwd: dir });
      return { stats: JSON.parse(result.stdout) as StatsReport, signals: comparable(JSON.parse(stored.stdout) as Signal[]) };
    };
    before(async () => {
      const dir = tempDir();
      baseline = await replay(dir, path.join(dir, 'one.db'), []);
    });
    // The Redis-restart test's queue lived on its own Redis, gone with it.
    after(async () => Promise.all(used.map((name) => dropQueue(name).catch(() => undefined))));

    it('replay --distributed over two workers gives the totals and the stored signals of one process', async () => {
      const dir = tempDir();
      const queue = `distributed.queue=${freshQueue()}`;
      const workers = await Promise.all([startWorker(dir, [queue]), startWorker(dir, [queue])]);
      try {
        const sharded = await replay(dir, path.join(dir, 'queue.db'), ['--distributed', '--set', queue, '--set', 'distributed.shardSize=3']);
        expect(totals(sharded.stats)).to.deep.equal(totals(baseline.stats));
        expect(sharded.stats.shards).to.deep.equal({ evaluated: 4, failed: 0, retried: 0 });
        expect(sharded.signals).to.deep.equal(baseline.signals);
      } finally {
        await stop(...workers);
      }
    });

    it('a worker killed with SIGKILL mid-shard loses nothing: another takes the shard once its lock expires, and every signal is stored once', async () => {
      const dir = tempDir();
      const sets = [`distributed.queue=${freshQueue()}`, 'distributed.lockMs=2000'];
      const doomed = background(['worker', ...sets.flatMap((s) => ['--set', s]), '--set', 'log.level=info'], dir);
      await doomed.waitFor(/^worker \S+ on /m);
      const db = path.join(dir, 'killed.db');
      const replaying = replay(dir, db, ['--distributed', ...sets.flatMap((s) => ['--set', s]), '--set', 'distributed.shardSize=100']);
      await doomed.waitFor(/"msg":"shard started"/, 'stderr');
      doomed.child.kill('SIGKILL');
      expect(await doomed.exited).to.equal(null);
      const rescuer = await startWorker(dir, sets);
      try {
        const sharded = await replaying;
        expect(sharded.stats.shards, 'one shard, taken twice').to.deep.equal({ evaluated: 1, failed: 0, retried: 1 });
        expect(totals(sharded.stats)).to.deep.equal(totals(baseline.stats));
        expect(sharded.signals).to.deep.equal(baseline.signals);
        expect(new Set(sharded.signals.map((s) => s.id)).size).to.equal(sharded.stats.signals);
      } finally {
        await stop(rescuer);
      }
    });

    it('Redis lost mid-shard ends replay --distributed with a coded error, and its worker on SIGTERM, without waiting out distributed.timeoutMs', async () => {
      const own = await OwnRedis.start();
      const dir = tempDir();
      // The default timeoutMs (10 min) is what the old code waited; the suite's timeout is far below it.
      const sets = [`distributed.url=${own.url}`, `distributed.queue=${freshQueue()}`, 'service.shutdownMs=3000'].flatMap((s) => ['--set', s]);
      const worker = background(['worker', ...sets, '--set', 'log.level=info'], dir);
      try {
        await worker.waitFor(/^worker \S+ on /m);
        const replaying = background(['replay', '--data', data!, '--from', '2013-01-01', '--to', '2017-12-31', '--distributed', ...sets, '--set', `storage.path=${path.join(dir, 'lost.db')}`], dir);
        await worker.waitFor(/"msg":"shard started"/, 'stderr');
        await own.kill();
        expect(await replaying.exited, replaying.stderr()).to.equal(2);
        expect(replaying.stderr()).to.contain(`ARGO_ERR_QUEUE_UNAVAILABLE: distributed.url: ${own.url}`).and.contain('the connection to Redis was lost');
        worker.child.kill('SIGTERM');
        expect(await worker.exited, worker.stderr()).to.equal(143);
        expect(worker.stderr()).to.contain('did not close within service.shutdownMs (3000 ms)');
      } finally {
        if (worker.child.exitCode === null) worker.child.kill('SIGKILL');
        await own.kill();
      }
    });

    it('replay --distributed with no worker says so within seconds naming the queue, and SIGTERM cancels it and removes its jobs', async () => {
      const dir = tempDir();
      const name = freshQueue();
      const replaying = background(['replay', '--data', data!, '--symbols', SYMBOLS, '--from', '2014-01-01', '--to', '2014-12-31', '--distributed', '--set', `distributed.queue=${name}`, '--set', 'distributed.shardSize=4', '--set', 'storage.plugin=memory'], dir);
      await replaying.waitFor(/no worker has taken a shard within 5 s \(0 listening\)/, 'stderr');
      expect(replaying.stderr()).to.contain(`(queue ${name})`);
      replaying.child.kill('SIGTERM');
      expect(await replaying.exited, replaying.stderr()).to.equal(1);
      expect(replaying.stderr()).to.contain('ARGO_ERR_SHARD_FAILED: cancelled: the scheduler was asked to stop');
      const { Queue } = await import('bullmq');
      const queue = new Queue(name, { connection: { url: REDIS_URL }, prefix: 'argo' });
      try {
        expect(await queue.getJobCounts('waiting', 'prioritized', 'delayed'), 'no job left for a later worker').to.deep.equal({ waiting: 0, prioritized: 0, delayed: 0 });
      } finally {
        await queue.close();
      }
    });

    it('serve --distributed with no worker is not ready and says why; /v1/shards counts live workers', async () => {
      const dir = tempDir();
      const sets = [`distributed.queue=${freshQueue()}`];
      const service = await serve(dir, [...sets, 'symbols=AAA,BBB', 'service.schedule.every=1h', 'storage.plugin=memory'], { args: ['--distributed'] });
      let worker: Background | undefined;
      try {
        const ready = await json(`${service.url}/readyz`);
        expect([ready.status, ready.body.reason]).to.deep.equal([503, `ARGO_ERR_QUEUE_NO_WORKER: no worker listens on the distributed queue at ${REDIS_URL} (queue ${sets[0].slice('distributed.queue='.length)}): cycles wait for one up to distributed.timeoutMs`]);
        expect((await json(`${service.url}/v1/shards`)).body.workers).to.equal(0);
        worker = await startWorker(dir, sets);
        await eventually('ready with a worker', async () => (await json(`${service.url}/readyz`)).status === 200);
        expect((await json(`${service.url}/v1/shards`)).body.workers).to.equal(1);
      } finally {
        service.child.kill('SIGTERM');
        await service.exited;
        if (worker !== undefined) await stop(worker);
      }
    });

    it('serve --distributed: Redis lost mid-run makes /readyz 503 with a coded reason and counts failed shards; cycles resume when it returns, without a restart', async () => {
      const own = await OwnRedis.start();
      const dir = tempDir();
      const sets = [`distributed.url=${own.url}`, `distributed.queue=${freshQueue()}`, 'distributed.timeoutMs=3000', 'distributed.shardSize=2'];
      const worker = await startWorker(dir, sets);
      const service = await serve(dir, [...sets, 'symbols=AAA,BBB,CCC', 'service.schedule.every=300ms', 'storage.plugin=memory'], { args: ['--distributed'] });
      const served = (since: number) => async () => {
        const { body } = await json(`${service.url}/v1/cycles?limit=5`);
        return body.cycles.some((c: { error: string | null; startedAt: string; stats: StatsReport }) => c.error === null && Date.parse(c.startedAt) > since && c.stats.shards.evaluated === 2);
      };
      try {
        await eventually('a distributed cycle', served(0));
        expect((await json(`${service.url}/readyz`)).status).to.equal(200);
        await own.kill();
        await eventually('/readyz 503 naming the queue', async () => {
          const { status, body } = await json(`${service.url}/readyz`);
          return status === 503 && body.reason.includes('ARGO_ERR_QUEUE_UNAVAILABLE') && body.reason.includes(own.url);
        });
        await eventually('a failed shard in /v1/shards', async () => (await json(`${service.url}/v1/shards`)).body.failures.length > 0);
        const shards = (await json(`${service.url}/v1/shards`)).body;
        expect(shards.runner).to.equal('queue');
        expect(shards.failures[0].error).to.contain('ARGO_ERR_QUEUE_UNAVAILABLE');
        expect(await (await fetch(`${service.url}/metrics`)).text()).to.match(/argo_shards_total\{outcome="failed"\} [1-9]/).and.match(/argo_queue_up 0/);
        const back = Date.now();
        await own.restart();
        await eventually('a distributed cycle after Redis returned', served(back));
        expect((await json(`${service.url}/readyz`)).status).to.equal(200);
      } finally {
        service.child.kill('SIGTERM');
        await service.exited;
        await stop(worker);
        await own.kill();
      }
    });

    it('two services share one queue, one PostgreSQL database and one Redis reasoning cache: both are served by the same workers, and every signal is stored once', async function () {
      if (!pgAnswers()) needs(this, `PostgreSQL at ${PG_URL}`);
      const dir = tempDir();
      const queue = `distributed.queue=${freshQueue()}`;
      const schema = `two_${process.pid}_${Date.now().toString(36)}`;
      const storage = ['storage.plugin=postgres', `storage.url=${PG_URL}`, `storage.schema=${schema}`];
      const workers = await Promise.all([startWorker(dir, [queue]), startWorker(dir, [queue])]);
      const cache = ['reasoning.mode=cached', 'reasoning.cache.plugin=redis', `reasoning.cache.namespace=two-${process.pid}-${Date.now().toString(36)}`];
      const sets = [queue, ...storage, ...cache, 'distributed.shardSize=2', 'symbols=AAA,BBB,CCC,DDD,EEE', 'service.schedule.every=300ms', 'consensus.minConfidence=55'];
      const services = await Promise.all([serve(dir, sets, { args: ['--distributed'] }), serve(dir, sets, { args: ['--distributed'] })]);
      try {
        for (const service of services) {
          await eventually('two distributed cycles', async () => (await json(`${service.url}/v1/shards`)).body.counts.evaluated >= 6);
        }
        const listed = await Promise.all(services.map(async (service) => (await json(`${service.url}/v1/signals?limit=1000`)).body.signals.map((s: Signal) => s.id).sort()));
        expect(listed[0].length).to.be.greaterThan(0);
        expect(listed[1], 'both services read the one database').to.deep.equal(listed[0]);
        expect(new Set(listed[0]).size, 'each signal once').to.equal(listed[0].length);
        for (const service of services) expect((await json(`${service.url}/v1/shards`)).body.counts.failed).to.equal(0);
        // Texts come from the one Redis cache the workers share: after the first cycle, every text is a hit.
        const reasoning = await Promise.all(services.map(async (service) => (await json(`${service.url}/v1/cycles?limit=100`)).body.cycles.map((c: { stats: StatsReport }) => c.stats.caches.reasoning)));
        const hits = reasoning.flat().reduce((total: number, cache: { hits: number } | null) => total + (cache?.hits ?? 0), 0);
        expect(hits).to.be.greaterThan(0);
      } finally {
        for (const service of services) service.child.kill('SIGTERM');
        await Promise.all(services.map((service) => service.exited));
        await stop(...workers);
        await dropPgSchemas([schema]);
      }
    });
  });
});
