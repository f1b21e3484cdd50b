import type { Benchmark } from '../core';
import { replayBench } from './replay-bench';
import { storageBench } from './storage-bench';

/** The benchmarks `argo-signals bench <name>` can run. */
export const benchmarks: Readonly<Record<string, Benchmark>> = {
  replay: replayBench,
  storage: storageBench,
};
