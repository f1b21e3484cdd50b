import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { StageExecutorFactory } from '../core/engine/stage-executor';
import { TOKENS } from '../core/engine/tokens';

/**
 * Registers the runtimes this package ships in `container` (the root one by default), where
 * every run resolves them: worker threads for the stages `workers.mode` places off the main
 * thread. Composition roots call it: the CLI, the public entry, a shard host.
 */
export function registerRuntimes(container: DependencyContainer = rootContainer): void {
  // Loaded when a run first offloads a stage: a run that keeps every stage inline never loads the pool's modules.
  const threads: StageExecutorFactory = (setup) => (require('./thread-stages') as typeof import('./thread-stages')).threadStages(setup);
  container.register(TOKENS.StageExecutor, { useValue: threads });
}
