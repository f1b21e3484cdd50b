/**
 * What crosses the thread boundary: plugin references, tasks and their answers. Types and
 * constants only, so the main thread can use them without loading the worker's module.
 */
import type { Bar, ConsensusResult, Opinion, WeightedOpinion } from '../core/domain/domain';
import type { OpinionHistory } from '../core/engine/opinion-history';
import type { ExplainRequest } from '../core/plugin-system/plugin-contracts';
import type { PluginRef } from '../core/engine/stage-executor';

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

