import type { Bar, BarSeries } from '../../../core/domain/domain';
import { checkedBar, sortedBars } from '../../../core/domain/bar-check';
import { PLUGIN_API_VERSION, defineMarketDataPlugin } from '../../../core/plugin-system/define-plugin';
import { PageTrail, ProviderClient, credential, malformedPage, type RequestPolicy } from './provider-client';
import { barAfter, barFinished, cachedWhenConfigured, policyOf, policyOptions } from './provider-options';
import { barTimeOf, type Timeframe } from '../../../core/domain/timeframe';

interface AlpacaOptions extends RequestPolicy {
  cache: { path: string };
  baseUrl: string;
  keyIdEnv: string;
  secretKeyEnv: string;
  feed: 'iex' | 'sip';
  adjustment: 'raw' | 'split' | 'dividend' | 'all';
  start: string;
  symbols: string[];
  pageLimit: number;
}

/** Alpaca's name of each timeframe. */
const ALPACA_TIMEFRAME: Readonly<Record<Timeframe, string>> = { '1d': '1Day', '1h': '1Hour', '15m': '15Min', '5m': '5Min', '1m': '1Min' };

/** One bar as Alpaca Market Data v2 sends it. */
interface AlpacaBar {
  t: string;
  o: unknown;
  h: unknown;
  l: unknown;
  c: unknown;
  v: unknown;
}

/**
 * Daily bars from Alpaca Market Data v2 (`GET /v2/stocks/bars`): many symbols per request,
 * pages followed through `next_page_token` (sorted by symbol, so a symbol may continue on the
 * next page), keys from the environment variables the options name.
 */
export default defineMarketDataPlugin<AlpacaOptions>({
  name: 'alpaca-bars',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Bars (daily or intraday) from the Alpaca Market Data v2 API, many symbols a request, rate-limited and retried.',
  options: {
    baseUrl: { doc: 'API base URL.', format: String, default: 'https://data.alpaca.markets' },
    keyIdEnv: { doc: 'Environment variable holding the key id (APCA-API-KEY-ID).', format: String, default: 'APCA_API_KEY_ID' },
    secretKeyEnv: { doc: 'Environment variable holding the secret key (APCA-API-SECRET-KEY).', format: String, default: 'APCA_API_SECRET_KEY' },
    feed: { doc: 'iex (free) or sip (all US exchanges, paid).', format: ['iex', 'sip'], default: 'iex' },
    adjustment: { doc: 'Corporate-action adjustment of prices.', format: ['raw', 'split', 'dividend', 'all'], default: 'all' },
    start: { doc: 'First date of the history (YYYY-MM-DD).', format: String, default: '2016-01-01' },
    symbols: { doc: 'The universe, fetched together (and what symbols() offers).', format: 'symbol-list', default: [] },
    pageLimit: { doc: 'Bars per page (Alpaca allows up to 10,000).', format: 'nat', default: 10_000 },
    ...policyOptions(200, 'Requests a minute for the whole process (Alpaca Basic: 200).'),
  },
  async create({ options, env, now, resolvePath, timeframe }) {
    const client = new ProviderClient('alpaca-bars', policyOf(options), {
      'APCA-API-KEY-ID': credential(env, options.keyIdEnv, 'keyIdEnv', 'alpaca-bars'),
      'APCA-API-SECRET-KEY': credential(env, options.secretKeyEnv, 'secretKeyEnv', 'alpaca-bars'),
    });
    /** Bars fetched for the universe at the first load, handed out once each. */
    const prefetched = new Map<string, BarSeries>();
    /** Bars fetched by `prepare`, by symbol with the date they continue from (null: in full), handed out once each. */
    const prepared = new Map<string, { after: string | null; series: BarSeries }>();
    const takePrepared = (symbol: string, after: string | null): BarSeries | undefined => {
      const ready = prepared.get(symbol);
      prepared.delete(symbol);
      return ready !== undefined && ready.after === after ? ready.series : undefined;
    };

    /** Every bar of `symbols` from `start`, following the pages. */
    const fetchBars = async (symbols: readonly string[], start: string): Promise<Map<string, BarSeries>> => {
      const raw = new Map<string, (Bar | null)[]>(symbols.map((s) => [s, []]));
      let token: string | null = null;
      const trail = new PageTrail('alpaca-bars');
      do {
        const url = new URL('/v2/stocks/bars', options.baseUrl);
        const query: Record<string, string> = { symbols: symbols.join(','), timeframe: ALPACA_TIMEFRAME[timeframe], start, limit: String(options.pageLimit), adjustment: options.adjustment, feed: options.feed };
        if (token !== null) query.page_token = token;
        for (const [key, value] of Object.entries(query)) url.searchParams.set(key, value);
        const { body } = await client.getJson(url.toString());
        const page = body as { bars?: unknown; next_page_token?: unknown };
        if (typeof page !== 'object' || page === null || (page.bars !== null && typeof page.bars !== 'object')) throw malformedPage('alpaca-bars', url.toString(), 'no "bars" object');
        for (const [symbol, bars] of Object.entries((page.bars ?? {}) as Record<string, unknown>)) {
          if (!Array.isArray(bars)) throw malformedPage('alpaca-bars', url.toString(), `"bars.${symbol}" is not a list`);
          const into = raw.get(symbol);
          if (into === undefined) continue;
          for (const bar of bars as AlpacaBar[]) {
            const openMs = Date.parse(String(bar?.t));
            // Today's bar is still forming: it is left for a later cycle, never taken as final.
            if (Number.isFinite(openMs) && !barFinished(openMs, timeframe, now())) continue;
            // A daily bar's t is the session's midnight in New York (05:00Z): its date is the session's.
            const key = timeframe === '1d' ? String(bar.t).slice(0, 10) : barTimeOf(openMs, timeframe);
            into.push(Number.isFinite(openMs) ? checkedBar(key, [bar.o, bar.h, bar.l, bar.c, bar.v]) : null);
          }
        }
        token = typeof page.next_page_token === 'string' && page.next_page_token !== '' ? page.next_page_token : null;
        if (token !== null) trail.next(token, url.toString());
      } while (token !== null);
      return new Map([...raw].map(([symbol, candidates]) => [symbol, { symbol, ...sortedBars(candidates) }]));
    };

    return cachedWhenConfigured('alpaca-bars', options, timeframe, resolvePath, {
      async symbols() {
        return [...options.symbols].sort();
      },
      // One paged request for every symbol continuing from the same bar (a cycle: all of them), one for those loaded in full.
      async prepare(requests) {
        const byStart = new Map<string, { symbol: string; after: string | null }[]>();
        for (const { symbol, after } of requests) {
          const start = after === null ? options.start : barAfter(after.date, timeframe);
          byStart.set(start, [...(byStart.get(start) ?? []), { symbol, after: after?.date ?? null }]);
        }
        for (const [start, group] of byStart) {
          const fetched = await fetchBars(group.map((g) => g.symbol), start);
          for (const { symbol, after } of group) prepared.set(symbol, { after, series: fetched.get(symbol)! });
        }
      },
      async load(symbol) {
        const whole = takePrepared(symbol, null);
        if (whole !== undefined) return whole;
        if (prefetched.size === 0 && options.symbols.includes(symbol)) for (const [s, series] of await fetchBars(options.symbols, options.start)) prefetched.set(s, series);
        const ready = prefetched.get(symbol);
        prefetched.delete(symbol);
        return ready ?? (await fetchBars([symbol], options.start)).get(symbol)!;
      },
      async loadAfter(symbol, last) {
        return takePrepared(symbol, last.date) ?? (await fetchBars([symbol], barAfter(last.date, timeframe))).get(symbol)!;
      },
    });
  },
});
