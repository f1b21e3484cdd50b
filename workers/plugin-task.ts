/**
 * The task module the worker pool runs: builds plugins from their module specifiers and
 * validated options (no closure crosses the thread boundary) and runs a chunk of one
 * stage's work through them. Default-exports one handler, as Piscina expects.
 */
import path from 'node:path';
import { BarView } from '../core/domain/bar-view';
import type { Bar, BarSeries, ConsensusResult } from '../core/domain/domain';
import { messageOf } from '../core/errors/errors';
import type { PluginInstances } from '../core/plugin-system/define-plugin';
import { resolvePlugin } from '../core/plugin-system/plugin-loader';
import { PluginRegistry } from '../core/plugin-system/plugin-registry';
import { createLogger } from '../core/util/logger';
import { hashOf } from '../core/util/stable-hash';
import { builtinPlugins } from '../plugins';
import type { PluginRef } from '../core/engine/stage-executor';
import { INDICATOR_ITEM_FIELDS, type IndicatorAnswer, type ShippedBars, type WorkerTask } from './task-types';

const registry = new PluginRegistry();
for (const plugin of builtinPlugins) registry.register(plugin);
const logger = createLogger('warn');
/** Plugins built in this worker, by reference: built once, reused by every later task. */
const instances = new Map<string, Promise<unknown>>();
/** Bars shipped to this worker, by series id: a series object per id keeps incremental indicator state valid. */
const seriesById = new Map<number, BarSeries & { bars: Bar[] }>();
const NEVER_ABORTED = new AbortController().signal;

function instanceOf<K extends PluginRef['kind']>(ref: PluginRef & { kind: K }): Promise<PluginInstances[K]> {
  const key = hashOf(ref);
  let instance = instances.get(key);
  if (instance === undefined) {
    const def = resolvePlugin(registry, ref.kind, ref.specifier, { key: 'worker', baseDir: ref.baseDir });
    const name = ref.instanceName ?? def.name;
    const pluginLogger = logger.child({ plugin: `${def.kind}:${def.name}`, worker: true });
    instance = Promise.resolve(
      def.create({
        options: ref.options,
        logger: pluginLogger,
        instanceName: name,
        runId: 'worker',
        readOnly: false,
        seed: ref.seed,
        timeframe: ref.timeframe ?? '1d',
        env: ref.env ?? {},
        now: Date.now,
        resolvePath: (p: string) => path.resolve(ref.baseDir, p),
        // The run's statistics live on the main thread: a worker only logs the warning.
        warn: (code: string, message: string) => pluginLogger.warn({ code }, message),
      }),
    );
    instances.set(key, instance);
  }
  return instance as Promise<PluginInstances[K]>;
}

/** Appends shipped bars; returns the ids of series this worker cannot continue (it was replaced, or missed a chunk). */
function receive(shipped: readonly ShippedBars[]): Set<number> {
  const stale = new Set<number>();
  for (const { series, symbol, from, bars } of shipped) {
    const known = seriesById.get(series);
    if (from === 0) seriesById.set(series, { symbol, bars: [...bars], malformedRows: 0 });
    else if (known !== undefined && known.bars.length === from) known.bars.push(...bars);
    else stale.add(series);
  }
  return stale;
}

async function indicators(task: Extract<WorkerTask, { stage: 'indicators' }>): Promise<IndicatorAnswer[]> {
  const stale = receive(task.bars);
  const sources = await Promise.all(task.plugins.map((ref) => instanceOf({ ...ref, kind: 'source' })));
  const answers: IndicatorAnswer[] = [];
  const { items } = task;
  for (let i = 0; i < items.length; i += INDICATOR_ITEM_FIELDS) {
    const [plugin, id, length] = [items[i], items[i + 1], items[i + 2]];
    const series = seriesById.get(id);
    if (series === undefined || stale.has(id) || series.bars.length < length) {
      answers.push({ resync: true });
      continue;
    }
    const bars = new BarView(series, length);
    try {
      const opinion = await sources[plugin].opinion({ symbol: series.symbol, asOf: bars.asOf, bars, signal: NEVER_ABORTED });
      answers.push({ opinion });
    } catch (error) {
      answers.push({ error: messageOf(error) });
    }
  }
  return answers;
}

/** Runs every item of the task, in order. */
export default async function runTask(task: WorkerTask): Promise<unknown[]> {
  switch (task.stage) {
    case 'load':
      await Promise.all(
        task.plugins.map(async (ref) => {
          try {
            await instanceOf(ref);
          } catch (error) {
            throw new Error(`${ref.kind} "${ref.instanceName ?? ref.specifier}" (${ref.specifier}): ${messageOf(error)}`);
          }
        }),
      );
      return [];
    case 'consensus': {
      const consensus = await instanceOf({ ...task.plugin, kind: 'consensus' });
      const results: ConsensusResult[] = [];
      for (const { opinions, history } of task.items) results.push(await consensus.combine(opinions, history));
      return results;
    }
    case 'reasoning': {
      const explainer = await instanceOf({ ...task.plugin, kind: 'explainer' });
      return Promise.all(task.items.map((request) => explainer.explain(request)));
    }
    case 'indicators':
      return indicators(task);
  }
}
