/**
 * `argo-signals worker`: takes shards off the BullMQ queue and evaluates them. A worker
 * holds each shard's lock while it works and renews it; killed, its shard is taken by
 * another worker once the lock expires (`distributed.lockMs`). A live shard's run is kept by
 * shard key, so a worker given the same shard again continues its indicator state.
 */
import type { ConnectionOptions, Job, Worker } from 'bullmq';
import type { EngineConfig } from '../config/config-schema';
import { isArgoError, messageOf } from '../errors/errors';
import { LiveShards, evaluateShard, type ShardHost } from './evaluate-shard';
import { CONNECT_TIMEOUT_MS, connectOrThrow, logOutages, queueAddress } from './queue-connection';
import type { ShardJob } from './queue-shards';
import { putResult, type ResultRef } from './queue-results';
import { within } from '../util/within';

/** A running worker: where it listens, and how to stop it (after the shards in progress). */
export interface QueueWorker {
  readonly where: string;
  /** Waits up to `ms` for the shards in progress and the connections; false when it gave up (Redis away): the process must end itself. */
  close(ms: number): Promise<boolean>;
}

/** Starts a worker on the queue of `config`; an unreachable Redis is a coded error naming the URL without its password (exit 2). */
export async function startQueueWorker(host: ShardHost, config: EngineConfig['distributed'], env: Readonly<Record<string, string | undefined>>): Promise<QueueWorker> {
  const address = queueAddress(config, env);
  const { Worker, UnrecoverableError } = require('bullmq') as typeof import('bullmq');
  const { Redis } = require('ioredis') as typeof import('ioredis');
  // Checks Redis at start (unreachable: fail at once), then carries the shards' answers.
  const results = new Redis({ ...address.options, lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS });
  // Its outages are the worker's own, logged once below.
  results.on('error', () => undefined);
  await connectOrThrow(results, address);
  const live = new LiveShards();
  const shardHost: ShardHost = { ...host, live };
  const worker: Worker<ShardJob, ResultRef> = new Worker<ShardJob, ResultRef>(
    address.queue,
    async (job: Job<ShardJob, ResultRef>) => {
      const { shard } = job.data;
      host.logger.info({ shard: shard.id, symbols: shard.symbols.length, attempt: job.attemptsStarted }, 'shard started');
      try {
        const result = await evaluateShard(shardHost, shard);
        return await putResult(results, address.prefix, address.queue, job.id!, { ...result, attempts: job.attemptsStarted });
      } catch (error) {
        // A worker that cannot build the scheduler's configuration never will: no retry.
        if (isArgoError(error, 'ARGO_ERR_SHARD_CONFIG') || isArgoError(error, 'ARGO_ERR_CONFIG_INVALID')) throw new UnrecoverableError(error.message);
        throw error;
      }
    },
    {
      connection: address.options as ConnectionOptions,
      prefix: address.prefix,
      concurrency: config.concurrency,
      lockDuration: config.lockMs,
      stalledInterval: config.lockMs,
      maxStalledCount: config.attempts,
    },
  );
  logOutages(worker, address, host.logger, 'worker: Redis connection error; reconnecting');
  worker.on('failed', (job, error) => host.logger.error({ shard: job?.data.shard.id, err: messageOf(error) }, 'shard failed'));
  await worker.waitUntilReady();
  return {
    where: `${address.printable} (queue ${address.queue}, prefix ${address.prefix})`,
    async close(ms) {
      // Closing waits for Redis to acknowledge; while it is away that is forever. Shards left are taken by another worker once their locks expire.
      const closed = (await within(worker.close().then(() => true), ms)) ?? false;
      await live.close();
      results.disconnect();
      return closed;
    },
  };
}
