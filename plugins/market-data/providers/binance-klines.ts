import type { Bar } from '../../../core/domain/domain';
import { checkedBar, sortedBars } from '../../../core/domain/bar-check';
import { PLUGIN_API_VERSION, defineMarketDataPlugin } from '../../../core/plugin-system/define-plugin';
import { ProviderClient, malformedPage, type RequestPolicy } from './provider-client';
import { barMs, cachedWhenConfigured, perSymbol, policyOf, policyOptions } from './provider-options';
import { barTimeOf } from '../../../core/domain/timeframe';

interface BinanceOptions extends RequestPolicy {
  cache: { path: string };
  baseUrl: string;
  start: string;
  symbols: string[];
  pageLimit: number;
}

/** Request weight of GET /api/v3/klines (Binance's documented cost, whatever the limit). */
const KLINES_WEIGHT = 2;

/**
 * Daily klines from Binance spot (`GET /api/v3/klines`, no key needed): rows are arrays with
 * prices as strings, paged by `startTime`. The limiter runs on request weight, and after each
 * answer its reservoir is set from `X-MBX-USED-WEIGHT-1M`, the weight Binance counts for this
 * address in the current minute, so several processes behind one address slow down together.
 */
export default defineMarketDataPlugin<BinanceOptions>({
  name: 'binance-klines',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Klines (daily or intraday) from the Binance spot API, paged by startTime, limited by request weight.',
  options: {
    baseUrl: { doc: 'API base URL.', format: String, default: 'https://api.binance.com' },
    start: { doc: 'First date of the history (YYYY-MM-DD).', format: String, default: '2018-01-01' },
    symbols: { doc: 'What symbols() offers (BTCUSDT, ETHUSDT, …).', format: 'symbol-list', default: [] },
    pageLimit: { doc: 'Klines per request (Binance allows up to 1,000).', format: 'nat', default: 1000 },
    ...policyOptions(6000, 'Request weight a minute (Binance: 6,000 per IP).'),
  },
  async create({ options, now, resolvePath, timeframe }) {
    const client = new ProviderClient('binance-klines', policyOf(options));
    const fetchBars = async (symbol: string, start: string) => {
      const candidates: (Bar | null)[] = [];
      for (let startTime = barMs(start); ; ) {
        const url = new URL('/api/v3/klines', options.baseUrl);
        for (const [key, value] of Object.entries({ symbol, interval: timeframe, startTime: String(startTime), limit: String(options.pageLimit) })) url.searchParams.set(key, value);
        const { body, headers } = await client.getJson(url.toString(), KLINES_WEIGHT);
        const used = Number(headers.get('x-mbx-used-weight-1m'));
        if (Number.isFinite(used) && headers.has('x-mbx-used-weight-1m')) client.limiter.updateSettings({ reservoir: Math.max(0, options.perMinute - used) });
        if (!Array.isArray(body)) throw malformedPage('binance-klines', url.toString(), 'not a list of klines');
        let lastOpen = -1;
        for (const row of body as unknown[]) {
          if (!Array.isArray(row) || typeof row[0] !== 'number' || typeof row[6] !== 'number') {
            candidates.push(null);
            continue;
          }
          lastOpen = Math.max(lastOpen, row[0]);
          // A kline whose close time has not passed is still forming.
          if (row[6] >= now()) continue;
          candidates.push(checkedBar(barTimeOf(row[0], timeframe), [row[1], row[2], row[3], row[4], row[5]]));
        }
        if (body.length < options.pageLimit || lastOpen < 0) break;
        // A page whose klines do not move past the one asked for would be asked for again forever.
        if (lastOpen < startTime) throw malformedPage('binance-klines', url.toString(), `the page asked from ${startTime} holds no kline opening at or after it; paging stopped`);
        startTime = lastOpen + 1;
      }
      return { symbol, ...sortedBars(candidates) };
    };
    return cachedWhenConfigured('binance-klines', options, timeframe, resolvePath, perSymbol(options.symbols, options.start, timeframe, fetchBars));
  },
});
