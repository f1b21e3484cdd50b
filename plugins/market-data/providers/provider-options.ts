import type { BarSeries } from '../../../core/domain/domain';
import type { MarketData } from '../../../core/plugin-system/plugin-contracts';
import { BarCache, withBarCache } from './bar-cache';
import { TIMEFRAME_MINUTES, barTimeOf, type Timeframe } from '../../../core/domain/timeframe';
import type { RequestPolicy } from './provider-client';

/** The request-policy options every provider plugin has, with the provider's documented limit as the default. */
export function policyOptions(perMinute: number, perMinuteDoc: string) {
  return {
    perMinute: { doc: perMinuteDoc, format: 'nat', default: perMinute },
    maxConcurrent: { doc: 'Requests in flight at once, for the whole process.', format: 'nat', default: 4 },
    timeoutMs: { doc: 'A request that has not answered after this many ms is aborted (and retried).', format: 'nat', default: 10_000 },
    retries: { doc: 'Retries of a request after 429, 5xx, a timeout or a cut-off body.', format: 'nat', default: 4 },
    retryBaseMs: { doc: 'First retry delay (doubled each retry, with jitter; never before Retry-After).', format: 'nat', default: 500 },
    maxRetryWaitMs: { doc: 'Longest Retry-After honoured; a 429 or 5xx asking for more fails the request at once (coded, not retried).', format: 'nat', default: 60_000 },
    maxBodyBytes: { doc: 'Largest page read; a larger one fails (ARGO_ERR_BODY_TOO_LARGE, not retried) before it fills the memory.', format: 'nat', default: 64 * 1024 * 1024 },
    cache: { path: { doc: 'SQLite file of finished bars, relative to the config file: loads then ask only for newer bars. Empty: no cache.', format: String, default: '' } },
  } as const;
}

/** Options every provider has besides the request policy. */
interface CacheOption {
  readonly cache: { readonly path: string };
}

/** Options that change nothing in the bars a provider gives: where and how it is asked, the universe, the cache itself. */
const NOT_SHAPING = new Set(['baseUrl', 'keyIdEnv', 'secretKeyEnv', 'apiKeyEnv', 'perMinute', 'maxConcurrent', 'timeoutMs', 'retries', 'retryBaseMs', 'maxRetryWaitMs', 'maxBodyBytes', 'cache', 'symbols', 'pageLimit', 'start']);

/** `marketData` behind the bar cache at `cache.path` when one is configured; keyed by the provider, the timeframe and the options that shape its bars. */
export async function cachedWhenConfigured(provider: string, options: CacheOption & object, timeframe: Timeframe, resolvePath: (p: string) => string, marketData: MarketData): Promise<MarketData> {
  if (options.cache.path === '') return marketData;
  const shaping = { ...Object.fromEntries(Object.entries(options).filter(([key]) => !NOT_SHAPING.has(key))), timeframe };
  return withBarCache(marketData, await BarCache.open(resolvePath(options.cache.path), provider, shaping));
}

/** The policy part of a provider's options. */
export function policyOf(options: RequestPolicy): RequestPolicy {
  const { perMinute, maxConcurrent, timeoutMs, retries, retryBaseMs, maxRetryWaitMs, maxBodyBytes } = options;
  return { perMinute, maxConcurrent, timeoutMs, retries, retryBaseMs, maxRetryWaitMs, maxBodyBytes };
}

/** Milliseconds a bar of `timeframe` lasts. */
export function stepMs(timeframe: Timeframe): number {
  return TIMEFRAME_MINUTES[timeframe] * 60_000;
}

/** Milliseconds since the epoch of a bar key (a date is its midnight UTC). */
export function barMs(barTime: string): number {
  return Date.parse(barTime.length === 10 ? `${barTime}T00:00:00Z` : barTime);
}

/** The key of the bar after the one at `barTime` (the day after, for daily bars). */
export function barAfter(barTime: string, timeframe: Timeframe): string {
  return barTimeOf(barMs(barTime) + stepMs(timeframe), timeframe);
}

/** A bar that opened at `openMs` is final once its whole length has passed (a daily bar: a whole day, its session has ended). */
export function barFinished(openMs: number, timeframe: Timeframe, now: number): boolean {
  return now >= openMs + stepMs(timeframe);
}

/** The market data of a provider asked one symbol at a time: the history from `start`, then what came after the last bar held. */
export function perSymbol(symbols: readonly string[], start: string, timeframe: Timeframe, fetchBars: (symbol: string, from: string) => Promise<BarSeries>): MarketData {
  return {
    async symbols() {
      return [...symbols].sort();
    },
    load: (symbol) => fetchBars(symbol, start),
    loadAfter: (symbol, last) => fetchBars(symbol, barAfter(last.date, timeframe)),
  };
}
