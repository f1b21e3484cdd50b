import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { container as rootContainer, type DependencyContainer } from 'tsyringe';
import type { LoadedConfig, ResolvedPlugin } from '../config/config-loader';
import type { SourceOutcome } from '../domain/domain';
import { ArgoError, messageOf } from '../errors/errors';
import { readCalibration } from '../learning/calibration-file';
import { CalibrationSlot } from '../learning/calibration-slot';
import type { PluginKind } from '../plugin-system/define-plugin';
import type { Storage } from '../plugin-system/plugin-contracts';
import { DeferredReasoner, ReasoningService } from '../reasoning/reasoning-service';
import { InFlight } from '../util/in-flight';
import type { Logger } from '../util/logger';
import { cachedConsensus } from './consensus-cache';
import { CycleStats } from './cycle-stats';
import { instantiate } from './plugin-factory';
import { RunClock } from './run-clock';
import { RunEvents } from './run-events';
import { cassetteExplainer, cassetteMarketData, recordTexts, recordedMarketData, type Cassette, type TapeRecorder } from './run-tape';
import type { ShardPlan } from './shard-contract';
import { SourceBreaker } from './source-breaker';
import type { RunSource } from './source-caller';
import { stageExecutorFor, type PluginRef } from './stage-executor';
import { TOKENS } from './tokens';
import { WriteTracker } from './write-tracker';

/** Services a run hands its plugins besides their options. */
export interface RunServices {
  /** The clock plugins see (`Date.now` by default). */
  readonly now?: () => number;
  /** `--record`: where bars, source outcomes, texts and cycles are written as they happen. */
  readonly recorder?: TapeRecorder;
  /** `replay --cassette`: the recording that answers instead of market data, sources and explainer. */
  readonly cassette?: Cassette;
  /** The symbols this run evaluates instead of its configured universe (a shard's). */
  readonly symbols?: readonly string[];
  /** Where signals go instead of the configured storage (a shard's collector; the scheduler stores them). */
  readonly storage?: Storage;
  /** Cycles and replays evaluated as shards by workers (threads, processes, a queue); this run stores their signals. */
  readonly shards?: ShardPlan;
}

/** A run's parts: its container (every plugin and service under {@link TOKENS}), statistics and clock, and what closes them. */
export interface WiredRun {
  readonly id: string;
  readonly container: DependencyContainer;
  readonly stats: CycleStats;
  readonly clock: RunClock;
  readonly closers: readonly (() => Promise<void>)[];
}

/**
 * Builds every plugin `config` names and registers them, with the services of the pipeline,
 * in a child container of their own, so that two runs in one process (the arms of an A/B
 * test) share no state. Stages `workers.mode` places off the thread go to the registered
 * stage executor. What was built is closed again when a later part fails.
 */
export async function wireRun(config: LoadedConfig, logger: Logger, services: RunServices): Promise<WiredRun> {
  const id = randomUUID();
  const stats = new CycleStats();
  const clock = new RunClock(services.now ?? Date.now, stats);
  const closers: (() => Promise<void>)[] = [];
  const build = <K extends PluginKind>(resolved: ResolvedPlugin<K>) => instantiate(resolved, { loaded: config, logger, runId: id, now: services.now, stats });
  try {
    const { slots } = config;
    const { recorder, cassette } = services;
    const built = cassette === undefined ? await build(slots['market-data']) : cassetteMarketData(cassette);
    const marketData = recorder === undefined ? built : recordedMarketData(built, recorder);
    if (marketData.close) closers.push(() => marketData.close!());
    const { workers } = config.values;
    const stages = stageExecutorFor(rootContainer, { workers, stats, logger });
    if (stages !== null) closers.push(() => stages.close());
    const refOf = (kind: PluginRef['kind'], specifier: string, options: Record<string, unknown>, instanceName?: string): PluginRef => {
      const env = kind === 'explainer' ? config.env : undefined;
      return { kind, specifier, baseDir: config.baseDir, options, seed: config.values.seed, timeframe: config.values.data.timeframe, instanceName, env };
    };
    const sources: RunSource[] = [];
    for (const resolved of config.sources) {
      const built = await build(resolved);
      if (built.close) closers.push(() => built.close!());
      const { plugin, name } = resolved.config;
      const instance =
        stages !== null && workers.mode.indicators !== 'inline' && resolved.definition.offloadable === true
          ? stages.source(built, refOf('source', plugin, resolved.options, name))
          : built;
      const { breaker } = resolved.config;
      const tape =
        cassette !== undefined
          ? { play: (symbol: string, asOf: string) => cassette.outcome(symbol, asOf, name) }
          : recorder !== undefined
            ? { record: (symbol: string, asOf: string, outcome: SourceOutcome) => recorder.write({ type: 'outcome', symbol, asOf, outcome }) }
            : undefined;
      sources.push({ config: resolved.config, instance, abandoned: new InFlight(), breaker: breaker.failures === 0 ? null : new SourceBreaker(breaker, clock.now), tape });
    }
    const inlineConsensus = await build(slots.consensus);
    const plainConsensus =
      stages === null || workers.mode.consensus === 'inline'
        ? inlineConsensus
        : stages.consensus(inlineConsensus, refOf('consensus', config.values.consensus.plugin, slots.consensus.options));
    const consensus = config.values.consensus.cache.enabled
      ? cachedConsensus(
          plainConsensus,
          { name: slots.consensus.definition.name, version: slots.consensus.definition.version, options: slots.consensus.options },
          config.values.consensus.cache,
          services.now ?? Date.now,
          stats,
        )
      : plainConsensus;
    const earlyExit = await build(slots['early-exit-strategy']);
    const inlineExplainer = cassette === undefined ? await build(slots.explainer) : cassetteExplainer(cassette);
    if (inlineExplainer.close) closers.push(() => inlineExplainer.close!());
    const explainer =
      stages === null || workers.mode.reasoning === 'inline'
        ? inlineExplainer
        : stages.explainer(inlineExplainer, refOf('explainer', config.values.reasoning.explainer, slots.explainer.options));
    const { mode } = config.values.reasoning;
    const reasoningCache = mode === 'sync' ? null : await build(slots['reasoning-cache']);
    if (reasoningCache?.close) closers.push(() => reasoningCache.close!());
    const storage = services.storage ?? (await build(slots.storage));
    closers.push(() => storage.close());
    if (storage.updateReasoning === undefined) {
      const key = mode === 'deferred' ? 'reasoning.mode: deferred' : config.values.reasoning.maxWaitMs > 0 ? 'reasoning.maxWaitMs above 0' : null;
      if (key !== null) throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `${key} needs a storage that can update reasoning; storage "${slots.storage.definition.name}" cannot`);
    }
    const { definition: explainerDef, options: explainerOptions } = slots.explainer;
    const reasoning = new ReasoningService(
      explainer,
      { name: explainerDef.name, version: explainerDef.version, options: explainerOptions },
      reasoningCache,
      config.values,
      stats,
      logger,
      config.secrets,
    );
    await stages?.warm().catch((error: unknown) => {
      throw new ArgoError('ARGO_ERR_WORKER_LOAD', `workers.mode: a plugin could not be built on a worker thread: ${messageOf(error)}; keep its stage inline`, { cause: error });
    });
    const events = new RunEvents();
    if (recorder !== undefined) {
      recordTexts(events, recorder);
      closers.push(() => recorder.close());
    }
    const deferred = new DeferredReasoner(reasoning, storage, config.values.reasoning.deferred.concurrency, stats, logger, events);

    const child = rootContainer.createChildContainer();
    child.register(TOKENS.Config, { useValue: config.values });
    child.register(TOKENS.Logger, { useValue: logger });
    child.register(TOKENS.Secrets, { useValue: config.secrets });
    child.register(TOKENS.MarketData, { useValue: marketData });
    child.register(TOKENS.Sources, { useValue: sources });
    child.register(TOKENS.Consensus, { useValue: consensus });
    child.register(TOKENS.EarlyExit, { useValue: earlyExit });
    child.register(TOKENS.Storage, { useValue: storage });
    child.register(TOKENS.Writes, { useValue: new WriteTracker(storage, stats, logger, events) });
    child.register(TOKENS.Events, { useValue: events });
    const { calibration } = config.values.consensus;
    child.register(TOKENS.Calibration, {
      useValue: new CalibrationSlot(calibration === '' ? null : readCalibration(path.resolve(config.baseDir, calibration), config.values.sources)),
    });
    child.register(TOKENS.Reasoning, { useValue: reasoning });
    child.register(TOKENS.Deferred, { useValue: deferred });
    return { id, container: child, stats, clock, closers };
  } catch (error) {
    await Promise.allSettled(closers.map((close) => close()));
    throw error;
  }
}
