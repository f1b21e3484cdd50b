/**
 * `webhook`: POSTs each message as JSON to `url` (`{ event, idempotencyKey, seq, signal }`, or an
 * array of them with `batchSize` > 1), signed like Stripe's webhooks: HMAC-SHA256 of
 * `<unix seconds>.<body>` with the secret in the variable `secretEnv`, sent as
 * `X-Argo-Signature: t=<seconds>,v1=<hex>` (a receiver refuses old timestamps, so a replayed
 * request fails). `X-Argo-Idempotency-Key` carries the message's key (the keys, comma-separated,
 * for an array). Retries: see http-post.
 */
import { createHmac } from 'node:crypto';
import { PLUGIN_API_VERSION, defineSinkPlugin } from '../../core/plugin-system/define-plugin';
import { ArgoError } from '../../core/errors/errors';
import { JsonPoster, requiredEnv } from './http-post';

interface WebhookOptions {
  url: string;
  urlEnv: string;
  secretEnv: string;
  batchSize: number;
}

/** The signature header of `body` sent at `seconds` with `secret`. */
export function signature(secret: string, seconds: number, body: string): string {
  return `t=${seconds},v1=${createHmac('sha256', secret).update(`${seconds}.${body}`).digest('hex')}`;
}

export default defineSinkPlugin<WebhookOptions>({
  name: 'webhook',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'POSTs signals as JSON to a URL, HMAC-signed (X-Argo-Signature), with an idempotency key; retries 429, 5xx and timeouts.',
  options: {
    url: { doc: 'The receiver\'s URL (or urlEnv).', format: String, default: '' },
    urlEnv: { doc: 'A variable holding the URL instead (when it carries a token).', format: String, default: '' },
    secretEnv: { doc: 'The variable holding the HMAC secret; empty: requests are not signed.', format: String, default: '' },
    batchSize: { doc: 'Messages per request: 1 sends one object, more an array of up to this many.', format: 'nat', default: 1 },
  },
  create({ options, env }) {
    const url = options.urlEnv === '' ? options.url : requiredEnv(env, options.urlEnv, 'urlEnv', 'webhook');
    if (!/^https?:\/\//.test(url)) throw new ArgoError('ARGO_ERR_PLUGIN_OPTIONS', 'sinks: webhook.url must be an http(s) URL (or set urlEnv)');
    const secret = options.secretEnv === '' ? null : requiredEnv(env, options.secretEnv, 'secretEnv', 'webhook');
    const poster = new JsonPoster(url, 'webhook');
    return {
      batchSize: Math.max(1, options.batchSize),
      async deliver(messages, signal) {
        const body = JSON.stringify(options.batchSize > 1 ? messages : messages[0]);
        const headers: Record<string, string> = { 'x-argo-idempotency-key': messages.map((m) => m.idempotencyKey).join(',') };
        if (secret !== null) headers['x-argo-signature'] = signature(secret, Math.floor(Date.now() / 1000), body);
        await poster.post(body, headers, signal);
      },
      async close() {
        poster.close();
      },
    };
  },
});
