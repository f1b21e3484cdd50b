/** The dataset of a replay: every symbol-day's opinions, kept as the pipeline evaluates them, with their outcomes. */
import type { Run } from '../engine/run';
import { ArgoError } from '../errors/errors';
import { DatasetBuilder, type Dataset } from './evaluation-dataset';

/** Replays `from`..`to` on `run` (its early exit off), keeping every symbol-day's opinions with their outcomes (of `learning.event`). */
export async function collectDataset(run: Run, from: string, to: string, horizons: readonly number[]): Promise<Dataset> {
  const { sources, learning, levels } = run.config.values;
  const builder = new DatasetBuilder(
    sources.map((source) => source.name),
    horizons,
    { kind: learning.event, levels },
  );
  const stop = run.events.on('evaluated', (evaluation) => builder.add(evaluation));
  try {
    await run.replay({ from, to });
  } finally {
    stop();
  }
  const dataset = builder.build((symbol) => run.seriesOf(symbol));
  if (dataset.rows.length === 0) throw new ArgoError('ARGO_ERR_USAGE', `no symbol-day to evaluate from ${from} to ${to}: check the range and the data`);
  return dataset;
}
