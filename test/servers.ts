import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';
import { ROOT } from './helpers';

/** Whether a server answers, asked once in a child process (suites are defined before any hook runs). */
function answers(script: string): boolean {
  return spawnSync(process.execPath, ['-e', script], { cwd: ROOT, timeout: 10_000 }).status === 0;
}

export const REDIS_URL = 'redis://127.0.0.1:6379';
export const PG_URL = process.env.ARGO_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const redisAnswers = () =>
  answers("const { Redis } = require('ioredis'); const r = new Redis({ lazyConnect: true, retryStrategy: () => null }); r.on('error', () => undefined); r.connect().then(() => r.ping()).then(() => process.exit(0), () => process.exit(1));");
export const pgAnswers = () =>
  answers(`const { Client } = require('pg'); const c = new Client(${JSON.stringify(PG_URL)}); c.connect().then(() => c.end()).then(() => process.exit(0), () => process.exit(1));`);

/** Drops `schemas` (and everything in them) from the test database. */
export async function dropPgSchemas(schemas: Iterable<string>): Promise<void> {
  const { Client } = await import('pg');
  const client = new Client(PG_URL);
  await client.connect();
  try {
    for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** Skips the test with a message naming the missing server, or fails it where CI requires the servers. */
export function needs(test: Mocha.Context, server: string): void {
  if (process.env.ARGO_REQUIRE_SERVICES === '1') throw new Error(`${server} does not answer, and ARGO_REQUIRE_SERVICES=1 (CI) requires it`);
  console.log(`    (${server} does not answer: skipped; .ci/run starts it)`);
  test.skip();
}

/** Removes every key of the queue `name` on `url` (a test's queue when it is done). */
export async function dropQueue(name: string, url = REDIS_URL): Promise<void> {
  const { QueueShardRunner } = await import('../core/scale/queue-shards');
  const { loadConfig } = await import('../core/config/config-loader');
  const { builtinRegistry } = await import('./helpers');
  const { createLogger } = await import('../core/util/logger');
  const config = loadConfig(builtinRegistry(), { values: { 'distributed.queue': name, 'distributed.url': url } });
  const runner = await QueueShardRunner.open(config.values.distributed, {}, createLogger('silent'));
  try {
    await runner.obliterate();
  } finally {
    await runner.close();
  }
}

/** A free TCP port on the loopback interface. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

/** A Redis server of the test's own (nothing on disk), which it may stop and start again on the same port. */
export class OwnRedis {
  #process: ChildProcess | null = null;

  private constructor(readonly port: number) {}

  static async start(): Promise<OwnRedis> {
    const redis = new OwnRedis(await freePort());
    await redis.restart();
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts it (again) and resolves once it answers. */
  async restart(): Promise<void> {
    const child = spawn('redis-server', ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'inherit'] });
    this.#process = child;
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout!.on('data', (chunk) => {
        out += chunk;
        if (out.includes('Ready to accept connections')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`redis-server on ${this.port} exited with ${code}: ${out}`)));
    });
  }

  /** Kills it (SIGKILL: what a crash does) and resolves once it is gone. */
  async kill(): Promise<void> {
    const child = this.#process;
    this.#process = null;
    if (child === null || child.exitCode !== null) return;
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill('SIGKILL');
    });
  }
}

/** A CLI process started in the background, with what it has printed so far. */
export interface Background {
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout or stderr matches `pattern`; rejects if the process ends first. */
  waitFor(pattern: RegExp, stream?: 'stdout' | 'stderr'): Promise<void>;
}

/** Starts `argo-signals ARGS` in `cwd`. */
export function background(args: readonly string[], cwd: string, env: Record<string, string> = {}): Background {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'argo-signals.js'), ...args], { cwd, env: { ...process.env, ...env } });
  const text = { stdout: '', stderr: '' };
  const waiting = new Set<() => void>();
  for (const stream of ['stdout', 'stderr'] as const) {
    child[stream]!.on('data', (chunk) => {
      text[stream] += chunk;
      for (const check of waiting) check();
    });
  }
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  return {
    child,
    exited,
    stdout: () => text.stdout,
    stderr: () => text.stderr,
    waitFor: (pattern, stream = 'stdout') =>
      new Promise<void>((resolve, reject) => {
        const check = () => {
          if (pattern.test(text[stream])) {
            waiting.delete(check);
            resolve();
          }
        };
        waiting.add(check);
        check();
        void exited.then((code) => reject(new Error(`argo-signals ${args[0]} exited with ${code} before printing ${pattern}: ${text.stderr}`)));
      }),
  };
}

/** Polls `probe` every 100 ms until it returns true; fails naming `what` after `ms`. */
export async function eventually(what: string, probe: () => Promise<boolean>, ms = 30_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await probe().catch(() => false)) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`not within ${ms} ms: ${what}`);
}
