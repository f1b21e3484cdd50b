/**
 * The scheduler's side of the distributed queue (BullMQ on Redis): each shard is a job;
 * `argo-signals worker` processes evaluate them. Delivery is at least once (a worker lost
 * mid-shard has its job taken by another once its lock expires); the scheduler stores the
 * signals of a finished shard itself, idempotently by id, so a retried shard stores nothing twice.
 */
import type { Job, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { EngineConfig } from '../config/config-schema';
import { ArgoError, messageOf } from '../errors/errors';
import type { Logger } from '../util/logger';
import { within } from '../util/within';
import { CONNECT_TIMEOUT_MS, connectOrThrow, logOutages, queueAddress, queueUnavailable, type QueueAddress } from './queue-connection';
import { takeResult, type ResultRef } from './queue-results';
import type { Shard, ShardResult, ShardRunner } from '../engine/shard-contract';

/** How long closing may wait for Redis before the connections are dropped. */
const CLOSE_MS = 2000;
/** A shard still waiting this long after it was enqueued is said (once until one is taken), naming the queue and its live workers. */
const UNTAKEN_WARN_MS = 5000;

/** What a job of the queue carries. */
export interface ShardJob {
  readonly shard: Shard;
}

export class QueueShardRunner implements ShardRunner {
  readonly kind = 'queue';
  /** Rejects the waits in progress when the connection to Redis is lost (a restarted Redis may have lost their jobs). */
  readonly #waiting = new Set<(error: Error) => void>();
  /** The jobs of shards waited for, removed on stop. */
  readonly #jobs = new Set<Job<ShardJob, ResultRef>>();
  #toldUntaken = false;
  #stopped = false;

  private constructor(
    private readonly address: QueueAddress,
    private readonly config: EngineConfig['distributed'],
    private readonly client: Redis,
    private readonly eventsClient: Redis,
    private readonly queue: Queue<ShardJob, ResultRef>,
    private readonly events: QueueEvents,
    private readonly logger: Logger,
  ) {
    client.on('close', () => {
      const lost = queueUnavailable(address, 'the connection to Redis was lost while shards were on the queue');
      for (const reject of this.#waiting) reject(lost);
      this.#waiting.clear();
    });
  }

  /** Connects to the queue's Redis; unreachable, a coded error naming the URL without its password (exit 2). */
  static async open(config: EngineConfig['distributed'], env: Readonly<Record<string, string | undefined>>, logger: Logger): Promise<QueueShardRunner> {
    const address = queueAddress(config, env);
    const { Queue, QueueEvents } = require('bullmq') as typeof import('bullmq');
    const { Redis } = require('ioredis') as typeof import('ioredis');
    // Commands fail at once while Redis is away (a cycle then fails and /readyz says why) instead of waiting in memory.
    const client = new Redis({ ...address.options, enableOfflineQueue: false, lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS });
    logOutages(client, address, logger, 'distributed queue: Redis connection error; reconnecting');
    await connectOrThrow(client, address);
    const queue = new Queue<ShardJob, ResultRef>(address.queue, { connection: client, prefix: address.prefix });
    // Its own connection, ours to drop: BullMQ's close of a connection it made waits for a Redis that may be gone.
    const eventsClient = new Redis({ ...address.options, maxRetriesPerRequest: null });
    eventsClient.on('error', () => undefined);
    const events = new QueueEvents(address.queue, { connection: eventsClient, prefix: address.prefix });
    events.on('error', () => undefined);
    // Each shard waited for listens on both until it finishes: a cycle of many shards is no leak.
    queue.setMaxListeners(0);
    events.setMaxListeners(0);
    await events.waitUntilReady();
    return new QueueShardRunner(address, config, client, eventsClient, queue, events, logger);
  }

  /** False while Redis is not reachable. */
  ready(): boolean {
    return this.client.status === 'ready';
  }

  /** Where the queue is, printable. */
  get where(): string {
    return `${this.address.printable} (queue ${this.address.queue})`;
  }

  /** Workers listening on the queue now; null while Redis does not answer. */
  async liveWorkers(): Promise<number | null> {
    if (!this.ready()) return null;
    return within(this.queue.getWorkersCount().catch(() => null), CLOSE_MS);
  }

  /** Cancels the shards waited for (SIGTERM of the scheduler): their waits fail at once and jobs no worker took yet are removed. */
  stop(): void {
    this.#stopped = true;
    const cancelled = new ArgoError('ARGO_ERR_SHARD_FAILED', `cancelled: the scheduler was asked to stop; its shards not yet taken are removed from ${this.where}`);
    for (const reject of this.#waiting) reject(cancelled);
    this.#waiting.clear();
    for (const job of this.#jobs) void job.remove().catch(() => undefined);
  }

  /** Says once, until a shard is taken, that `job` waits for a worker: with none, a run would wait out distributed.timeoutMs in silence. */
  async #tellIfUntaken(job: Job<ShardJob, ResultRef>, shard: Shard): Promise<void> {
    const state = await job.getState().catch(() => 'unknown');
    if (state !== 'waiting' && state !== 'prioritized') {
      this.#toldUntaken = false;
      return;
    }
    if (this.#toldUntaken) return;
    this.#toldUntaken = true;
    const workers = await this.liveWorkers();
    this.logger.warn({ queue: this.where, shard: shard.id, workers }, `no worker has taken a shard within ${UNTAKEN_WARN_MS / 1000} s (${workers ?? 'unknown'} listening): start \`argo-signals worker\` on this queue; the shard fails after distributed.timeoutMs`);
  }

  async run(shard: Shard): Promise<ShardResult> {
    if (this.#stopped) throw new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id} not enqueued: the scheduler was asked to stop`);
    if (!this.ready()) throw queueUnavailable(this.address, `Redis is not reachable (connection ${this.client.status}); shard ${shard.id} not enqueued`);
    const { attempts, timeoutMs, lockMs } = this.config;
    let job;
    try {
      job = await this.queue.add('shard', { shard }, {
        jobId: shard.id.replaceAll(':', '.'),
        attempts,
        backoff: { type: 'fixed', delay: Math.min(1000, lockMs) },
        // The scheduler removes a job once it has its answer; these only bound what a scheduler that died leaves.
        removeOnComplete: { age: 3600 },
        // A failed shard is kept with its error for a day (the latest 1,000).
        removeOnFail: { age: 86_400, count: 1000 },
      });
    } catch (error) {
      throw queueUnavailable(this.address, `shard ${shard.id} could not be enqueued: ${messageOf(error)}`, error);
    }
    if (this.#stopped) {
      await job.remove().catch(() => undefined);
      throw new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id} removed from ${this.where}: the scheduler was asked to stop`);
    }
    let reject!: (error: Error) => void;
    const lost = new Promise<never>((_, rejectLost) => (reject = rejectLost));
    this.#waiting.add(reject);
    // Our own timer, cleared when the wait ends: BullMQ's ttl timer outlives a wait given up on (Redis lost) and holds the process for timeoutMs.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, rejectLate) => (timer = setTimeout(rejectLate, timeoutMs, new Error('timed out'))));
    const watchdog = setTimeout(() => void this.#tellIfUntaken(job, shard), UNTAKEN_WARN_MS);
    const finished = job.waitUntilFinished(this.events);
    finished.catch(() => undefined);
    this.#jobs.add(job);
    try {
      const ref = await Promise.race([finished, lost, late]);
      await job.remove().catch(() => undefined);
      const result = await takeResult(this.client, ref);
      if (result === null) throw queueUnavailable(this.address, `the answer of shard ${shard.id} is gone from Redis (${ref.key})`);
      return result;
    } catch (error) {
      if (error instanceof ArgoError) throw error;
      const why = /timed out/i.test(messageOf(error)) ? `no answer within distributed.timeoutMs (${timeoutMs} ms): no worker took it, or every attempt was lost` : `failed after its attempts: ${messageOf(error)}`;
      throw new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id} (${shard.symbols.length} symbols) on ${this.where}: ${why}`, { cause: error });
    } finally {
      clearTimeout(timer);
      clearTimeout(watchdog);
      this.#jobs.delete(job);
      this.#waiting.delete(reject);
    }
  }

  /** Removes every key of the queue, answers and event stream included (a benchmark's or a test's queue when it is done). */
  async obliterate(): Promise<void> {
    await this.queue.obliterate({ force: true });
    const keys = await this.client.keys(`${this.address.prefix}:${this.address.queue}:*`);
    if (keys.length > 0) await this.client.del(...keys);
  }

  async close(): Promise<void> {
    // A graceful close waits for Redis to answer QUIT: while it is away that is forever, so it is bounded and then forced.
    await within(Promise.allSettled([this.events.close(), this.queue.close()]), CLOSE_MS);
    this.eventsClient.disconnect();
    this.client.disconnect();
  }
}
