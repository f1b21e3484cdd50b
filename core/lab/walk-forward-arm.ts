/**
 * A walk-forward arm of the lab (`learning.walkForward.enabled`): the arm's sources replayed once
 * with every source asked, from `trainDates` trading dates before the lab's first date to its
 * last, into a dataset; before each test window of `testDates` dates, a calibration fitted on the
 * outcomes resolved before the window starts (docs/learning.md). The arm's run takes each up as
 * its window's first cycle starts, so no signal is scored by a fit that saw its outcome.
 */
import { loadConfig, type ConfigInput, type LoadedConfig } from '../config/config-loader';
import { Run } from '../engine/run';
import { ArgoError } from '../errors/errors';
import { calibrationId, sourcesHash, type CalibrationFile } from '../learning/calibration';
import { collectDataset } from '../learning/collect-dataset';
import type { Dataset } from '../learning/evaluation-dataset';
import { fitBefore, walkForwardSplits, type WalkForwardSplit } from '../learning/walk-forward';
import type { PluginRegistry } from '../plugin-system/plugin-registry';
import type { Logger } from '../util/logger';
import { hashOf } from '../util/stable-hash';

/** A test window of a walk-forward arm, as the report shows it. */
export interface WalkForwardFit extends WalkForwardSplit {
  /** Outcomes the fit rested on. */
  readonly fitted: number;
  /** The version of the window's calibration; null when it had fewer than `learning.minSamples` outcomes and the previous one was kept. */
  readonly calibration: string | null;
}

/** The fits of an arm, and the calibration each test window's first date stages. */
export interface WalkForwardPlan {
  readonly fits: readonly WalkForwardFit[];
  readonly byTestFrom: ReadonlyMap<string, CalibrationFile>;
}

/** Datasets already replayed in this lab, by what they depend on: arms with the same sources and data share one. */
export type DatasetCache = Map<string, Promise<{ dataset: Dataset; dates: string[] }>>;

async function replayDataset(registry: PluginRegistry, input: ConfigInput, config: LoadedConfig, from: string, to: string, logger: Logger): Promise<{ dataset: Dataset; dates: string[] }> {
  const { trainDates, expanding } = config.values.learning.walkForward;
  // Every source asked; nothing stored (an arm's own storage gets the arm's signals only).
  const sets = [...(input.sets ?? []).filter((set) => !set.startsWith('storage.')), 'earlyExit.strategy=none', 'storage.plugin=memory'];
  const run = await Run.create(loadConfig(registry, { ...input, without: ['storage'], sets }), logger);
  try {
    await run.loadHistory();
    const dates = run.tradingDates().filter((date) => date.slice(0, 10) <= to);
    const first = dates.findIndex((date) => date.slice(0, 10) >= from);
    if (first < 1) {
      throw new ArgoError('ARGO_ERR_USAGE', `learning.walkForward: no trading date before --from ${from} to train on (the data starts ${dates[0] ?? 'nowhere'}); start the lab later`);
    }
    const trainFrom = expanding ? dates[0] : dates[Math.max(0, first - trainDates)];
    return { dataset: await collectDataset(run, trainFrom.slice(0, 10), to, [config.values.learning.horizon]), dates };
  } finally {
    await run.close();
  }
}

/** Replays (or takes from `cache`) the arm's dataset and fits a calibration before each test window of `from`..`to`. */
export async function planWalkForward(registry: PluginRegistry, input: ConfigInput, config: LoadedConfig, range: { from: string; to: string }, logger: Logger, cache: DatasetCache): Promise<WalkForwardPlan> {
  const { learning, sources, data } = config.values;
  const key = hashOf({ sources, data, range, horizon: learning.horizon, walkForward: learning.walkForward });
  if (!cache.has(key)) cache.set(key, replayDataset(registry, input, config, range.from, range.to, logger));
  const { dataset, dates } = await cache.get(key)!;
  const first = dates.findIndex((date) => date.slice(0, 10) >= range.from);
  const hash = sourcesHash(sources);
  const fits: WalkForwardFit[] = [];
  const byTestFrom = new Map<string, CalibrationFile>();
  for (const split of walkForwardSplits(dates, first, learning.walkForward)) {
    const file = fitBefore(dataset, split, { horizon: learning.horizon, sourcesHash: hash });
    const usable = file.samples >= learning.minSamples;
    if (usable) byTestFrom.set(split.testFrom, file);
    fits.push({ ...split, fitted: file.samples, calibration: usable ? calibrationId(file) : null });
  }
  if (byTestFrom.size === 0) {
    throw new ArgoError('ARGO_ERR_USAGE', `learning.walkForward: no test window had learning.minSamples (${learning.minSamples}) resolved outcomes to fit on; train on more dates or lower it`);
  }
  return { fits, byTestFrom };
}
