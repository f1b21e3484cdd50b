/**
 * `mqtt`: publishes each message as JSON at QoS 1 to a broker (the `mqtt` package), on a topic
 * from a template (`argo/signals/{symbol}`); delivered once the broker's PUBACK came. With
 * `retain`, a signal (not a reasoning update) is kept by the broker as its topic's last one, so a
 * subscriber connecting later gets each symbol's latest signal at once.
 */
import type { MqttClient } from 'mqtt';
import { SinkDeliveryError } from '../../core/errors/sink-delivery-error';
import { messageOf } from '../../core/errors/errors';
import { PLUGIN_API_VERSION, defineSinkPlugin } from '../../core/plugin-system/define-plugin';
import { requiredEnv, urlOrigin } from './http-post';
import { topicOf } from './topic-template';

interface MqttOptions {
  url: string;
  urlEnv: string;
  topic: string;
  retain: boolean;
  clientId: string;
}

export default defineSinkPlugin<MqttOptions>({
  name: 'mqtt',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Publishes signals as JSON to an MQTT broker at QoS 1, optionally retained per symbol.',
  options: {
    url: { doc: 'The broker (mqtt://host:1883, mqtts://…).', format: String, default: 'mqtt://127.0.0.1:1883' },
    urlEnv: { doc: 'A variable holding the URL instead (when it carries a password).', format: String, default: '' },
    topic: { doc: 'The topic template: {symbol}, {action} and {event} are filled in.', format: String, default: 'argo/signals/{symbol}' },
    retain: { doc: 'Keep each topic\'s last signal at the broker for subscribers that connect later.', format: Boolean, default: false },
    clientId: { doc: 'The MQTT client id; empty: one is made up.', format: String, default: '' },
  },
  create({ options, env, logger }) {
    const url = options.urlEnv === '' ? options.url : requiredEnv(env, options.urlEnv, 'urlEnv', 'mqtt');
    let client: MqttClient | null = null;
    const connected = async (): Promise<MqttClient> => {
      if (client !== null) return client;
      // Required here, not imported: only a config with an mqtt sink loads it.
      const mqtt = require('mqtt') as typeof import('mqtt');
      try {
        client = await mqtt.connectAsync(url, { reconnectPeriod: 1000, connectTimeout: 5000, ...(options.clientId === '' ? {} : { clientId: options.clientId }) });
      } catch (error) {
        throw new SinkDeliveryError(`mqtt: ${urlOrigin(url)}: cannot connect: ${messageOf(error)}`, { retryable: true, cause: error });
      }
      client.on('error', (error) => logger.warn({ err: messageOf(error) }, 'mqtt: connection error; reconnecting'));
      return client;
    };
    return {
      async deliver(messages, signal) {
        if (signal.aborted) throw new SinkDeliveryError('mqtt: the attempt was aborted', { retryable: true });
        const mqttClient = await connected();
        for (const message of messages) {
          const published = mqttClient.publishAsync(topicOf(options.topic, message), JSON.stringify(message), { qos: 1, retain: options.retain && message.event === 'signal' });
          const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new SinkDeliveryError(`mqtt: ${urlOrigin(url)}: no PUBACK in time`, { retryable: true })), { once: true }));
          try {
            await Promise.race([published, aborted]);
          } catch (error) {
            if (error instanceof SinkDeliveryError) throw error;
            throw new SinkDeliveryError(`mqtt: ${urlOrigin(url)}: publish failed: ${messageOf(error)}`, { retryable: true, cause: error });
          }
        }
      },
      async close() {
        await client?.endAsync(true).catch(() => undefined);
        client = null;
      },
    };
  },
});
