import { BarView } from '../domain/bar-view';
import type { CycleItem } from './cycle-runner';
import { replayCycle, type ReplayOptions, type ReplayParts } from './replay-cycles';
import type { Cassette } from './run-tape';
import type { SymbolResult } from './symbol-pipeline';

/**
 * Re-runs the cycles of a recording (`replay --cassette`): each as the live run had it, the
 * symbols and dates it evaluated, every source answered from the recording. The same
 * config gives the same signals, ids included; another strategy may ask a source the live
 * run did not (counted as `unrecorded`).
 */
export async function replayCassette(parts: ReplayParts, cassette: Cassette, options: Pick<ReplayOptions, 'onResult' | 'keepResults'>): Promise<SymbolResult[]> {
  const started = performance.now();
  const bySymbol = new Map((await parts.bars.load()).map((s) => [s.symbol, s]));
  const results: SymbolResult[] = [];
  for (const cycle of cassette.cycles) {
    const evaluated = await replayCycle(parts, options, results, () =>
      cycle.flatMap(([symbol, asOf]): CycleItem[] => {
        const series = bySymbol.get(symbol);
        const at = series?.indexAtOrBefore(asOf) ?? -1;
        return series !== undefined && at >= 0 && series.date(at) === asOf ? [{ symbol, bars: BarView.upTo(series, at) }] : [];
      }),
    );
    if (!evaluated) break;
  }
  await parts.writes.settle(0);
  parts.stats.wallMs = performance.now() - started;
  return results;
}
