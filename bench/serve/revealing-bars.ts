import type { Bar } from '../../core/domain/domain';
import { weekdaysAfter } from '../../core/domain/weekdays';
import { PLUGIN_API_VERSION, defineMarketDataPlugin } from '../../core/plugin-system/define-plugin';
import type { MarketData } from '../../core/plugin-system/plugin-contracts';
import csvBars from '../../plugins/market-data/csv-bars';

/**
 * `bench serve` only: the real CSV bars as a live feed. Bars up to `startDate` are history;
 * one more trading day becomes visible every `revealEveryMs` of the run clock, so each
 * service cycle finds a new bar per symbol (through `loadAfter`) and writes new signals.
 */
export default defineMarketDataPlugin<{ dir: string; startDate: string; revealEveryMs: number }>({
  name: 'bench-revealing-bars',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'bench serve only: CSV bars revealed one trading day per interval.',
  options: {
    dir: { doc: 'Folder of the CSV files.', format: String, default: '' },
    startDate: { doc: 'Last day visible at start.', format: String, default: '2017-01-03' },
    revealEveryMs: { doc: 'One more trading day every this many ms.', format: 'nat', default: 1000 },
  },
  async create(context) {
    const inner = (await csvBars.create({ ...context, options: { dir: context.options.dir } })) as MarketData;
    const { startDate, revealEveryMs } = context.options;
    const started = context.now();
    const full = new Map<string, readonly Bar[]>();
    const visibleUntil = () => weekdaysAfter(startDate, Math.floor((context.now() - started) / revealEveryMs));
    return {
      symbols: () => inner.symbols(),
      async load(symbol) {
        const series = await inner.load(symbol);
        full.set(symbol, series.bars);
        const until = visibleUntil();
        return { ...series, bars: series.bars.filter((bar) => bar.date <= until) };
      },
      async loadAfter(symbol, last) {
        const bars = full.get(symbol);
        if (bars === undefined) return null;
        const until = visibleUntil();
        return { symbol, bars: bars.filter((bar) => bar.date > last.date && bar.date <= until), malformedRows: 0 };
      },
    };
  },
});
