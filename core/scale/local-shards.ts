/** Shard runners on this machine: child processes (`--processes N`, kept for the run or the service), or Piscina worker threads (`--threads N`). */
import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type Piscina from 'piscina';
import { ArgoError, isErrorCode, messageOf } from '../errors/errors';
import type { ShardMessage } from '../../workers/shard-process';
import { within } from '../util/within';
import type { PackedRows, Shard, ShardResult, ShardRunner } from '../engine/shard-contract';

/** An error a worker reported by code and message, coded again here (a coded message starts with its code, which a thread's clone of the error keeps alone). */
export function errorFromWorker(shard: Shard, reported: string | null, message: string): ArgoError {
  const code = reported ?? /^(ARGO_ERR_[A-Z_]+): /.exec(message)?.[1] ?? null;
  if (code !== null && isErrorCode(code)) return new ArgoError(code, message.replace(`${code}: `, ''));
  return new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id} (${shard.symbols.length} symbols): ${message}`);
}

const CHILD = path.join(__dirname, '../../workers/shard-process.js');

function forkChild(): ChildProcess {
  return fork(CHILD, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

function diedWithout(shard: Shard, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): ArgoError {
  return new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id} (${shard.symbols.length} symbols): its child process ${child.pid} ended (${signal ?? `exit code ${code}`}) without an answer`);
}

/** How long children and threads asked to stop (SIGTERM) may take to answer before they are ended (a shard that spins never answers). */
const STOP_GRACE_MS = 10_000;

/**
 * `answer` bounded by `timeoutMs` (`distributed.timeoutMs`): past it, `end` ends the child or
 * thread (it spins, or it was stopped) and the shard fails with ARGO_ERR_SHARD_FAILED.
 */
async function bounded<T>(shard: Shard, answer: Promise<T>, timeoutMs: number, end: () => void): Promise<T> {
  const answered = await within(answer, timeoutMs);
  if (answered !== null) return answered;
  end();
  throw new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id} (${shard.symbols.length} symbols): no answer within distributed.timeoutMs (${timeoutMs} ms); its worker was ended`);
}

/** True until `child` has exited. */
function alive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** Kills `child` if it has not ended after the grace (a child that spins or is stopped cannot act on SIGTERM or a closed channel). */
function killAfterGrace(child: ChildProcess): void {
  setTimeout(() => alive(child) && child.kill('SIGKILL'), STOP_GRACE_MS).unref();
}

/** A shard sent to a child, waiting for its answer. */
interface Waiting {
  readonly shard: Shard;
  readonly child: ChildProcess;
  readonly onRows?: (rows: PackedRows) => void;
  readonly resolve: (result: ShardResult) => void;
  readonly reject: (error: ArgoError) => void;
}

/**
 * `count` child processes (`--processes N`), started with the runner and kept until it
 * closes, so a run pays for process start and module loading once, while its scheduler is
 * still building its own run. A shard key always goes to the same child (a live shard's run,
 * and so its indicator state, stays there); a range's rows stream back as the child's cycles
 * produce them. A child that dies fails the shards it held and is started again for the next.
 */
export class ProcessShardRunner implements ShardRunner {
  readonly kind = 'processes';
  readonly #children: (ChildProcess | undefined)[];
  readonly #pending = new Map<number, Waiting>();
  /** Which child a shard key goes to: the one with the fewest keys when the key was first seen. */
  readonly #childOf = new Map<string, number>();
  #next = 1;

  /** `timeoutMs`: the longest a shard may take (`distributed.timeoutMs`); a child that does not answer by then (it spins, or was stopped) is killed and started again. */
  constructor(
    count: number,
    private readonly timeoutMs: number,
  ) {
    this.#children = Array.from({ length: count }, () => this.#start());
  }

  #start(): ChildProcess {
    const child = forkChild();
    child.on('message', (message: ShardMessage) => {
      const waiting = this.#pending.get(message.id);
      if (waiting === undefined) return;
      if (message.type === 'rows') return waiting.onRows?.(message.rows);
      this.#pending.delete(message.id);
      if (message.type === 'result') waiting.resolve(message.result);
      else if (message.type === 'error') waiting.reject(errorFromWorker(waiting.shard, message.code, message.message));
    });
    child.on('exit', (code, signal) => {
      for (const [id, waiting] of this.#pending) {
        if (waiting.child !== child) continue;
        this.#pending.delete(id);
        waiting.reject(diedWithout(waiting.shard, child, code, signal));
      }
    });
    // A child that cannot start fails the shards sent to it through its exit.
    child.on('error', () => undefined);
    return child;
  }

  #child(index: number): ChildProcess {
    const known = this.#children[index];
    if (known !== undefined && alive(known)) return known;
    return (this.#children[index] = this.#start());
  }

  run(shard: Shard, onRows?: (rows: PackedRows) => void): Promise<ShardResult> {
    let index = this.#childOf.get(shard.key);
    if (index === undefined) {
      const held = this.#children.map((_, i) => [...this.#childOf.values()].filter((c) => c === i).length);
      this.#childOf.set(shard.key, (index = held.indexOf(Math.min(...held))));
    }
    const child = this.#child(index);
    const id = this.#next++;
    const answer = new Promise<ShardResult>((resolve, reject) => {
      this.#pending.set(id, { shard, child, onRows, resolve, reject });
      child.send({ type: 'shard', id, shard, stream: onRows !== undefined } satisfies ShardMessage, (error) => {
        if (error === null || !this.#pending.delete(id)) return;
        reject(new ArgoError('ARGO_ERR_SHARD_FAILED', `shard ${shard.id}: its child process ${child.pid} cannot be reached: ${messageOf(error)}`));
      });
    });
    return bounded(shard, answer, this.timeoutMs, () => {
      this.#pending.delete(id);
      // Forgotten at once: its exit may be seen only later, and the next shard needs a child that answers.
      if (this.#children[index!] === child) this.#children[index!] = undefined;
      child.kill('SIGKILL');
    });
  }

  /** SIGTERM to every child: the shards in progress stop after their cycle and answer with what they did; a child that does not within the grace is killed. */
  stop(): void {
    for (const child of this.#children) {
      if (child === undefined || !alive(child)) continue;
      child.kill('SIGTERM');
      killAfterGrace(child);
    }
  }

  /** Lets each child end once it has nothing left (its IPC channel closed); one that does not within the grace (stopped, spinning) is killed. */
  async close(): Promise<void> {
    for (const child of this.#children) {
      if (child === undefined || !alive(child)) continue;
      if (child.connected) child.disconnect();
      killAfterGrace(child);
    }
  }
}

/** Shards on a Piscina pool of `threads` worker threads, loaded on first use. */
export class ThreadShardRunner implements ShardRunner {
  readonly kind = 'threads';
  #pool: Piscina | undefined;

  readonly #running = new Set<AbortController>();

  /** `timeoutMs`: the longest a shard may take (`distributed.timeoutMs`); past it its thread is terminated. */
  constructor(
    private readonly threads: number,
    private readonly timeoutMs: number,
  ) {}

  run(shard: Shard): Promise<ShardResult> {
    const PiscinaClass = require('piscina') as typeof Piscina;
    this.#pool ??= new PiscinaClass({ filename: path.join(__dirname, '../../workers/shard-task.js'), minThreads: 0, maxThreads: this.threads, idleTimeout: 1000 });
    const abort = new AbortController();
    this.#running.add(abort);
    const answer = this.#pool.run(shard, { signal: abort.signal }).catch((error: unknown) => Promise.reject(errorFromWorker(shard, (error as { code?: string }).code ?? null, messageOf(error)))) as Promise<ShardResult>;
    return bounded(shard, answer, this.timeoutMs, () => abort.abort()).finally(() => this.#running.delete(abort));
  }

  /** Threads cannot be signalled: the shards in progress get the grace to finish, then their threads are terminated. */
  stop(): void {
    const running = [...this.#running];
    setTimeout(() => running.forEach((abort) => abort.abort()), STOP_GRACE_MS).unref();
  }

  async close(): Promise<void> {
    await this.#pool?.destroy();
  }
}
