import { randomUUID } from 'node:crypto';
import Keyv from 'keyv';
import { urlWithoutPassword } from '../../core/util/url-without-password';
import { ArgoError, messageOf } from '../../core/errors/errors';
import { PLUGIN_API_VERSION, defineReasoningCachePlugin } from '../../core/plugin-system/define-plugin';
import { keyvReasoningCache } from './keyv-reasoning-cache';

interface RedisCacheOptions {
  url: string;
  urlEnv: string;
  namespace: string;
  ttlMs: number;
  maxEntries: number;
  lockMs: number;
}

/** Deletes the claim only if this process still holds it (its token), in one step on the server. */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";

/** The minimal client surface used here (node-redis, through @keyv/redis). */
interface RedisClient {
  connect(): Promise<unknown>;
  sendCommand(args: string[]): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  destroy?(): void;
  quit?(): Promise<unknown>;
}

/**
 * Reasoning cache in Redis through Keyv and @keyv/redis, shared by every process and service
 * that names the same Redis and namespace, with single flight across them: the first process
 * to miss a key claims it (`SET … NX PX lockMs`), explains and stores the text, and releases the
 * claim; the others wait for the text in the cache instead of calling the explainer again.
 */
export default defineReasoningCachePlugin<RedisCacheOptions>({
  name: 'redis',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Keyv with @keyv/redis: texts shared by every process, single flight across them with a short Redis claim.',
  options: {
    url: { doc: 'Redis URL (redis://host:port/db); prefer urlEnv when it holds a password.', format: String, default: 'redis://127.0.0.1:6379' },
    urlEnv: { doc: 'Environment variable holding the URL instead (its password is never printed).', format: String, default: 'ARGO_REDIS_URL' },
    namespace: { doc: 'Prefix of every key, so several deployments can share one Redis.', format: String, default: 'argo-reasoning' },
    ttlMs: { doc: 'How long a text is served from the cache.', format: 'nat', default: 3_600_000 },
    maxEntries: { doc: 'Texts kept in the namespace; the oldest written are evicted beyond it (by every process alike).', format: 'nat', default: 100_000 },
    lockMs: { doc: 'How long a claim to explain a key lasts (longer than an explainer call with its retries).', format: 'nat', default: 60_000 },
  },
  async create({ options, env, now, logger }) {
    const url = env[options.urlEnv]?.trim() || options.url;
    // Required here: every command loads the built-in plugins, few use Redis.
    const { default: KeyvRedis, createClient } = require('@keyv/redis') as { default: new (client: unknown) => object; createClient: (options: object) => RedisClient };
    // Unreachable at start: fail at once; lost later: reconnect with backoff (the cache's calls fail meanwhile, the run goes on with the explainer).
    let connected = false;
    const client = createClient({
      url,
      // While Redis is away a call fails at once rather than waiting in a queue: the cycle goes on without the cache.
      disableOfflineQueue: true,
      socket: { connectTimeout: 3000, reconnectStrategy: (retries: number) => (connected ? Math.min(1000, 50 * 2 ** retries) : new Error('not reachable')) },
    });
    let reported = false;
    // The reason a connect fails (a refused connection, WRONGPASS) comes as an 'error' event; the connect's own rejection only says it gave up.
    let lastError: unknown;
    client.on('error', (error) => {
      lastError = error;
      if (!reported) logger.warn({ err: messageOf(error).replace(url, urlWithoutPassword(url)) }, 'redis reasoning cache: connection error; reconnecting');
      reported = true;
    });
    try {
      await client.connect();
      connected = true;
    } catch (error) {
      try {
        client.destroy?.();
      } catch {
        // already closed by the failed connect
      }
      const reason = lastError === undefined || lastError === error ? messageOf(error) : `${messageOf(error)}: ${messageOf(lastError)}`;
      throw new ArgoError('ARGO_ERR_STORAGE_UNAVAILABLE', `reasoning.cache.url: ${urlWithoutPassword(url)} cannot be reached: ${reason.split(url).join(urlWithoutPassword(url))}`, { cause: error });
    }
    const keyv = new Keyv({ store: new KeyvRedis(client), namespace: options.namespace });
    // Keys by when they were written, to keep the namespace at maxEntries across processes.
    const index = `${options.namespace}:written`;
    let evictions = 0;
    const cache = keyvReasoningCache(keyv, options.ttlMs, now, () => evictions, async () => {
      await client.quit?.().catch(() => client.destroy?.());
    });
    return {
      ...cache,
      async set(key, text) {
        await cache.set(key, text);
        // A counter shared by every process orders the writes (clocks differ between machines).
        const order = String(await client.sendCommand(['INCR', `${index}:counter`]));
        await client.sendCommand(['ZADD', index, order, key]);
        const excess = Number(await client.sendCommand(['ZCARD', index])) - options.maxEntries;
        if (excess <= 0) return;
        const popped = (await client.sendCommand(['ZPOPMIN', index, String(excess)])) as string[];
        // ZPOPMIN answers member, score, member, score, …
        for (let i = 0; i < popped.length; i += 2) {
          await keyv.delete(popped[i]);
          evictions++;
        }
      },
      async claim(key) {
        const lock = `${options.namespace}:claim:${key}`;
        const token = randomUUID();
        const won = (await client.sendCommand(['SET', lock, token, 'NX', 'PX', String(options.lockMs)])) === 'OK';
        if (won) return { won: true, release: async () => void (await client.sendCommand(['EVAL', RELEASE, '1', lock, token])) };
        const left = Number(await client.sendCommand(['PTTL', lock]));
        return { won: false, heldForMs: left > 0 ? left : 0 };
      },
    };
  },
});
