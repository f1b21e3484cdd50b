import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { tempDir } from '../helpers';
import { PG_URL, dropPgSchemas, eventually, needs, pgAnswers } from '../servers';
import { json, serve, type Serving } from '../service/serving';
import { Receiver } from './receivers';

describe('delivery: two services on one PostgreSQL share a sink (a lease)', function () {
  this.timeout(120_000);
  const schema = `argo_sink_${process.pid}_${Date.now()}`;
  let hook: Receiver;
  before(async function () {
    if (!(await pgAnswers())) return needs(this, `PostgreSQL at ${PG_URL}`);
    hook = await Receiver.start();
  });
  after(async () => {
    await hook?.close();
    await dropPgSchemas([schema]).catch(() => undefined);
  });

  it('delivers each signal once while both run, stands the other by, and hands the sink over when the holder is killed', async () => {
    const config = (dir: string, data: string) => {
      const file = path.join(dir, 'config.json');
      writeFileSync(
        file,
        JSON.stringify({
          consensus: { minConfidence: 1 },
          data: { plugin: 'synthetic-bars', endDate: data },
          storage: { plugin: 'postgres', url: PG_URL, schema, flushMs: 10 },
          service: { schedule: { every: '1h' } },
          delivery: { pollMs: 100 },
          sinks: [{ name: 'hook', plugin: 'webhook', options: { url: `${hook.url}/in` } }],
        }),
      );
      return file;
    };
    const [dirA, dirB] = [tempDir(), tempDir()];
    const a: Serving = await serve(dirA, [], { args: ['-c', config(dirA, '2024-12-30')] });
    let b: Serving | undefined;
    try {
      b = await serve(dirB, [], { args: ['-c', config(dirB, '2024-12-31')] });
      const states = async () => [(await json(`${a.url}/v1/sinks`)).body.sinks[0].status, (await json(`${b!.url}/v1/sinks`)).body.sinks[0].status];
      await eventually('one holds the sink, the other stands by', async () => [...(await states())].sort().join() === 'delivering,standby');
      const holder = (await states())[0] === 'delivering' ? a : b;
      const other = holder === a ? b : a;
      // Each service stores its own cycle's signals (other bar dates): whoever stored them, the holder delivers them.
      const first = (await json(`${a.url}/v1/cycles`, { method: 'POST' })).body.signals + (await json(`${b.url}/v1/cycles`, { method: 'POST' })).body.signals;
      await eventually('both cycles delivered', async () => hook.requests.length >= first);
      // Both poll every 100 ms: a second's wait would show a repeat.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const keys = hook.requests.map((r) => r.body.idempotencyKey);
      expect(keys).to.have.length(first);
      expect(new Set(keys).size).to.equal(first);

      holder.child.kill('SIGKILL');
      await holder.exited;
      await eventually('the other takes the sink over', async () => (await json(`${other.url}/v1/sinks`)).body.sinks[0].status === 'delivering');
      expect(hook.requests.length).to.equal(first);
    } finally {
      for (const service of [a, b]) {
        if (service === undefined || service.child.exitCode !== null || service.child.signalCode !== null) continue;
        service.child.kill('SIGTERM');
        await service.exited;
      }
    }
  });
});
