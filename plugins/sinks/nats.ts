/**
 * `nats`: publishes each message as JSON to NATS JetStream (`@nats-io/transport-node`), its
 * idempotency key as `Nats-Msg-Id` so the server drops a repeat within the stream's duplicate
 * window; delivered once JetStream acknowledged it. With `stream`, a stream of that name over
 * `streamSubjects` is created when missing.
 */
import type { NatsConnection } from '@nats-io/transport-node';
import type { JetStreamClient } from '@nats-io/jetstream';
import { SinkDeliveryError } from '../../core/errors/sink-delivery-error';
import { messageOf } from '../../core/errors/errors';
import { PLUGIN_API_VERSION, defineSinkPlugin } from '../../core/plugin-system/define-plugin';
import { topicOf } from './topic-template';

interface NatsOptions {
  servers: string;
  subject: string;
  stream: string;
  streamSubjects: string[];
}

export default defineSinkPlugin<NatsOptions>({
  name: 'nats',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Publishes signals as JSON to NATS JetStream, deduplicated by idempotency key (Nats-Msg-Id).',
  options: {
    servers: { doc: 'The NATS servers, comma-separated (host:port).', format: String, default: '127.0.0.1:4222' },
    subject: { doc: 'The subject template: {symbol}, {action} and {event} are filled in (dots in a symbol become _).', format: String, default: 'argo.signals.{symbol}' },
    stream: { doc: 'A JetStream stream to create over streamSubjects when it does not exist; empty: it must exist.', format: String, default: '' },
    streamSubjects: { doc: 'The subjects of a stream created by `stream`.', format: Array, default: ['argo.signals.>'] },
  },
  create({ options, logger }) {
    let connection: { nc: NatsConnection; js: JetStreamClient } | null = null;
    const connected = async () => {
      if (connection !== null) return connection;
      // Required here, not imported: only a config with a nats sink loads them.
      const { connect } = require('@nats-io/transport-node') as typeof import('@nats-io/transport-node');
      const { jetstream, jetstreamManager } = require('@nats-io/jetstream') as typeof import('@nats-io/jetstream');
      let nc: NatsConnection;
      try {
        nc = await connect({ servers: options.servers.split(',').map((s) => s.trim()), maxReconnectAttempts: -1, timeout: 5000 });
      } catch (error) {
        throw new SinkDeliveryError(`nats: ${options.servers}: cannot connect: ${messageOf(error)}`, { retryable: true, cause: error });
      }
      if (options.stream !== '') {
        const jsm = await jetstreamManager(nc);
        await jsm.streams.info(options.stream).catch(async () => {
          logger.info({ stream: options.stream }, 'nats: creating the JetStream stream');
          await jsm.streams.add({ name: options.stream, subjects: options.streamSubjects });
        });
      }
      connection = { nc, js: jetstream(nc) };
      return connection;
    };
    return {
      async deliver(messages, signal) {
        if (signal.aborted) throw new SinkDeliveryError('nats: the attempt was aborted', { retryable: true });
        const { js } = await connected();
        for (const message of messages) {
          if (signal.aborted) throw new SinkDeliveryError('nats: no acknowledgment in time', { retryable: true });
          try {
            await js.publish(topicOf(options.subject, message, (part) => part.replace(/[.\s*>]/g, '_')), JSON.stringify(message), { msgID: message.idempotencyKey, timeout: 5000 });
          } catch (error) {
            throw new SinkDeliveryError(`nats: ${options.servers}: publish not acknowledged: ${messageOf(error)}`, { retryable: true, cause: error });
          }
        }
      },
      async close() {
        await connection?.nc.drain().catch(() => undefined);
        connection = null;
      },
    };
  },
});
