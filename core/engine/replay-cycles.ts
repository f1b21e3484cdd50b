import { BarView } from '../domain/bar-view';
import { dayOf } from '../domain/timeframe';
import type { CycleItem, CycleRunner } from './cycle-runner';
import type { CycleStats } from './cycle-stats';
import type { SeriesLoader } from './series-loader';
import type { SymbolResult } from './symbol-pipeline';
import type { WriteTracker } from './write-tracker';

/** Options of a replay. */
export interface ReplayOptions {
  /** First and last date (YYYY-MM-DD, inclusive). */
  readonly from: string;
  readonly to: string;
  /** Called with every result, in date then symbol order. */
  readonly onResult?: (result: SymbolResult) => void | Promise<void>;
  /**
   * Keep every result in the report (about 1.6 KB a symbol-day). Off by default: a replay
   * streams its results to `onResult` and aggregates statistics as it goes, so its memory does
   * not grow with the range.
   */
  readonly keepResults?: boolean;
  /** Called after each cycle with its date and the number of cycles in the replay (progress bars). */
  readonly onCycle?: (date: string, total: number) => void;
  /** Called before each cycle with its date: a calibration staged then is the cycle's (walk-forward arms). */
  readonly beforeCycle?: (date: string) => void;
}

/** What a replay needs of its run. */
export interface ReplayParts {
  readonly runner: CycleRunner;
  readonly writes: WriteTracker;
  readonly stats: CycleStats;
  /** Signals left unacknowledged by storage before a cycle waits (`storage.maxPending`). */
  readonly maxPending: number;
  readonly bars: SeriesLoader;
  /** True once a stop was requested: no further cycle starts. */
  readonly stopped: () => boolean;
  /** Called as a cycle starts (a staged calibration applies from it). */
  readonly starting: () => void;
  /** Called with the items a cycle evaluated (a recording keeps them). */
  readonly evaluated: (items: readonly CycleItem[]) => void;
}

/** How long a replay may keep the event loop before it lets timers, I/O and signal handlers run. */
const YIELD_EVERY_MS = 10;

/** When the event loop last had a turn during a replay (one process, one event loop). */
let lastYield = 0;

/**
 * One cycle of a replay, its results streamed to `onResult` (and kept with `keepResults`).
 * False, with nothing evaluated, once a stop was requested or the disk filled up (later
 * signals could not be stored either). A cycle of synchronous sources never leaves the
 * microtask queue: it yields first when the replay has held the event loop for
 * {@link YIELD_EVERY_MS}, so timers, I/O and signal handlers (SIGTERM) run (a turn of the
 * event loop each cycle was 4% of a replay).
 */
export async function replayCycle(
  parts: ReplayParts,
  options: Pick<ReplayOptions, 'onResult' | 'keepResults'>,
  results: SymbolResult[],
  itemsOf: () => CycleItem[],
): Promise<boolean> {
  if (performance.now() - lastYield >= YIELD_EVERY_MS) {
    await new Promise((resolve) => setImmediate(resolve));
    lastYield = performance.now();
  }
  if (parts.stopped() || parts.stats.storageStoppedBy !== null) return false;
  parts.starting();
  const items = itemsOf();
  for (const result of await parts.runner.run(items, parts.stats, parts.maxPending)) {
    if (options.keepResults === true) results.push(result);
    await options.onResult?.(result);
  }
  parts.evaluated(items);
  return true;
}

/** One cycle per trading day in the range, for every symbol with a bar that day; the results kept with `keepResults`. */
export async function replayRange(parts: ReplayParts, options: ReplayOptions): Promise<SymbolResult[]> {
  const started = performance.now();
  const series = await parts.bars.load();
  // An intraday bar belongs to the range by its day: --to 2024-06-28 includes that day's last bar.
  const dates = parts.bars.tradingDates().filter((date) => dayOf(date) >= options.from && dayOf(date) <= options.to);
  const cursors = series.map(() => 0);
  const results: SymbolResult[] = [];
  for (const date of dates) {
    options.beforeCycle?.(date);
    const evaluated = await replayCycle(parts, options, results, () => {
      const items: CycleItem[] = [];
      series.forEach((s, i) => {
        while (cursors[i] < s.length && s.date(cursors[i]) < date) cursors[i]++;
        if (cursors[i] < s.length && s.date(cursors[i]) === date) items.push({ symbol: s.symbol, bars: BarView.upTo(s, cursors[i]) });
      });
      return items;
    });
    if (!evaluated) break;
    options.onCycle?.(date, dates.length);
  }
  await parts.writes.settle(0);
  parts.stats.wallMs = performance.now() - started;
  return results;
}
