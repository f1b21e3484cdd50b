import type { Benchmark } from '../core/cli/cli';

/**
 * The benchmarks `argo-signals bench <name>` can run. Each is loaded on demand: they bring the
 * lab, the service (Fastify, prom-client), HTTP servers and providers, which would weigh on every
 * command's start-up heap (the bin script loads this list for every command).
 */
export const benchmarks: Readonly<Record<string, Benchmark>> = {
  cycle: async (context) => (await import('./cycle-bench')).cycleBench(context),
  distributed: async (context) => (await import('./distributed-bench')).distributedBench(context),
  'early-exit': async (context) => (await import('./early-exit-bench')).earlyExitBench(context),
  memory: async (context) => (await import('./memory-bench')).memoryBench(context),
  reasoning: async (context) => (await import('./reasoning-bench')).reasoningBench(context),
  replay: async (context) => (await import('./replay-bench')).replayBench(context),
  serve: async (context) => (await import('./serve-bench')).serveBench(context),
  storage: async (context) => (await import('./storage-bench')).storageBench(context),
  workers: async (context) => (await import('./workers-bench')).workersBench(context),
};
