import { expect } from 'chai';
import { connect as netConnect } from 'node:net';
import type { SinkMessage } from '../../core/plugin-system/plugin-contracts';
import { sampleMessages, sinkSuite, testContext } from '../../core/testing';
import discord from '../../plugins/sinks/discord';
import mqttSink from '../../plugins/sinks/mqtt';
import natsSink from '../../plugins/sinks/nats';
import slack from '../../plugins/sinks/slack';
import telegram from '../../plugins/sinks/telegram';
import webhook from '../../plugins/sinks/webhook';
import { needs } from '../servers';
import { Receiver } from './receivers';

/** True when something listens on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = netConnect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true))).once('error', () => resolve(false));
  });
}

const run = `${process.pid}-${Date.now()}`;

describe('sinks against real peers (argo-signals/testing sinkSuite)', function () {
  this.timeout(60_000);

  describe('webhook, with a local receiver', () => {
    let hook: Receiver;
    const options = { url: '' };
    before(async () => {
      hook = await Receiver.start();
      options.url = `${hook.url}/in`;
    });
    after(() => hook.close());
    sinkSuite({ describe, it }, webhook, { options, received: () => hook.requests.map((r) => r.body as SinkMessage) });
  });

  describe('mqtt, with Mosquitto', () => {
    const received: SinkMessage[] = [];
    let subscriber: import('mqtt').MqttClient | undefined;
    before(async function () {
      if (!(await listening(1883))) return needs(this, 'Mosquitto on 127.0.0.1:1883');
      const mqtt = await import('mqtt');
      subscriber = await mqtt.connectAsync('mqtt://127.0.0.1:1883');
      await subscriber.subscribeAsync(`argo-test/${run}/#`, { qos: 1 });
      // An empty payload clears a retained message (the retained test's cleanup): not a delivery.
      subscriber.on('message', (_topic, payload) => {
        if (payload.length > 0) received.push(JSON.parse(payload.toString()));
      });
    });
    after(async () => subscriber?.endAsync());
    sinkSuite({ describe, it }, mqttSink, { options: { topic: `argo-test/${run}/{symbol}` }, received: () => received });

    it('keeps each symbol\'s last signal retained, for a subscriber that connects later', async function () {
      if (subscriber === undefined) this.skip();
      const sink = await mqttSink.create(testContext(mqttSink, { options: { topic: `argo-test/${run}/retained/{symbol}`, retain: true } }));
      const [first, second] = sampleMessages();
      await sink.deliver([first, second], new AbortController().signal);
      await sink.close?.();
      const mqtt = await import('mqtt');
      const late = await mqtt.connectAsync('mqtt://127.0.0.1:1883');
      const got: SinkMessage[] = [];
      late.on('message', (_topic, payload, packet) => {
        if (packet.retain && payload.length > 0) got.push(JSON.parse(payload.toString()));
      });
      await late.subscribeAsync(`argo-test/${run}/retained/#`, { qos: 1 });
      for (let i = 0; i < 50 && got.length < 2; i++) await new Promise((resolve) => setTimeout(resolve, 100));
      // Cleared again: an empty retained message removes it.
      for (const symbol of [first.signal.symbol, second.signal.symbol]) await late.publishAsync(`argo-test/${run}/retained/${symbol}`, '', { retain: true, qos: 1 });
      await late.endAsync();
      expect(got.map((m) => m.idempotencyKey).sort()).to.deep.equal([first.idempotencyKey, second.idempotencyKey].sort());
    });
  });

  describe('nats, with JetStream', () => {
    const stream = `ARGO_TEST_${run.replace(/-/g, '_')}`;
    const subject = `argo-test.${run}`;
    const received: SinkMessage[] = [];
    let nc: import('@nats-io/transport-node').NatsConnection | undefined;
    before(async function () {
      if (!(await listening(4222))) return needs(this, 'NATS on 127.0.0.1:4222');
      const { connect } = await import('@nats-io/transport-node');
      nc = await connect({ servers: '127.0.0.1:4222' });
      const subscription = nc.subscribe(`${subject}.>`);
      void (async () => {
        for await (const message of subscription) received.push(message.json<SinkMessage>());
      })();
    });
    after(async () => {
      if (nc === undefined) return;
      const { jetstreamManager } = await import('@nats-io/jetstream');
      await (await jetstreamManager(nc)).streams.delete(stream).catch(() => undefined);
      await nc.drain();
    });
    const options = { subject: `${subject}.{symbol}`, stream, streamSubjects: [`${subject}.>`] };
    sinkSuite({ describe, it }, natsSink, { options, received: () => received });

    it('lets JetStream drop a repeat: the same idempotency key twice is stored once', async function () {
      if (nc === undefined) this.skip();
      const sink = await natsSink.create(testContext(natsSink, { options }));
      const [message] = sampleMessages();
      await sink.deliver([message], new AbortController().signal);
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const jsm = await jetstreamManager(nc!);
      const once = (await jsm.streams.info(stream)).state.messages;
      await sink.deliver([message], new AbortController().signal);
      await sink.close?.();
      expect((await jsm.streams.info(stream)).state.messages).to.equal(once);
    });
  });

  describe('slack, discord and telegram, with local servers speaking their shapes', () => {
    let chat: Receiver;
    before(async () => {
      chat = await Receiver.start((_n, request) =>
        request.path.includes('bad-chat') ? { status: 400, body: JSON.stringify({ ok: false, error_code: 400, description: 'Bad Request: chat not found' }) } : { status: request.path.startsWith('/discord') ? 204 : 200, body: request.path.startsWith('/bot') ? '{"ok":true,"result":{}}' : 'ok' },
      );
    });
    after(() => chat.close());
    const message = () => sampleMessages()[0];
    const send = async (definition: typeof slack | typeof telegram, options: Record<string, unknown>, env: Record<string, string>) => {
      const sink = await definition.create(testContext(definition as never, { options, env }) as never);
      try {
        await sink.deliver([message()], new AbortController().signal);
      } finally {
        await sink.close?.();
      }
      return chat.requests.at(-1)!;
    };

    it('slack: {"text"} with symbol, action, confidence, levels and the reasoning\'s first sentence', async () => {
      const request = await send(slack, {}, { ARGO_SLACK_WEBHOOK_URL: `${chat.url}/services/T0/B0/secret-token` });
      expect(request.path).to.equal('/services/T0/B0/secret-token');
      expect(Object.keys(request.body)).to.deep.equal(['text']);
      expect(request.body.text).to.match(/^BUY SAMPLE-UP \(2024-01-02\): confidence 80%\nentry 100\.00, stop 96\.00, target 106\.00\nreasoning of kit-\d+-a$/);
    });

    it('discord: {"content"} of at most 2,000 characters', async () => {
      const request = await send(discord, {}, { ARGO_DISCORD_WEBHOOK_URL: `${chat.url}/discord/api/webhooks/1/secret-token` });
      expect(Object.keys(request.body)).to.deep.equal(['content']);
      expect(request.body.content).to.contain('BUY SAMPLE-UP (2024-01-02): confidence 80%');
    });

    it('telegram: sendMessage with chat_id and text; a refusal names the API by its origin, never the token', async () => {
      const token = '123456:AAE-secret-bot-token';
      const request = await send(telegram, { chatId: '-100200', apiUrl: chat.url }, { ARGO_TELEGRAM_BOT_TOKEN: token });
      expect(request.path).to.equal(`/bot${token}/sendMessage`);
      expect(request.body).to.include({ chat_id: '-100200', disable_web_page_preview: true });
      expect(request.body.text).to.contain('BUY SAMPLE-UP');
      const error = await send(telegram, { chatId: 'bad-chat', apiUrl: `${chat.url}/bad-chat` }, { ARGO_TELEGRAM_BOT_TOKEN: token }).then(
        () => null,
        (e: Error & { retryable?: boolean }) => e,
      );
      expect(error?.message).to.equal(`ARGO_ERR_SINK_DELIVERY: telegram: ${chat.url}/…: HTTP 400: {"ok":false,"error_code":400,"description":"Bad Request: chat not found"} (refused: not retried)`);
      expect(error?.retryable).to.equal(false);
      expect(error?.message).to.not.contain(token);
    });
  });
});
