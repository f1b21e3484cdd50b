import type { Bar } from '../../core/domain/domain';
import { isIsoDate } from '../../core/domain/symbols';
import { TIMEFRAME_MINUTES, barTimeOf, type Timeframe } from '../../core/domain/timeframe';
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

/**
 * The keys of `count` bars of `timeframe` ending on `endDate`: weekdays for daily bars; for
 * intraday ones every step around the clock (a market that never closes, as crypto), the last
 * one opening `step` before the end of `endDate` (UTC).
 */
function barTimesEndingAt(endDate: string, count: number, timeframe: Timeframe): string[] {
  if (timeframe === '1d') return weekdaysEndingAt(endDate, count);
  const stepMs = TIMEFRAME_MINUTES[timeframe] * 60_000;
  const lastMs = Date.parse(`${endDate}T00:00:00Z`) + 86_400_000 - stepMs;
  return Array.from({ length: count }, (_, i) => barTimeOf(lastMs - (count - 1 - i) * stepMs, timeframe));
}

/** Seeded regime-switching bars (daily unless `timeframe` says otherwise): trends up and down, ranges, volatile spells. */
export function syntheticBars(symbol: string, seed: number, dates: readonly string[], timeframe: Timeframe = '1d'): Bar[] {
  return dates.map(barGenerator(symbol, seed, timeframe));
}

/** The bars of `symbol` one date at a time: the n-th call gives the n-th bar of {@link syntheticBars}, whatever the dates. */
function barGenerator(symbol: string, seed: number, timeframe: Timeframe): (date: string) => Bar {
  const random = seededRandom(seed, 'synthetic-bars', symbol);
  // Shorter bars move less: drift scales with time, volatility with its square root (both 1 for daily bars).
  const share = TIMEFRAME_MINUTES[timeframe] / TIMEFRAME_MINUTES['1d'];
  const drift = (regime: (typeof REGIMES)[number]) => regime.drift * share;
  const volatility = (regime: (typeof REGIMES)[number]) => regime.volatility * Math.sqrt(share);
  let regime = REGIMES[Math.floor(random() * REGIMES.length)];
  let close = 20 + random() * 180;
  const baseVolume = 2e5 + random() * 5e6;
  return (date) => {
    if (random() < 1 / REGIME_DAYS) regime = REGIMES[Math.floor(random() * REGIMES.length)];
    const sigma = volatility(regime);
    const open = close * (1 + normalDraw(random) * sigma * 0.2);
    const ret = drift(regime) + normalDraw(random) * sigma;
    close = Math.max(0.5, open * Math.exp(ret));
    const high = Math.max(open, close) * (1 + Math.abs(normalDraw(random)) * sigma * 0.5);
    const low = Math.min(open, close) * (1 - Math.abs(normalDraw(random)) * sigma * 0.5);
    const volume = Math.round(baseVolume * share * Math.exp(normalDraw(random) * 0.3) * (1 + Math.abs(ret) / sigma));
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
    days: { doc: 'Bars generated per symbol (trading days for 1d bars).', format: 'nat', default: 750 },
    endDate: { doc: 'Date of the last bar (YYYY-MM-DD).', format: String, default: '2024-12-31' },
    barEveryMs: {
      doc: 'Live demo: one more trading day is due every this many ms of the run clock after start (0: the series ends at endDate).',
      format: 'nat',
      default: 0,
    },
  },
  create({ options, seed, now, timeframe }) {
    if (!isIsoDate(options.endDate)) throw new ArgoError('ARGO_ERR_USAGE_DATE', `data.endDate: ${JSON.stringify(options.endDate)} is not YYYY-MM-DD`);
    const dates = barTimesEndingAt(options.endDate, options.days, timeframe);
    const after = (last: string) => (timeframe === '1d' ? weekdaysAfter(last) : barTimeOf(Date.parse(last) + TIMEFRAME_MINUTES[timeframe] * 60_000, timeframe));
    const started = now();
    /** The dates due now: the history, then one trading day per `barEveryMs` since start. */
    const dueDates = (): number => dates.length + (options.barEveryMs > 0 ? Math.floor((now() - started) / options.barEveryMs) : 0);
    /** Per symbol, its generator and the dates it has produced, so a new bar costs one step. */
    const live = new Map<string, { next: (date: string) => Bar; last: string; produced: number }>();
    const produce = (state: { next: (date: string) => Bar; last: string; produced: number }, upTo: number): Bar[] => {
      const bars: Bar[] = [];
      for (; state.produced < upTo; state.produced++) {
        state.last = state.produced < dates.length ? dates[state.produced] : after(state.last);
        bars.push(state.next(state.last));
      }
      return bars;
    };
    return {
      async symbols() {
        return [...options.symbols].sort();
      },
      async load(symbol) {
        const state = { next: barGenerator(symbol, seed, timeframe), last: '', produced: 0 };
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
