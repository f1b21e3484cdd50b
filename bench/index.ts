import type { Benchmark } from '../core';
import { earlyExitBench } from './early-exit-bench';
import { replayBench } from './replay-bench';
import { storageBench } from './storage-bench';

/** The benchmarks `argo-signals bench <name>` can run. */
export const benchmarks: Readonly<Record<string, Benchmark>> = {
  'early-exit': earlyExitBench,
  replay: replayBench,
  storage: storageBench,
};
