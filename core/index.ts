/**
 * `argo-signals`: what a program embedding argo-signals needs to drive runs: configuration,
 * runs (cycle, replay), storage queries, the A/B lab, the CLI, logging and errors. Plugin
 * authors import `argo-signals/plugin`; built-in plugins come from `argo-signals/builtins`.
 * A test compares this list with a committed one, so the surface changes only on purpose.
 */
import 'reflect-metadata';
import { registerRuntimes } from '../workers/register-runtimes';

// The entry is an embedding program's composition root: its runs place stages on worker threads as the CLI's do.
registerRuntimes();

export { loadConfig, type ConfigInput, type LoadedConfig, type ResolvedPlugin, type ResolvedSource } from './config/config-loader';
export type { EngineConfig, SourceConfig } from './config/config-schema';
export type { BarSeries, Signal } from './domain/domain';
export type { StatsReport } from './engine/cycle-stats';
export { Run, type RunReport } from './engine/run';
export type { ReplayOptions } from './engine/replay-cycles';
export type { RunServices } from './engine/run-wiring';
export { openStorage } from './engine/plugin-factory';
export type { SymbolResult } from './engine/symbol-pipeline';
export { ArgoError, ERROR_CODES, isArgoError, type ErrorCode, type ExitCode } from './errors/errors';
export { runAbTest, type AbOptions, type AbReport, type ArmReport, type ArmSpec } from './lab/ab-lab';
export { renderAbReport } from './lab/ab-report-html';
export { main } from './cli/main';
export type { Benchmark, BenchmarkContext, CliEnvironment } from './cli/cli';
export type { PluginDefinition } from './plugin-system/define-plugin';
export type { RunRecord, SignalQuery, Storage } from './plugin-system/plugin-contracts';
export { PluginRegistry } from './plugin-system/plugin-registry';
export { createLogger, type Logger } from './util/logger';
export { SecretRedactor } from './util/secret-redactor';
