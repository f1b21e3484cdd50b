import type { Bar } from '../../core/domain/domain';
import { isIsoDate } from '../../core/domain/symbols';
import { weekdaysAfter, weekdaysEndingAt } from '../../core/domain/weekdays';
import { ArgoError } from '../../core/errors/errors';
import { PLUGIN_API_VERSION, defineMarketDataPlugin } from '../../core/plugin-system/define-plugin';
import { normalDraw, seededRandom } from '../../core/util/seeded-random';

interface SyntheticBarsOptions {
  symbols: string[];
  days: number;
  endDate: string;
  barEveryMs: number;
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

/** Seeded regime-switching daily bars: trends up and down, ranges, volatile spells. */
export function syntheticBars(symbol: string, seed: number, dates: readonly string[]): Bar[] {
  return dates.map(barGenerator(symbol, seed));
}

/** The bars of `symbol` one date at a time: the n-th call gives the n-th bar of {@link syntheticBars}, whatever the dates. */
function barGenerator(symbol: string, seed: number): (date: string) => Bar {
  const random = seededRandom(seed, 'synthetic-bars', symbol);
  let regime = REGIMES[Math.floor(random() * REGIMES.length)];
  let close = 20 + random() * 180;
  const baseVolume = 2e5 + random() * 5e6;
  return (date) => {
    if (random() < 1 / REGIME_DAYS) regime = REGIMES[Math.floor(random() * REGIMES.length)];
    const open = close * (1 + normalDraw(random) * regime.volatility * 0.2);
    const ret = regime.drift + normalDraw(random) * regime.volatility;
    close = Math.max(0.5, open * Math.exp(ret));
    const high = Math.max(open, close) * (1 + Math.abs(normalDraw(random)) * regime.volatility * 0.5);
    const low = Math.min(open, close) * (1 - Math.abs(normalDraw(random)) * regime.volatility * 0.5);
    const volume = Math.round(baseVolume * Math.exp(normalDraw(random) * 0.3) * (1 + Math.abs(ret) / regime.volatility));
    return { date, open, high, low, close, volume };
  };
}

/** Seeded synthetic daily bars: the demo's default and the benchmarks' generator. */
export default defineMarketDataPlugin<SyntheticBarsOptions>({
  name: 'synthetic-bars',
  version: '1.1.0',
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
    barEveryMs: {
      doc: 'Live demo: one more trading day is due every this many ms of the run clock after start (0: the series ends at endDate).',
      format: 'nat',
      default: 0,
    },
  },
  create({ options, seed, now }) {
    if (!isIsoDate(options.endDate)) throw new ArgoError('ARGO_ERR_USAGE_DATE', `data.endDate: ${JSON.stringify(options.endDate)} is not YYYY-MM-DD`);
    const dates = weekdaysEndingAt(options.endDate, options.days);
    const started = now();
    /** The dates due now: the history, then one trading day per `barEveryMs` since start. */
    const dueDates = (): number => dates.length + (options.barEveryMs > 0 ? Math.floor((now() - started) / options.barEveryMs) : 0);
    /** Per symbol, its generator and the dates it has produced, so a new bar costs one step. */
    const live = new Map<string, { next: (date: string) => Bar; last: string; produced: number }>();
    const produce = (state: { next: (date: string) => Bar; last: string; produced: number }, upTo: number): Bar[] => {
      const bars: Bar[] = [];
      for (; state.produced < upTo; state.produced++) {
        state.last = state.produced < dates.length ? dates[state.produced] : weekdaysAfter(state.last);
        bars.push(state.next(state.last));
      }
      return bars;
    };
    return {
      async symbols() {
        return [...options.symbols].sort();
      },
      async load(symbol) {
        const state = { next: barGenerator(symbol, seed), last: '', produced: 0 };
        live.set(symbol, state);
        return { symbol, bars: produce(state, dueDates()), malformedRows: 0 };
      },
      async loadAfter(symbol, last) {
        const state = live.get(symbol);
        if (state === undefined || state.last !== last.date) return null;
        return { symbol, bars: produce(state, dueDates()), malformedRows: 0 };
      },
    };
  },
});
