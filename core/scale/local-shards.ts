/** Shard runners on this machine: one child process a shard (`--processes N`), or Piscina worker threads (`--threads N`). */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type Piscina from 'piscina';
import { ArgoError, isErrorCode, messageOf } from '../errors/errors';
import type { ShardMessage } from '../../workers/shard-process';
import type { Shard, ShardResult, ShardRunner } from './shard';

/** An error a worker reported by code and message, coded again here (a coded message starts with its code, which a thread's clone of the error keeps alone). */
export function errorFromWorker(shard: Shard, reported: string | null, message: string): ArgoError {
  const code = reported ?? /^(ARGO_ERR_[A-Z_]+): /.exec(message)?.[1] ?? null;
  if (code !== null && isErrorCode(code)) return new ArgoError(code, message.replace(`${code}: `, ''));
  return new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id} (${shard.symbols.length} symbols): ${message}`);
}

/** One child process a shard, started for it and ended after it answers; SIGTERM on `stop` (they answer with what they did). */
export class ProcessShardRunner implements ShardRunner {
  readonly kind = 'processes';
  readonly #children = new Set<ChildProcess>();

  run(shard: Shard): Promise<ShardResult> {
    const child = fork(path.join(__dirname, '../../workers/shard-process.js'), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    this.#children.add(child);
    return new Promise<ShardResult>((resolve, reject) => {
      let answer: ShardMessage | undefined;
      child.on('message', (message: ShardMessage) => (answer = message));
      child.on('error', (error) => reject(new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id}: the child process failed to start: ${messageOf(error)}`)));
      child.on('exit', (code, signal) => {
        this.#children.delete(child);
        if (answer?.type === 'result') resolve(answer.result);
        else if (answer?.type === 'error') reject(errorFromWorker(shard, answer.code, answer.message));
        else reject(new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id} (${shard.symbols.length} symbols): its child process ${child.pid} ended (${signal ?? `exit code ${code}`}) without an answer`));
      });
      child.send({ type: 'shard', shard } satisfies ShardMessage);
    });
  }

  stop(): void {
    for (const child of this.#children) child.kill('SIGTERM');
  }

  async close(): Promise<void> {
    for (const child of this.#children) child.kill('SIGKILL');
  }
}

/** Shards on a Piscina pool of `threads` worker threads, loaded on first use. */
export class ThreadShardRunner implements ShardRunner {
  readonly kind = 'threads';
  #pool: Piscina | undefined;

  constructor(private readonly threads: number) {}

  run(shard: Shard): Promise<ShardResult> {
    const PiscinaClass = require('piscina') as typeof Piscina;
    this.#pool ??= new PiscinaClass({ filename: path.join(__dirname, '../../workers/shard-task.js'), minThreads: 0, maxThreads: this.threads, idleTimeout: 1000 });
    return this.#pool.run(shard).catch((error: unknown) => Promise.reject(errorFromWorker(shard, (error as { code?: string }).code ?? null, messageOf(error)))) as Promise<ShardResult>;
  }

  async close(): Promise<void> {
    await this.#pool?.destroy();
  }
}
