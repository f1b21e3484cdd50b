import type { BenchmarkContext } from '../core/cli/cli';
import { loadConfig } from '../core/config/config-loader';
import type { StatsReport } from '../core/engine/cycle-stats';
import { Run } from '../core/engine/run';
import { createLogger } from '../core/util/logger';
import { median } from './median';
import type { ShardPlan } from '../core/engine/shard-contract';

/**
 * Replays `values` (or the values of each run) over `from`..`to` `context.runs` times, each in a fresh run with memory
 * storage (storage has a benchmark of its own), sharded when `shards` gives a plan, and returns the wall times, their
 * median and the last run's statistics.
 */
export async function timedReplays(
  context: BenchmarkContext,
  values: Record<string, unknown> | ((run: number) => Record<string, unknown>),
  from: string,
  to: string,
  env: Readonly<Record<string, string>> = {},
  shards?: () => ShardPlan,
): Promise<{ runsMs: number[]; medianMs: number; stats: StatsReport }> {
  const runsMs: number[] = [];
  let stats: StatsReport | undefined;
  for (let i = 0; i < context.runs; i++) {
    const own = typeof values === 'function' ? values(i) : values;
    const plan = shards?.();
    const run = await Run.create(loadConfig(context.registry, { values: { ...own, 'storage.plugin': 'memory' }, env }), createLogger('error'), { shards: plan });
    const started = performance.now();
    const report = await run.replay({ from, to });
    runsMs.push(performance.now() - started);
    stats = report.stats;
    await run.close();
    await plan?.runner.close();
  }
  return { runsMs, medianMs: median(runsMs), stats: stats! };
}
