/**
 * `bench distributed`: the same work in one process and sharded over 1 and 2 BullMQ worker
 * processes on the local Redis. A sweep of 4 arms over the five years of real data (CPU
 * bound), and a live-style cycle of 500 synthetic symbols whose sources answer after a
 * simulated network latency (wait bound: each worker adds its own concurrency). Reports
 * throughput, the ratios, and the overhead each shard adds.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import type { BenchmarkContext } from '../core/cli/cli';
import { loadConfig } from '../core/config/config-loader';
import { Run } from '../core/engine/run';
import { runAbTest } from '../core/lab/ab-lab';
import { QueueShardRunner } from '../core/scale/queue-shards';
import type { ShardPlan } from '../core/engine/shard-contract';
import { createLogger } from '../core/util/logger';
import { median } from './median';
import { SYNTHETIC_STAND_IN, findRealData } from './real-data';
import { MODEL_SOURCES, startLatencyServer } from './cycle/latency-server';

const BIN = path.join(__dirname, '..', '..', 'bin', 'argo-signals.js');
const ARMS = ['70', '75', '80', '85'].map((value) => ({ name: `minConfidence=${value}`, sets: [`consensus.minConfidence=${value}`] }));
/** Network sources: four of `bench cycle`'s model sources (20-280 ms), asked over HTTP by a plugin the workers load by path. */
const NETWORK_SOURCES = MODEL_SOURCES.filter((s) => s.kind !== 'ai');
const latencySources = (url: string) =>
  NETWORK_SOURCES.map((s) => ({ name: s.name, plugin: path.join(__dirname, 'distributed', 'model-http-source.js'), weight: s.weight, timeoutMs: 2000, options: { url, source: s.name } }));
const LIVE_SYMBOLS = Array.from({ length: 500 }, (_, i) => `LIVE${String(i).padStart(3, '0')}`);

/** `n` worker processes on `queue`, resolved once each listens. */
async function startWorkers(n: number, queue: string): Promise<ChildProcess[]> {
  return Promise.all(
    Array.from({ length: n }, () => {
      const child = spawn(process.execPath, [BIN, 'worker', '--queue', queue], { stdio: ['ignore', 'pipe', 'inherit'] });
      return new Promise<ChildProcess>((resolve, reject) => {
        let out = '';
        child.stdout!.on('data', (chunk) => {
          out += chunk;
          if (/^worker \S+ on /m.test(out)) resolve(child);
        });
        child.on('exit', (code) => reject(new Error(`a bench worker exited with ${code}`)));
      });
    }),
  );
}

async function stopWorkers(workers: readonly ChildProcess[]): Promise<void> {
  await Promise.all(workers.map((child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once('exit', resolve), child.kill('SIGTERM'))))));
}

/** Median wall time of `runs` runs of `body`. */
async function timed(runs: number, body: () => Promise<unknown>): Promise<number> {
  const ms: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await body();
    ms.push(performance.now() - started);
  }
  return median(ms);
}

export async function distributedBench(context: BenchmarkContext): Promise<unknown> {
  const logger = createLogger('error');
  const queue = `bench-${process.pid}-${Date.now().toString(36)}`;
  const base = loadConfig(context.registry, { values: { 'distributed.queue': queue } });
  const dir = findRealData(context.dataDir);
  const data = dir === undefined ? { ...SYNTHETIC_STAND_IN } : { 'data.dir': dir };
  const runner = await QueueShardRunner.open(base.values.distributed, process.env, logger);
  const sweep = (shards?: ShardPlan) =>
    runAbTest({ registry: context.registry, base: { values: data }, from: '2013-02-08', to: '2018-02-07', arms: ARMS, logger, shards });
  const server = await startLatencyServer(11);
  const liveValues = { 'data.plugin': 'synthetic-bars', 'data.symbols': LIVE_SYMBOLS, 'data.days': 300, sources: latencySources(server.url), concurrency: 64, 'storage.plugin': 'memory', 'distributed.queue': queue };
  /** Median of cycles after the first (which loads every symbol's bars in the workers). */
  const liveCycles = async (shards?: ShardPlan) => {
    const run = await Run.create(loadConfig(context.registry, { values: liveValues }), logger, { shards });
    try {
      await run.cycle();
      return { medianMs: await timed(context.runs, () => run.cycle()), symbols: LIVE_SYMBOLS.length };
    } finally {
      await run.close();
    }
  };
  /** A shard's round trip: cycles of 8 symbols, one a shard, on one worker, less the same cycle in process, per shard. */
  const tinyValues = { 'data.plugin': 'synthetic-bars', 'data.symbols': LIVE_SYMBOLS.slice(0, 8), 'data.days': 300, 'storage.plugin': 'memory', 'distributed.queue': queue };
  const tinyCycle = async (shards?: ShardPlan) => {
    const run = await Run.create(loadConfig(context.registry, { values: tinyValues }), logger, { shards });
    try {
      await run.cycle();
      return await timed(Math.max(5, context.runs), () => run.cycle());
    } finally {
      await run.close();
    }
  };

  try {
    context.print(`distributed benchmark: BullMQ on ${runner.where}, ${context.runs} run(s) each, medians`);
    const sweepInProcess = await timed(context.runs, () => sweep());
    const liveInProcess = await liveCycles();
    const tinyInProcess = await tinyCycle();
    const byWorkers: Record<number, { sweepMs: number; liveCycleMs: number }> = {};
    let overheadPerShardMs = 0;
    for (const n of [1, 2]) {
      const workers = await startWorkers(n, queue);
      try {
        const sweepMs = await timed(context.runs, () => sweep({ runner, size: Math.ceil(100 / (2 * n)) }));
        const live = await liveCycles({ runner, size: Math.ceil(LIVE_SYMBOLS.length / (2 * n)) });
        byWorkers[n] = { sweepMs, liveCycleMs: live.medianMs };
        if (n === 1) overheadPerShardMs = ((await tinyCycle({ runner, size: 1 })) - tinyInProcess) / 8;
      } finally {
        await stopWorkers(workers);
      }
    }
    const symbolDays = 4 * 100 * 1259;
    const figures = {
      data: dir ?? 'synthetic stand-in',
      runs: context.runs,
      sweep: {
        arms: ARMS.length,
        symbolDays,
        inProcessMs: sweepInProcess,
        oneWorkerMs: byWorkers[1].sweepMs,
        twoWorkersMs: byWorkers[2].sweepMs,
        symbolDaysPerSecond: { inProcess: (symbolDays / sweepInProcess) * 1000, oneWorker: (symbolDays / byWorkers[1].sweepMs) * 1000, twoWorkers: (symbolDays / byWorkers[2].sweepMs) * 1000 },
        twoToOneWorkers: byWorkers[1].sweepMs / byWorkers[2].sweepMs,
      },
      liveCycle: {
        symbols: LIVE_SYMBOLS.length,
        inProcessMs: liveInProcess.medianMs,
        oneWorkerMs: byWorkers[1].liveCycleMs,
        twoWorkersMs: byWorkers[2].liveCycleMs,
        twoToOneWorkers: byWorkers[1].liveCycleMs / byWorkers[2].liveCycleMs,
      },
      overheadPerShardMs,
    };
    const s = figures.sweep;
    const l = figures.liveCycle;
    context.print(`sweep, ${s.arms} arms x 5 years x 100 symbols: in process ${(s.inProcessMs / 1000).toFixed(2)} s, 1 worker ${(s.oneWorkerMs / 1000).toFixed(2)} s, 2 workers ${(s.twoWorkersMs / 1000).toFixed(2)} s (${s.twoToOneWorkers.toFixed(2)}x of 1 worker; ${Math.round(s.symbolDaysPerSecond.twoWorkers)} symbol-days/s)`);
    context.print(`live cycle, ${l.symbols} symbols, ${NETWORK_SOURCES.length} HTTP sources of 20-280 ms, 64 at once a process: in process ${Math.round(l.inProcessMs)} ms, 1 worker ${Math.round(l.oneWorkerMs)} ms, 2 workers ${Math.round(l.twoWorkersMs)} ms (${l.twoToOneWorkers.toFixed(2)}x of 1 worker)`);
    context.print(`overhead per shard (enqueue, a worker's evaluation round trip, result back): ${overheadPerShardMs.toFixed(2)} ms`);
    return figures;
  } finally {
    await runner.obliterate();
    await runner.close();
    await server.close();
  }
}
