/**
 * A child process of `replay --processes N`: evaluates the one shard its parent sends over
 * IPC, answers with the result (or the coded error) and exits. SIGTERM stops its replay
 * after the cycle in progress; it still answers with what it evaluated.
 */
import 'reflect-metadata';
import type { Run } from '../core/engine/run';
import { isArgoError, messageOf } from '../core/errors/errors';
import { evaluateShard } from '../core/scale/evaluate-shard';
import type { Shard } from '../core/scale/shard';
import { localShardHost } from './shard-host';

/** What the parent and a shard child say to each other. */
export type ShardMessage =
  | { readonly type: 'shard'; readonly shard: Shard }
  | { readonly type: 'result'; readonly result: Awaited<ReturnType<typeof evaluateShard>> }
  | { readonly type: 'error'; readonly code: string | null; readonly message: string };

let running: Run | null = null;
let stopped = false;
process.on('SIGTERM', () => {
  stopped = true;
  running?.requestStop();
});
// The parent's Ctrl-C reaches the whole process group: the parent decides, the child finishes its cycle when told.
process.on('SIGINT', () => undefined);

const host = localShardHost((run) => {
  running = run;
  if (stopped) run?.requestStop();
});

process.once('message', (message: ShardMessage) => {
  if (message.type !== 'shard') return;
  evaluateShard(host, message.shard).then(
    (result) => reply({ type: 'result', result }),
    (error: unknown) => reply({ type: 'error', code: isArgoError(error) ? error.code : null, message: messageOf(error) }),
  );
});

function reply(message: ShardMessage): void {
  process.send!(message, () => process.disconnect());
}
