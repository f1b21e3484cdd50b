import type { Redis, RedisOptions } from 'ioredis';
import type { EngineConfig } from '../config/config-schema';
import { ArgoError, messageOf } from '../errors/errors';
import type { Logger } from '../util/logger';
import { urlWithoutPassword } from '../util/url-without-password';

/** Where the queue lives: its Redis URL (from `distributed.urlEnv` when that is set) and how it may be printed. */
export interface QueueAddress {
  readonly url: string;
  readonly printable: string;
  readonly options: RedisOptions;
  readonly queue: string;
  readonly prefix: string;
}

/** The queue `distributed` names, its URL read and checked; a bad URL or queue name is a config error naming the key. */
export function queueAddress(config: EngineConfig['distributed'], env: Readonly<Record<string, string | undefined>>): QueueAddress {
  const fromEnv = env[config.urlEnv]?.trim();
  const url = fromEnv || config.url;
  const key = fromEnv ? config.urlEnv : 'distributed.url';
  const printable = urlWithoutPassword(url);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `${key}: expected a redis:// or rediss:// URL, got ${printable}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `${key}: expected a redis:// or rediss:// URL, got ${printable}`);
  if (config.queue.includes(':')) throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `distributed.queue: BullMQ queue names cannot contain ":", got ${JSON.stringify(config.queue)}`);
  const db = parsed.pathname.length > 1 ? Number(parsed.pathname.slice(1)) : 0;
  const options: RedisOptions = {
    host: parsed.hostname,
    port: parsed.port === '' ? 6379 : Number(parsed.port),
    username: parsed.username === '' ? undefined : decodeURIComponent(parsed.username),
    password: parsed.password === '' ? undefined : decodeURIComponent(parsed.password),
    db,
    tls: parsed.protocol === 'rediss:' ? {} : undefined,
    // BullMQ's blocking commands need it; a lost connection is retried with backoff, capped at 2 s.
    maxRetriesPerRequest: null,
    retryStrategy: (times: number) => Math.min(2000, 50 * 2 ** times),
  };
  return { url, printable, options, queue: config.queue, prefix: config.prefix };
}

/** The longest a start-up check of the queue's Redis waits. */
export const CONNECT_TIMEOUT_MS = 3000;

/** `text` with the queue's URL in its printable form (a driver's message may quote it, password and all). */
function printable(address: QueueAddress, text: string): string {
  return text.split(address.url).join(address.printable);
}

/** The coded error of an unreachable queue, the URL without its password. */
export function queueUnavailable(address: QueueAddress, why: string, cause?: unknown): ArgoError {
  return new ArgoError('ARGO_ERR_QUEUE_UNAVAILABLE', `distributed.url: ${address.printable} (queue ${address.queue}): ${printable(address, why)}`, { cause });
}

/** Connects `client` (made with lazyConnect) and asks Redis once; unreachable, disconnects it and throws the coded error (exit 2). */
export async function connectOrThrow(client: Redis, address: QueueAddress): Promise<void> {
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    client.disconnect();
    throw queueUnavailable(address, `cannot be reached: ${messageOf(error)}`, error);
  }
}

/** What emits a connection's errors and says when it is ready again (an ioredis client, a BullMQ worker). */
interface ConnectionEvents {
  on(event: 'error', listener: (error: Error) => void): unknown;
  on(event: 'ready', listener: () => void): unknown;
}

/** Logs the first error of each outage of `connection` (a reconnecting client fails every try), the URL printable. */
export function logOutages(connection: ConnectionEvents, address: QueueAddress, logger: Logger, message: string): void {
  let reported = false;
  connection.on('error', (error) => {
    if (!reported) logger.warn({ err: printable(address, messageOf(error)), queue: address.printable }, message);
    reported = true;
  });
  connection.on('ready', () => (reported = false));
}
