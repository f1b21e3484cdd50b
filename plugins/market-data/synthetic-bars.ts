import type { Bar } from '../../core/domain/domain';
import { isIsoDate } from '../../core/domain/symbols';
import { ArgoError } from '../../core/errors/errors';
import { PLUGIN_API_VERSION, defineMarketDataPlugin } from '../../core/plugin-system/define-plugin';
import { normalDraw, seededRandom } from '../../core/util/seeded-random';

interface SyntheticBarsOptions {
  symbols: string[];
  days: number;
  endDate: string;
}

/** Daily drift and volatility of each regime the generator switches between. */
const REGIMES = [
  { drift: 0.0012, volatility: 0.011 },
  { drift: -0.0012, volatility: 0.013 },
  { drift: 0, volatility: 0.008 },
  { drift: 0, volatility: 0.03 },
] as const;

/** Mean length of a regime in days. */
const REGIME_DAYS = 45;

function tradingDaysEndingAt(endDate: string, count: number): string[] {
  const dates: string[] = [];
  const day = new Date(`${endDate}T00:00:00Z`);
  while (dates.length < count) {
    const weekday = day.getUTCDay();
    if (weekday !== 0 && weekday !== 6) dates.push(day.toISOString().slice(0, 10));
    day.setUTCDate(day.getUTCDate() - 1);
  }
  return dates.reverse();
}

/** Seeded regime-switching daily bars: trends up and down, ranges, volatile spells. */
export function syntheticBars(symbol: string, seed: number, dates: readonly string[]): Bar[] {
  const random = seededRandom(seed, 'synthetic-bars', symbol);
  let regime = REGIMES[Math.floor(random() * REGIMES.length)];
  let close = 20 + random() * 180;
  const baseVolume = 2e5 + random() * 5e6;
  return dates.map((date) => {
    if (random() < 1 / REGIME_DAYS) regime = REGIMES[Math.floor(random() * REGIMES.length)];
    const open = close * (1 + normalDraw(random) * regime.volatility * 0.2);
    const ret = regime.drift + normalDraw(random) * regime.volatility;
    close = Math.max(0.5, open * Math.exp(ret));
    const high = Math.max(open, close) * (1 + Math.abs(normalDraw(random)) * regime.volatility * 0.5);
    const low = Math.min(open, close) * (1 - Math.abs(normalDraw(random)) * regime.volatility * 0.5);
    const volume = Math.round(baseVolume * Math.exp(normalDraw(random) * 0.3) * (1 + Math.abs(ret) / regime.volatility));
    return { date, open, high, low, close, volume };
  });
}

/** Seeded synthetic daily bars: the demo's default and the benchmarks' generator. */
export default defineMarketDataPlugin<SyntheticBarsOptions>({
  name: 'synthetic-bars',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Seeded, regime-switching daily OHLCV bars for demos, tests and benchmarks.',
  options: {
    symbols: {
      doc: 'Symbols offered when `symbols` is empty.',
      format: 'symbol-list',
      default: ['ACME', 'BOLT', 'CRUX', 'DYNA', 'EMBR', 'FLUX'],
    },
    days: { doc: 'Trading days generated per symbol.', format: 'nat', default: 750 },
    endDate: { doc: 'Date of the last bar (YYYY-MM-DD).', format: String, default: '2024-12-31' },
  },
  create({ options, seed }) {
    if (!isIsoDate(options.endDate)) throw new ArgoError('ARGO_ERR_USAGE_DATE', `data.endDate: ${JSON.stringify(options.endDate)} is not YYYY-MM-DD`);
    const dates = tradingDaysEndingAt(options.endDate, options.days);
    return {
      async symbols() {
        return [...options.symbols].sort();
      },
      async load(symbol) {
        return { symbol, bars: syntheticBars(symbol, seed, dates), malformedRows: 0 };
      },
    };
  },
});
