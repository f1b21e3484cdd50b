import type { Benchmark } from '../core/cli/main';
import { cycleBench } from './cycle-bench';
import { earlyExitBench } from './early-exit-bench';
import { memoryBench } from './memory-bench';
import { reasoningBench } from './reasoning-bench';
import { replayBench } from './replay-bench';
import { storageBench } from './storage-bench';
import { workersBench } from './workers-bench';

/** The benchmarks `argo-signals bench <name>` can run. */
export const benchmarks: Readonly<Record<string, Benchmark>> = {
  cycle: cycleBench,
  'early-exit': earlyExitBench,
  memory: memoryBench,
  reasoning: reasoningBench,
  replay: replayBench,
  storage: storageBench,
  workers: workersBench,
};
