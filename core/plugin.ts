/**
 * `argo-signals/plugin`: what a plugin author needs and nothing else: the define helpers, the
 * contract of every kind, the domain types, BarView, and the errors a plugin may throw. A test
 * compares this list with a committed one, so the authoring surface changes only on purpose.
 */
export { BarView } from './domain/bar-view';
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
export type { Timeframe } from './domain/timeframe';
export type { OpinionHistory } from './engine/opinion-history';
export { ArgoError, isArgoError, type ErrorCode } from './errors/errors';
export { SinkDeliveryError } from './errors/sink-delivery-error';
export {
  PLUGIN_API_VERSION,
  PLUGIN_KINDS,
  defineConsensusPlugin,
  defineEarlyExitPlugin,
  defineExplainerPlugin,
  defineMarketDataPlugin,
  defineReasoningCachePlugin,
  defineSinkPlugin,
  defineSourcePlugin,
  defineStoragePlugin,
  type PluginContext,
  type PluginDefinition,
  type PluginInstances,
  type PluginKind,
  type PluginSpec,
} from './plugin-system/define-plugin';
export type {
  CommittedBatch,
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
  Sink,
  SinkCursor,
  SinkDeadLetter,
  SinkMessage,
  StoredReasoning,
  Source,
  SourceInfo,
  SourceRequest,
  Storage,
  StoredSignal,
  WaveState,
} from './plugin-system/plugin-contracts';
