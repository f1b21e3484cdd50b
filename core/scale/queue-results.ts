/**
 * How a shard's answer travels through Redis: gzipped JSON under a key of its own that
 * expires, while the job returns only that key. A five-year shard answers with tens of MB of
 * rows and signals; as a job's return value it would also be copied into the queue's event
 * stream, which keeps thousands of events.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import type { ShardResult } from '../engine/shard-contract';

/** What a job returns: where its answer is, and how large it is compressed. */
export interface ResultRef {
  readonly key: string;
  readonly bytes: number;
}

/** How long an answer waits for its scheduler (one that died leaves it to expire). */
const RESULT_TTL_MS = 3_600_000;

export async function putResult(client: Redis, prefix: string, queue: string, jobId: string, result: ShardResult): Promise<ResultRef> {
  const key = `${prefix}:${queue}:result:${jobId}`;
  const payload = gzipSync(JSON.stringify(result), { level: 1 });
  await client.set(key, payload, 'PX', RESULT_TTL_MS);
  return { key, bytes: payload.length };
}

/** The answer at `ref`, deleted once read; null when it is gone (expired, or Redis lost it). */
export async function takeResult(client: Redis, ref: ResultRef): Promise<ShardResult | null> {
  const payload = await client.getBuffer(ref.key);
  if (payload === null) return null;
  await client.del(ref.key);
  return JSON.parse(gunzipSync(payload).toString('utf8')) as ShardResult;
}
