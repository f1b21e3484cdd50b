/**
 * A child process of `--processes N`, kept by its parent for the life of a run or a service:
 * answers every shard sent over IPC, streaming a range's rows as its cycles produce them, and
 * keeps the run of each live shard so its indicator state carries over to the next cycle,
 * until its parent goes. SIGTERM stops a replay after the cycle in progress; it still answers
 * with what it evaluated.
 */
import 'reflect-metadata';
import type { Run } from '../core/engine/run';
import { isArgoError, messageOf } from '../core/errors/errors';
import { LiveShards, evaluateShard } from '../core/scale/evaluate-shard';
import type { PackedRows, Shard, ShardResult } from '../core/engine/shard-contract';
import { localShardHost } from './shard-host';

/** What the parent and a shard child say to each other; `id` pairs an answer with its shard. */
export type ShardMessage =
  | { readonly type: 'shard'; readonly id: number; readonly shard: Shard; readonly stream: boolean }
  | { readonly type: 'rows'; readonly id: number; readonly rows: PackedRows }
  | { readonly type: 'result'; readonly id: number; readonly result: ShardResult }
  | { readonly type: 'error'; readonly id: number; readonly code: string | null; readonly message: string };

const running = new Set<Run>();
let stopped = false;
process.on('SIGTERM', () => {
  stopped = true;
  for (const run of running) run.requestStop();
});
// The parent's Ctrl-C reaches the whole process group: the parent decides, the child finishes its cycle when told.
process.on('SIGINT', () => undefined);

const live = new LiveShards();
const host = {
  ...localShardHost((run, started) => {
    if (!started) running.delete(run);
    else if (stopped) run.requestStop();
    else running.add(run);
  }),
  live,
};

process.on('message', (message: ShardMessage) => {
  if (message.type !== 'shard') return;
  const { id } = message;
  const onRows = message.stream ? (rows: PackedRows) => process.send!({ type: 'rows', id, rows } satisfies ShardMessage) : undefined;
  evaluateShard(host, message.shard, onRows).then(
    (result) => process.send!({ type: 'result', id, result } satisfies ShardMessage),
    (error: unknown) => process.send!({ type: 'error', id, code: isArgoError(error) ? error.code : null, message: messageOf(error) } satisfies ShardMessage),
  );
});
// The parent gone (closed or killed), nothing is left to answer.
process.on('disconnect', () => void live.close().finally(() => process.exit(0)));
