import type { Bar } from '../../../core/domain/domain';
import { checkedBar, sortedBars } from '../../../core/domain/bar-check';
import { ArgoError } from '../../../core/errors/errors';
import { PLUGIN_API_VERSION, defineMarketDataPlugin } from '../../../core/plugin-system/define-plugin';
import { PageTrail, ProviderClient, credential, malformedPage, safeUrl, type RequestPolicy } from './provider-client';
import { barFinished, barMs, cachedWhenConfigured, perSymbol, policyOf, policyOptions } from './provider-options';
import { barTimeOf, type Timeframe } from '../../../core/domain/timeframe';

/** Massive's multiplier and timespan of each timeframe. */
const RANGE: Readonly<Record<Timeframe, string>> = { '1d': '1/day', '1h': '1/hour', '15m': '15/minute', '5m': '5/minute', '1m': '1/minute' };

interface MassiveOptions extends RequestPolicy {
  cache: { path: string };
  baseUrl: string;
  apiKeyEnv: string;
  adjusted: boolean;
  start: string;
  symbols: string[];
  pageLimit: number;
}

/**
 * Daily aggregates from Massive, Polygon's API under its new name
 * (`GET /v2/aggs/ticker/{t}/range/1/day/{from}/{to}`), pages followed through `next_url`. The
 * key goes in `apiKey`; `next_url` is followed only on the configured host, so the key is
 * never sent anywhere else.
 */
export default defineMarketDataPlugin<MassiveOptions>({
  name: 'massive-aggs',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Aggregates (daily or intraday) from the Massive (formerly Polygon.io) API, paged through next_url.',
  options: {
    baseUrl: { doc: 'API base URL.', format: String, default: 'https://api.massive.com' },
    apiKeyEnv: { doc: 'Environment variable holding the API key.', format: String, default: 'MASSIVE_API_KEY' },
    adjusted: { doc: 'Split-adjusted prices.', format: Boolean, default: true },
    start: { doc: 'First date of the history (YYYY-MM-DD).', format: String, default: '2016-01-01' },
    symbols: { doc: 'What symbols() offers.', format: 'symbol-list', default: [] },
    pageLimit: { doc: 'Base aggregates per request (Massive allows up to 50,000).', format: 'nat', default: 50_000 },
    ...policyOptions(5, 'Requests a minute for the whole process (Massive free tier: 5; paid plans: set it higher).'),
  },
  async create({ options, env, now, resolvePath, timeframe }) {
    const apiKey = credential(env, options.apiKeyEnv, 'apiKeyEnv', 'massive-aggs');
    const client = new ProviderClient('massive-aggs', policyOf(options));
    const origin = new URL(options.baseUrl).origin;
    const withKey = (url: URL) => {
      url.searchParams.set('apiKey', apiKey);
      return url.toString();
    };
    const fetchBars = async (symbol: string, from: string) => {
      const candidates: (Bar | null)[] = [];
      const to = barTimeOf(now(), '1d');
      // `from` as milliseconds: Massive takes both, and an intraday resume starts inside a day.
      const first = new URL(`/v2/aggs/ticker/${encodeURIComponent(symbol)}/range/${RANGE[timeframe]}/${barMs(from)}/${to}`, options.baseUrl);
      for (const [key, value] of Object.entries({ adjusted: String(options.adjusted), sort: 'asc', limit: String(options.pageLimit) })) first.searchParams.set(key, value);
      const trail = new PageTrail('massive-aggs');
      for (let url: string | null = withKey(first); url !== null; ) {
        const { body } = await client.getJson(url);
        const page = body as { results?: unknown; next_url?: unknown; status?: unknown };
        if (typeof page !== 'object' || page === null || (page.results !== undefined && !Array.isArray(page.results))) throw malformedPage('massive-aggs', url, '"results" is not a list');
        for (const agg of (page.results ?? []) as { t?: unknown; o: unknown; h: unknown; l: unknown; c: unknown; v: unknown }[]) {
          if (typeof agg?.t !== 'number') {
            candidates.push(null);
            continue;
          }
          if (!barFinished(agg.t, timeframe, now())) continue;
          candidates.push(checkedBar(barTimeOf(agg.t, timeframe), [agg.o, agg.h, agg.l, agg.c, agg.v]));
        }
        if (typeof page.next_url !== 'string' || page.next_url === '') break;
        const next = new URL(page.next_url);
        if (next.origin !== origin) throw new ArgoError('ARGO_ERR_DATA_PROVIDER', `massive-aggs: ${safeUrl(url)}: next_url points to ${next.origin}, not ${origin}; not followed (the key would go there)`);
        trail.next(page.next_url, url);
        url = withKey(next);
      }
      return { symbol, ...sortedBars(candidates) };
    };
    return cachedWhenConfigured('massive-aggs', options, timeframe, resolvePath, perSymbol(options.symbols, options.start, timeframe, fetchBars));
  },
});
