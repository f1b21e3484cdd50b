/**
 * `argo-signals/testing`: a conformance suite per plugin kind, runnable under mocha, node:test
 * or vitest (each receives `describe` and `it`, like @keyv/test-suite), and the utilities
 * behind them: a context builder, bar views from arrays or a CSV, sample bars, a clock moved
 * by hand. A test compares this list with a committed one.
 */
export { consensusSuite, type ConsensusSuiteOptions } from './consensus-suite';
export { earlyExitSuite, type EarlyExitSuiteOptions } from './early-exit-suite';
export { explainerSuite, type ExplainerSuiteOptions } from './explainer-suite';
export { ManualClock } from './manual-clock';
export { runChecks, type CheckResult } from './check-runner';
export { optionsCheck } from './options-check';
export { reasoningCacheSuite, type ReasoningCacheSuiteOptions } from './reasoning-cache-suite';
export { barViewOf, barsFromCsv, sampleRequest, sampleSeries, sampleSignal, seriesOf } from './sample-data';
export { answersOn, type DayAnswer } from './source-answers';
export { sinkSuite, sampleMessages, type SinkSuiteOptions } from './sink-suite';
export { sourceSuite, type SourceSuiteOptions } from './source-suite';
export { storageSuite, type StorageSuiteOptions } from './storage-suite';
export type { TestApi } from './test-api';
export { testContext, type TestContext, type TestContextOptions } from './test-context';
