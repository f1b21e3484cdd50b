/**
 * The public API of argo-signals: what plugin authors and embedding programs import.
 */
import 'reflect-metadata';

export { BarView } from './bar-view';
export { PackedSeries } from './packed-series';
export { loadConfig, type ConfigInput, type LoadedConfig, type ResolvedPlugin, type ResolvedSource } from './config-loader';
export { PLUGIN_SLOTS, engineSchema, type EngineConfig, type SimulateConfig, type SourceConfig } from './config-schema';
export { CycleRunner, virtualCycleMs, type CycleItem } from './cycle-runner';
export { CycleStats, WORKER_STAGES, type CallCounts, type Stage, type StatsReport, type WorkerStage, type WorkerStageCounters } from './cycle-stats';
export {
  PLUGIN_API_VERSION,
  PLUGIN_KINDS,
  defineConsensusPlugin,
  defineEarlyExitPlugin,
  defineExplainerPlugin,
  defineMarketDataPlugin,
  defineReasoningCachePlugin,
  defineSourcePlugin,
  defineStoragePlugin,
  type PluginContext,
  type PluginDefinition,
  type PluginInstances,
  type PluginKind,
  type PluginSpec,
} from './define-plugin';
export {
  DIRECTIONS,
  DIRECTION_SIGN,
  type Action,
  type Bar,
  type BarSeries,
  type ConsensusResult,
  type Direction,
  type FailureKind,
  type Opinion,
  type PriceLevels,
  type ReasoningStatus,
  type Regime,
  type Signal,
  type SourceOutcome,
  type WeightedOpinion,
} from './domain';
export { ArgoError, ERROR_CODES, isArgoError, messageOf, type ErrorCode, type ExitCode } from './errors';
export { createLogger, type Logger } from './logger';
export { averageTrueRange, marketRegime, priceLevels, type LevelsConfig } from './market-levels';
export type {
  Consensus,
  EarlyExitStrategy,
  ExitDecision,
  ExplainRequest,
  Explainer,
  MarketData,
  ReasoningCache,
  ReasoningUpdate,
  RunRecord,
  SignalQuery,
  Source,
  SourceInfo,
  SourceRequest,
  Storage,
  WaveState,
} from './plugin-contracts';
export { resolvePlugin, validateOptions } from './plugin-loader';
export { PluginRegistry, checkDefinition } from './plugin-registry';
export { Run, openStorage, type ReplayOptions, type RunReport } from './run';
export { normalDraw, seededRandom } from './seeded-random';
export { callSource, checkOpinion, simulateCall, type RunSource } from './source-caller';
export { hashOf } from './stable-hash';
export { SymbolPipeline, REJECTIONS, type SymbolResult } from './symbol-pipeline';
export { SYMBOL_PATTERN, assertIsoDate, assertSymbol, isIsoDate } from './symbols';
export { TOKENS } from './tokens';
export { main, type Benchmark, type BenchmarkContext, type CliEnvironment } from './cli/main';
export { configurationReference } from './config-doc';
export { WriteTracker } from './write-tracker';
export { InFlight } from './in-flight';
export { queryOnlyStorage } from './query-only-storage';
export { runAbTest, type AbOptions, type AbReport, type ArmReport, type ArmSpec, type MetricDifference } from './ab-lab';
export { renderAbReport } from './ab-report-html';
export { bootstrapDifference, holm, quantile, type BootstrapDifference } from './ab-statistics';
export { scoreSignal, type OutcomeKind, type SignalOutcome } from './outcome-scoring';
export { DeferredReasoner, ReasoningService, fallbackText, placeholderText, requestOfSignal, type ExplainerIdentity, type Reasoning } from './reasoning-service';
export { type CacheReport } from './cycle-stats';
export { cachedConsensus, type ConsensusCacheConfig } from './consensus-cache';
export { OpinionHistories, historyOf, type OpinionHistory } from './opinion-history';
export { ExpiringKeyv, lruKeyv } from './expiring-keyv';
export { REDACTED, SecretRedactor } from './secret-redactor';
export { JsonLinesAppender, readJsonLines, type JsonLines } from './json-lines';
export { isDiskFull, writeError } from './disk-full';
export { excerpt } from './text-excerpt';
