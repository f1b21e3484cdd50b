import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import path from 'node:path';
import type { SinkMessage } from '../../core/plugin-system/plugin-contracts';
import { runCliAsync, tempDir } from '../helpers';
import { eventually, needs } from '../servers';
import { json, serve, type Serving } from '../service/serving';
import { Receiver } from './receivers';

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
  });
}

describe('delivery survives a crash: kill -9 of serve in the middle of a burst', function () {
  this.timeout(180_000);
  const run = `${process.pid}_${Date.now()}`;
  const stream = `ARGO_CRASH_${run}`;
  let hook: Receiver;
  let mqttClient: import('mqtt').MqttClient | undefined;
  let nc: import('@nats-io/transport-node').NatsConnection | undefined;
  const mqttGot: SinkMessage[] = [];

  before(async function () {
    if (!(await listening(1883))) return needs(this, 'Mosquitto on 127.0.0.1:1883');
    if (!(await listening(4222))) return needs(this, 'NATS on 127.0.0.1:4222');
    // A receiver that takes 20 ms a request: a burst of a few hundred signals lasts seconds.
    hook = await Receiver.start(() => ({ status: 200, delayMs: 20 }));
    const mqtt = await import('mqtt');
    mqttClient = await mqtt.connectAsync('mqtt://127.0.0.1:1883', { clientId: `argo-crash-${run}`, clean: false });
    await mqttClient.subscribeAsync(`argo-crash/${run}/#`, { qos: 1 });
    mqttClient.on('message', (_topic, payload) => mqttGot.push(JSON.parse(payload.toString())));
    const { connect } = await import('@nats-io/transport-node');
    nc = await connect({ servers: '127.0.0.1:4222' });
  });
  after(async () => {
    await hook?.close();
    await mqttClient?.endAsync();
    if (nc !== undefined) {
      const { jetstreamManager } = await import('@nats-io/jetstream');
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
      await nc.drain();
    }
  });

  it('every stored signal reaches the webhook receiver, the MQTT subscriber and JetStream at least once after a restart; repeats carry the same key; JetStream holds each once', async () => {
    const dir = tempDir();
    const config = path.join(dir, 'config.json');
    writeFileSync(
      config,
      JSON.stringify({
        consensus: { minConfidence: 1 },
        storage: { path: path.join(dir, 'signals.db'), batchSize: 1 },
        service: { schedule: { every: '1h' } },
        delivery: { pollMs: 50 },
        sinks: [
          { name: 'hook', plugin: 'webhook', options: { url: `${hook.url}/in` } },
          { name: 'bus', plugin: 'mqtt', options: { topic: `argo-crash/${run}/{symbol}` } },
          { name: 'stream', plugin: 'nats', options: { subject: `argo-crash.${run}.{symbol}`, stream, streamSubjects: [`argo-crash.${run}.>`] } },
        ],
      }),
    );
    // A first start creates the sinks' cursors on the empty database; the replay then stores a burst they have to deliver.
    let service: Serving = await serve(dir, [], { args: ['-c', config] });
    service.child.kill('SIGTERM');
    expect(await service.exited, service.stderr()).to.equal(143);
    const replay = await runCliAsync(['replay', '-c', config, '--from', '2024-07-01', '--to', '2024-10-31'], { cwd: dir });
    expect(replay.code, replay.stderr).to.equal(0);
    const stored = JSON.parse((await runCliAsync(['signals', '-c', config, '--json'], { cwd: dir })).stdout) as { id: string }[];
    expect(stored.length).to.be.greaterThan(300);

    service = await serve(dir, [], { args: ['-c', config] });
    await eventually('the burst is being delivered', async () => hook.requests.length >= 60);
    service.child.kill('SIGKILL');
    await service.exited;
    expect(hook.requests.length, 'killed in the middle of the burst').to.be.below(stored.length);

    service = await serve(dir, [], { args: ['-c', config] });
    try {
      const keys = new Set(stored.map((s) => `${s.id}:signal`));
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const jsm = await jetstreamManager(nc!);
      await eventually(
        'every signal delivered by every sink',
        async () => {
          const { body } = await json(`${service.url}/v1/sinks`);
          return body.sinks.every((s: { lagSignals: number }) => s.lagSignals === 0);
        },
        120_000,
      );
      await eventually('the MQTT subscriber has them all', async () => new Set(mqttGot.map((m) => m.idempotencyKey)).size === keys.size);
      const hookKeys = hook.requests.map((r) => r.body.idempotencyKey as string);
      expect(new Set(hookKeys)).to.deep.equal(keys);
      expect(new Set(mqttGot.map((m) => m.idempotencyKey))).to.deep.equal(keys);
      // A repeat is the same message: the same key with the same signal.
      for (const request of hook.requests) expect(request.body.idempotencyKey).to.equal(`${request.body.signal.id}:signal`);
      expect((await jsm.streams.info(stream)).state.messages).to.equal(keys.size);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });
});
