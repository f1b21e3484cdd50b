import type { ConsensusResult } from '../core/domain/domain';
import type { Consensus } from '../core/plugin-system/plugin-contracts';
import { OffloadedStage, type StageSetup } from './offloaded-stage';
import type { PluginRef } from '../core/engine/stage-executor';
import type { ConsensusInput } from './task-types';
import type { WorkerPool } from './worker-pool';

/**
 * Consensus where `workers.mode.consensus` puts it (see {@link OffloadedStage}): the symbols
 * of a cycle that reach their consensus together go to the pool in chunks. `upperBound`
 * always runs inline: early exit needs it per wave and it is cheap.
 */
export function pooledConsensus(inline: Consensus, pool: WorkerPool, plugin: PluginRef, setup: StageSetup<ConsensusInput>): Consensus {
  const pooled: Consensus = {
    historyWindow: inline.historyWindow,
    combine: (opinions, history) => stage.run({ opinions, history }),
    upperBound: (fetched, remainingWeights, history) => inline.upperBound(fetched, remainingWeights, history),
  };
  const stage = new OffloadedStage<ConsensusInput, ConsensusResult>(
    { ...setup, onInline: () => (pooled.combine = inline.combine.bind(inline)) },
    ({ opinions, history }) => inline.combine(opinions, history),
    (items) => pool.run({ stage: 'consensus', plugin, items }),
  );
  return pooled;
}
