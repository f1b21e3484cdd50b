/**
 * A child process of `--processes N`. One-shot (`replay`, `ab`, `sweep`): evaluates the one
 * shard its parent sends over IPC, answers and exits. Persistent (`serve --processes N`, with
 * `--persistent`): answers every shard sent, keeping the run of each live shard so its
 * indicator state carries over to the next cycle, until its parent goes. SIGTERM stops a
 * replay after the cycle in progress; it still answers with what it evaluated.
 */
import 'reflect-metadata';
import type { Run } from '../core/engine/run';
import { isArgoError, messageOf } from '../core/errors/errors';
import { LiveShards, evaluateShard } from '../core/scale/evaluate-shard';
import type { Shard, ShardResult } from '../core/engine/shard-contract';
import { localShardHost } from './shard-host';

/** What the parent and a shard child say to each other; `id` pairs an answer with its shard. */
export type ShardMessage =
  | { readonly type: 'shard'; readonly id: number; readonly shard: Shard }
  | { readonly type: 'result'; readonly id: number; readonly result: ShardResult }
  | { readonly type: 'error'; readonly id: number; readonly code: string | null; readonly message: string };

const persistent = process.argv.includes('--persistent');
let running: Run | null = null;
let stopped = false;
process.on('SIGTERM', () => {
  stopped = true;
  running?.requestStop();
});
// The parent's Ctrl-C reaches the whole process group: the parent decides, the child finishes its cycle when told.
process.on('SIGINT', () => undefined);

const live = persistent ? new LiveShards() : undefined;
const host = {
  ...localShardHost((run) => {
    running = run;
    if (stopped) run?.requestStop();
  }),
  live,
};

const onMessage = (message: ShardMessage) => {
  if (message.type !== 'shard') return;
  const { id } = message;
  evaluateShard(host, message.shard).then(
    (result) => reply({ type: 'result', id, result }),
    (error: unknown) => reply({ type: 'error', id, code: isArgoError(error) ? error.code : null, message: messageOf(error) }),
  );
};
if (persistent) {
  process.on('message', onMessage);
  // The parent gone (closed or killed), nothing is left to answer.
  process.on('disconnect', () => void live!.close().finally(() => process.exit(0)));
} else process.once('message', onMessage);

function reply(message: ShardMessage): void {
  process.send!(message, () => {
    if (!persistent) process.disconnect();
  });
}
