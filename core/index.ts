/**
 * The public API of argo-signals: what plugin authors and embedding programs import.
 */
import 'reflect-metadata';

export { BarView } from './domain/bar-view';
export { PackedSeries } from './domain/packed-series';
export { loadConfig, type ConfigInput, type LoadedConfig, type ResolvedPlugin, type ResolvedSource } from './config/config-loader';
export { PLUGIN_SLOTS, engineSchema, type EngineConfig, type SimulateConfig, type SourceConfig } from './config/config-schema';
export { CycleRunner, virtualCycleMs, type CycleItem } from './engine/cycle-runner';
export { CycleStats, WORKER_STAGES, type CallCounts, type Stage, type StatsReport, type WorkerStage, type WorkerStageCounters } from './engine/cycle-stats';
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
} from './plugin-system/define-plugin';
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
} from './domain/domain';
export { ArgoError, ERROR_CODES, isArgoError, messageOf, type ErrorCode, type ExitCode } from './errors/errors';
export { createLogger, type Logger } from './util/logger';
export { averageTrueRange, marketRegime, priceLevels, type LevelsConfig } from './engine/market-levels';
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
} from './plugin-system/plugin-contracts';
export { resolvePlugin, validateOptions } from './plugin-system/plugin-loader';
export { PluginRegistry, checkDefinition } from './plugin-system/plugin-registry';
export { Run, openStorage, type ReplayOptions, type RunReport } from './engine/run';
export { normalDraw, seededRandom } from './util/seeded-random';
export { callSource, checkOpinion, simulateCall, type RunSource } from './engine/source-caller';
export { hashOf } from './util/stable-hash';
export { SymbolPipeline, REJECTIONS, type SymbolResult } from './engine/symbol-pipeline';
export { SYMBOL_PATTERN, assertIsoDate, assertSymbol, isIsoDate } from './domain/symbols';
export { TOKENS } from './engine/tokens';
export { main, type Benchmark, type BenchmarkContext, type CliEnvironment } from './cli/main';
export { configurationReference } from './config/config-doc';
export { WriteTracker } from './engine/write-tracker';
export { InFlight } from './util/in-flight';
export { queryOnlyStorage } from './plugin-system/query-only-storage';
export { runAbTest, type AbOptions, type AbReport, type ArmReport, type ArmSpec, type MetricDifference } from './lab/ab-lab';
export { renderAbReport } from './lab/ab-report-html';
export { bootstrapDifference, holm, quantile, type BootstrapDifference } from './lab/ab-statistics';
export { scoreSignal, type OutcomeKind, type SignalOutcome } from './lab/outcome-scoring';
export { DeferredReasoner, ReasoningService, fallbackText, placeholderText, requestOfSignal, type ExplainerIdentity, type Reasoning } from './reasoning/reasoning-service';
export { type CacheReport } from './engine/cycle-stats';
export { cachedConsensus, type ConsensusCacheConfig } from './engine/consensus-cache';
export { OpinionHistories, historyOf, type OpinionHistory } from './engine/opinion-history';
export { ExpiringKeyv, lruKeyv } from './util/expiring-keyv';
export { REDACTED, SecretRedactor } from './util/secret-redactor';
export { JsonLinesAppender, readJsonLines, type JsonLines } from './util/json-lines';
export { isDiskFull, writeError } from './util/disk-full';
export { excerpt } from './util/text-excerpt';
