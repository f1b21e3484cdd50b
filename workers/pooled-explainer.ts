import type { Explainer, ExplainRequest } from '../core/plugin-system/plugin-contracts';
import { OffloadedStage, type StageSetup } from './offloaded-stage';
import type { PluginRef } from '../core/engine/stage-executor';
import type { WorkerPool } from './worker-pool';

/**
 * The explainer where `workers.mode.reasoning` puts it (see {@link OffloadedStage}): the texts
 * asked in one turn (a cycle's signals, or a batch of deferred reasoning) go to the pool in
 * chunks, where the same explainer is built from its module specifier and options. The
 * reasoning cache, single flight and fallbacks stay on the main thread, around this.
 */
export function pooledExplainer(inline: Explainer, pool: WorkerPool, plugin: PluginRef, setup: StageSetup<ExplainRequest>): Explainer {
  const pooled: Explainer = { explain: (request) => stage.run(request), close: inline.close?.bind(inline) };
  const stage = new OffloadedStage<ExplainRequest, string>(
    { ...setup, onInline: () => (pooled.explain = inline.explain.bind(inline)) },
    (request) => inline.explain(request),
    (items) => pool.run({ stage: 'reasoning', plugin, items }),
  );
  return pooled;
}
