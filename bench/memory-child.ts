/**
 * One replay in a process of its own, for the memory benchmark: told what to replay over IPC,
 * it answers with its peak RSS and the peak of its live heap. Run with --expose-gc.
 */
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadConfig } from '../core/config/config-loader';
import { Run } from '../core/engine/run';
import { PluginRegistry } from '../core/plugin-system/plugin-registry';
import { createLogger } from '../core/util/logger';
import { builtinPlugins } from '../plugins';

/** What the parent asks for. */
export interface MemoryTask {
  readonly values: Record<string, unknown>;
  readonly from: string;
  readonly to: string;
  readonly keepResults: boolean;
}

/** What the child answers. */
export interface MemoryFigures {
  readonly signals: number;
  readonly symbolDays: number;
  readonly maxRssMb: number;
  /** Largest heap in use right after a full collection, sampled every tenth cycle. */
  readonly peakHeapMb: number;
}

process.once('message', (task: MemoryTask) => {
  void (async () => {
    const registry = new PluginRegistry();
    for (const plugin of builtinPlugins) registry.register(plugin);
    const storage = path.join(tmpdir(), `argo-memory-bench-${process.pid}.db`);
    const run = await Run.create(loadConfig(registry, { values: { 'storage.path': storage, ...task.values } }), createLogger('error'));
    // The live heap, after a full collection every tenth cycle: without one, V8 lets garbage pile up while memory is free, and the peak says nothing.
    const gc = (globalThis as { gc?: () => void }).gc!;
    let peak = 0;
    const sample = () => {
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed);
    };
    let cycles = 0;
    const report = await run.replay({ from: task.from, to: task.to, keepResults: task.keepResults, onCycle: () => void (++cycles % 10 === 0 && sample()) });
    sample();
    await run.close();
    const figures: MemoryFigures = {
      signals: report.stats.signals,
      symbolDays: report.stats.symbolsEvaluated,
      maxRssMb: process.resourceUsage().maxRSS / 1024,
      peakHeapMb: peak / 1e6,
    };
    process.send!(figures, () => process.exit(0));
  })();
});
