import type { Consensus, Explainer, Source } from '../core/plugin-system/plugin-contracts';
import type { WorkerStage } from '../core/engine/cycle-stats';
import type { PluginRef, StageExecutor, StageExecutorSetup } from '../core/engine/stage-executor';
import { pooledConsensus } from './pooled-consensus';
import { pooledExplainer } from './pooled-explainer';
import { PooledSources } from './pooled-sources';
import { WorkerPool } from './worker-pool';

/** The worker stage each kind of offloadable plugin belongs to. */
const STAGE_OF_KIND: Readonly<Record<PluginRef['kind'], WorkerStage>> = { source: 'indicators', consensus: 'consensus', explainer: 'reasoning' };

/**
 * The stage executor of worker threads: one {@link WorkerPool} a run, its stages wrapped as
 * {@link OffloadedStage}s. Plugins of a stage placed on the pool outright are built in every
 * worker by `warm`.
 */
export function threadStages({ workers, stats, logger }: StageExecutorSetup): StageExecutor {
  const pool = new WorkerPool(workers);
  const preload: PluginRef[] = [];
  /** The setup of `ref`'s stage; a plugin of a stage placed on `worker` outright is also noted, for `warm` to build in every worker. */
  const placed = (ref: PluginRef) => {
    const stage = STAGE_OF_KIND[ref.kind];
    if (workers.mode[stage] === 'worker') preload.push(ref);
    return { stage, workers, counters: stats.workers[stage], logger };
  };
  let sources: PooledSources | undefined;
  return {
    source: (instance: Source, ref: PluginRef) => {
      const setup = placed(ref);
      return (sources ??= new PooledSources(pool, setup)).wrap(instance, ref);
    },
    consensus: (instance: Consensus, ref: PluginRef) => pooledConsensus(instance, pool, ref, placed(ref)),
    explainer: (instance: Explainer, ref: PluginRef) => pooledExplainer(instance, pool, ref, placed(ref)),
    warm: () => (preload.length === 0 ? Promise.resolve() : pool.warm(preload)),
    close: () => pool.close(),
  };
}
