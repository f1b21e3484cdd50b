/**
 * Builds a source plugin in a worker thread from its module specifier and answers the sample
 * bars there: the source suite compares this with the answers on the main thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { BarSeries } from '../domain/domain';
import { resolvePlugin } from '../plugin-system/plugin-loader';
import { PluginRegistry } from '../plugin-system/plugin-registry';
import { answersOn } from './source-answers';
import { testContext } from './test-context';

/** What the suite hands the worker. */
export interface SourceWorkerData {
  readonly specifier: string;
  readonly baseDir: string;
  readonly options: Record<string, unknown>;
  readonly seed: number;
  readonly series: BarSeries[];
}

async function answer(data: SourceWorkerData): Promise<unknown> {
  const definition = resolvePlugin(new PluginRegistry(), 'source', data.specifier, { key: 'worker', baseDir: data.baseDir });
  const source = await definition.create(testContext(definition, { options: data.options, seed: data.seed }));
  return Promise.all(data.series.map((series) => answersOn(source, series)));
}

answer(workerData as SourceWorkerData).then(
  (answers) => parentPort!.postMessage({ answers }),
  (error: unknown) => parentPort!.postMessage({ error: error instanceof Error ? error.message : String(error) }),
);
