/**
 * What crosses the thread boundary: plugin references, tasks and their answers. Types and
 * constants only, so the main thread can use them without loading the worker's module.
 */
import type { Bar, ConsensusResult, Opinion, WeightedOpinion } from '../core/domain/domain';
import type { Timeframe } from '../core/domain/timeframe';
import type { OpinionHistory } from '../core/engine/opinion-history';
import type { ExplainRequest } from '../core/plugin-system/plugin-contracts';

/** How a worker finds and builds a plugin: everything structured-clone-safe. */
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

/** One symbol's consensus question: its opinions, and its history when the plugin keeps one. */
export interface ConsensusInput {
  readonly opinions: readonly WeightedOpinion[];
  readonly history?: OpinionHistory;
}

/** Bars of one series the worker has not seen: `bars` continue from index `from`. */
export interface ShippedBars {
  readonly series: number;
  readonly symbol: string;
  readonly from: number;
  readonly bars: readonly Bar[];
}

/**
 * Source calls as (plugin, series, length) triples: source `plugin` (an index into the task's
 * plugins) on the first `length` bars of `series`. One typed array clones in a fraction of
 * the time of an object per call.
 */
export const INDICATOR_ITEM_FIELDS = 3;

/** A source call's answer: an opinion (checked by the main thread), an error, or "send me the whole series again". */
export type IndicatorAnswer = { readonly opinion: Opinion } | { readonly error: string } | { readonly resync: true };

/** A chunk of one stage's work, or `load`: build these plugins now (a run warms its workers before its first cycle). */
export type WorkerTask =
  | { readonly stage: 'load'; readonly plugins: readonly PluginRef[] }
  | { readonly stage: 'consensus'; readonly plugin: PluginRef; readonly items: readonly ConsensusInput[] }
  | { readonly stage: 'reasoning'; readonly plugin: PluginRef; readonly items: readonly ExplainRequest[] }
  | { readonly stage: 'indicators'; readonly plugins: readonly PluginRef[]; readonly bars: readonly ShippedBars[]; readonly items: Int32Array };

/** What a task of each stage answers, one entry per item, in order. */
export type TaskResult<T extends WorkerTask> = T extends { stage: 'load' }
  ? []
  : T extends { stage: 'consensus' }
  ? ConsensusResult[]
  : T extends { stage: 'reasoning' }
    ? string[]
    : IndicatorAnswer[];

