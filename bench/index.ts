import type { Benchmark } from '../core/cli/main';
import { earlyExitBench } from './early-exit-bench';
import { memoryBench } from './memory-bench';
import { reasoningBench } from './reasoning-bench';
import { replayBench } from './replay-bench';
import { storageBench } from './storage-bench';
import { workersBench } from './workers-bench';

/** The benchmarks `argo-signals bench <name>` can run. */
export const benchmarks: Readonly<Record<string, Benchmark>> = {
  // Loaded on demand: they bring the service (Fastify, prom-client) and HTTP servers, which would
  // weigh on every command's start-up heap.
  cycle: async (context) => (await import('./cycle-bench')).cycleBench(context),
  distributed: async (context) => (await import('./distributed-bench')).distributedBench(context),
  'early-exit': earlyExitBench,
  memory: memoryBench,
  reasoning: reasoningBench,
  replay: replayBench,
  serve: async (context) => (await import('./serve-bench')).serveBench(context),
  storage: storageBench,
  workers: workersBench,
};
