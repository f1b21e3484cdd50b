/**
 * Where the offloadable stages of a run do their work (`workers.mode`): the engine defines
 * this contract and knows no runtime; the composition root (the CLI, an embedding program's
 * entry, a shard host) registers one under {@link TOKENS.StageExecutor}, the worker-thread
 * pool by default (workers/register-runtimes.ts).
 */
import type { DependencyContainer } from 'tsyringe';
import type { EngineConfig } from '../config/config-schema';
import type { Timeframe } from '../domain/timeframe';
import { ArgoError } from '../errors/errors';
import type { Consensus, Explainer, Source } from '../plugin-system/plugin-contracts';
import type { Logger } from '../util/logger';
import { WORKER_STAGES, type CycleStats } from './cycle-stats';
import { TOKENS } from './tokens';

/** How another thread finds and builds a plugin: everything structured-clone-safe. */
export interface PluginRef {
  readonly kind: 'consensus' | 'explainer' | 'source';
  /** A built-in name or a module specifier, as in the config. */
  readonly specifier: string;
  /** The folder a relative module path is resolved against (the config file's). */
  readonly baseDir: string;
  /** Options already validated by the main thread. */
  readonly options: Record<string, unknown>;
  readonly seed: number;
  /** `data.timeframe` of the run (1d when absent). */
  readonly timeframe?: Timeframe;
  /** The instance name the plugin is given (a source's configured name). */
  readonly instanceName?: string;
  /** The run's environment, for an explainer that reads a secret by name; sources and consensus get none (they do no I/O). */
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/** What an executor is built with: the run's `workers` settings, where it counts its work, and the run's logger. */
export interface StageExecutorSetup {
  readonly workers: EngineConfig['workers'];
  readonly stats: CycleStats;
  readonly logger: Logger;
}

/**
 * A run's stages placed off its thread. The run hands over a plugin of each stage whose mode
 * is not `inline` with the reference that rebuilds it elsewhere, and calls the plugin it gets
 * back; what the executor does in between (chunks, lanes, `auto` placement) is its own.
 */
export interface StageExecutor {
  /** An offloadable source whose opinions go where `workers.mode.indicators` says. */
  source(instance: Source, ref: PluginRef): Source;
  /** The consensus where `workers.mode.consensus` says. */
  consensus(instance: Consensus, ref: PluginRef): Consensus;
  /** The explainer where `workers.mode.reasoning` says. */
  explainer(instance: Explainer, ref: PluginRef): Explainer;
  /** Builds the plugins of stages placed off the thread outright before the first cycle (a thread's start is longer than a tight source timeout). */
  warm(): Promise<void>;
  close(): Promise<void>;
}

/** Builds a run's executor; registered under {@link TOKENS.StageExecutor}. */
export type StageExecutorFactory = (setup: StageExecutorSetup) => StageExecutor;

/**
 * The executor of a run whose `workers.mode` places a stage off the thread, or null when every
 * stage runs inline; a coded error naming `workers.mode` when none is registered.
 */
export function stageExecutorFor(container: DependencyContainer, setup: StageExecutorSetup): StageExecutor | null {
  const offloaded = WORKER_STAGES.filter((stage) => setup.workers.mode[stage] !== 'inline');
  if (offloaded.length === 0) return null;
  if (!container.isRegistered(TOKENS.StageExecutor, true)) {
    throw new ArgoError(
      'ARGO_ERR_CONFIG_INVALID',
      `workers.mode.${offloaded[0]}: "${setup.workers.mode[offloaded[0]]}" needs a stage executor and none is registered under TOKENS.StageExecutor (workers/register-runtimes.ts registers worker threads; the CLI and the package entry call it); keep the stage inline or register one`,
    );
  }
  return container.resolve<StageExecutorFactory>(TOKENS.StageExecutor)(setup);
}
