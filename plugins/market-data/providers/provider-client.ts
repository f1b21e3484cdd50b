/**
 * HTTP for the market-data providers: one Bottleneck limiter per provider for the whole
 * process (every instance and request of a provider shares its documented limit), retries with
 * jittered exponential backoff on 429, 5xx, timeouts and truncated bodies that never come
 * before a `Retry-After`, a timeout per request through AbortSignal, and errors that name the
 * provider and the URL without its credentials.
 */
import { backoffMs, retryAfterMs } from '../../../core/util/retry-wait';
import type Bottleneck from 'bottleneck';
import { ArgoError, messageOf } from '../../../core/errors/errors';
import { cappedText } from '../../../core/util/capped-body';

/** A provider's documented limits, and how hard a request is retried. */
export interface RequestPolicy {
  /** Requests (or request weight) a minute. */
  readonly perMinute: number;
  readonly maxConcurrent: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly retryBaseMs: number;
  /** The longest `Retry-After` honoured: a server asking for more fails the request (coded, not retried). */
  readonly maxRetryWaitMs: number;
  /** The largest page read: a larger one fails (coded, not retried) before it fills the memory. */
  readonly maxBodyBytes: number;
}

/** Redirects followed on the provider's own host before the request fails. */
const MAX_REDIRECTS = 5;

/** A failure worth another try, with the delay the server asked for. */
class Retryable extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
    readonly policy: RequestPolicy,
  ) {
    super(message);
  }
}

const LIMITERS = new Map<string, Bottleneck>();

/** The provider's limiter, made once per process; a later instance's limits replace the earlier ones. */
function limiterOf(provider: string, policy: RequestPolicy): Bottleneck {
  const settings = {
    maxConcurrent: policy.maxConcurrent,
    reservoir: policy.perMinute,
    reservoirRefreshAmount: policy.perMinute,
    reservoirRefreshInterval: 60_000,
  };
  let limiter = LIMITERS.get(provider);
  if (limiter !== undefined) {
    limiter.updateSettings(settings);
    return limiter;
  }
  // Required here, not imported: every command loads the built-in plugins, few ask a provider.
  const BottleneckClass = require('bottleneck') as typeof Bottleneck;
  limiter = new BottleneckClass(settings);
  limiter.on('failed', (error: unknown, job: { retryCount: number }) => {
    if (!(error instanceof Retryable) || job.retryCount >= error.policy.retries) return undefined;
    return backoffMs(error.policy.retryBaseMs, job.retryCount, error.retryAfterMs);
  });
  LIMITERS.set(provider, limiter);
  return limiter;
}

/** `url` as it may be printed: query parameters that carry a credential removed. */
export function safeUrl(url: string): string {
  const parsed = new URL(url);
  for (const name of [...parsed.searchParams.keys()]) if (/key|token|secret|signature|password/i.test(name)) parsed.searchParams.set(name, 'REDACTED');
  return parsed.toString();
}

/** What a successful request gave. */
export interface ProviderAnswer {
  readonly body: unknown;
  readonly headers: Headers;
}

/** The HTTP side of one provider plugin instance. */
export class ProviderClient {
  readonly #limiter: Bottleneck;

  constructor(
    readonly provider: string,
    private readonly policy: RequestPolicy,
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {
    this.#limiter = limiterOf(provider, policy);
  }

  /** The limiter shared by every request of this provider (binance syncs it with the weight the server reports). */
  get limiter(): Bottleneck {
    return this.#limiter;
  }

  /** GETs `url` as JSON through the provider's limiter; `weight` is what the request costs against the limit. */
  async getJson(url: string, weight = 1): Promise<ProviderAnswer> {
    try {
      return await this.#limiter.schedule({ weight }, () => this.#attempt(url));
    } catch (error) {
      if (error instanceof ArgoError) throw error;
      throw new ArgoError('ARGO_ERR_DATA_PROVIDER', `${this.provider}: ${safeUrl(url)}: ${messageOf(error)} (after ${this.policy.retries} retries)`, { cause: error });
    }
  }

  async #attempt(url: string): Promise<ProviderAnswer> {
    const response = await this.#fetchOnHost(url);
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel();
      const waitMs = retryAfterMs(response.headers.get('retry-after'));
      if (waitMs > this.policy.maxRetryWaitMs) {
        throw new ArgoError('ARGO_ERR_DATA_PROVIDER', `${this.provider}: ${safeUrl(url)}: HTTP ${response.status} asks to wait ${Math.round(waitMs / 1000)} s (Retry-After), more than data.maxRetryWaitMs (${this.policy.maxRetryWaitMs} ms); not retried`);
      }
      throw new Retryable(`HTTP ${response.status}`, waitMs, this.policy);
    }
    const text = await cappedText(response, this.policy.maxBodyBytes, `${this.provider}: ${safeUrl(url)}`, 'data.maxBodyBytes').catch((error: unknown) => {
      if (error instanceof ArgoError) throw error;
      throw new Retryable(`the body was cut off: ${messageOf(error)}`, 0, this.policy);
    });
    if (!response.ok) {
      throw new ArgoError('ARGO_ERR_DATA_PROVIDER', `${this.provider}: ${safeUrl(url)}: HTTP ${response.status}: ${text.slice(0, 200).replace(/\s+/g, ' ')}`);
    }
    try {
      return { body: JSON.parse(text), headers: response.headers };
    } catch {
      // A body cut short in transit is the usual cause: worth another try.
      throw new Retryable(`the page is not JSON (${text.length} bytes, cut short?)`, 0, this.policy);
    }
  }

  /**
   * GETs `url` with the credentials, following redirects only while they stay on its origin:
   * a redirect elsewhere fails with ARGO_ERR_DATA_REDIRECT before anything is sent there.
   */
  async #fetchOnHost(url: string): Promise<Response> {
    const origin = new URL(url).origin;
    let target = url;
    for (let hops = 0; ; hops++) {
      let response: Response;
      try {
        response = await fetch(target, { headers: this.headers, redirect: 'manual', signal: AbortSignal.timeout(this.policy.timeoutMs) });
      } catch (error) {
        const timedOut = (error as Error).name === 'TimeoutError';
        throw new Retryable(timedOut ? `no answer within ${this.policy.timeoutMs} ms` : `request failed: ${messageOf(error)}`, 0, this.policy);
      }
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || location === null) return response;
      await response.body?.cancel();
      const next = new URL(location, target);
      if (next.origin !== origin) {
        throw new ArgoError('ARGO_ERR_DATA_REDIRECT', `${this.provider}: ${safeUrl(url)}: HTTP ${response.status} redirects to ${next.origin}, not ${origin}; not followed (the credentials would go there)`);
      }
      if (hops >= MAX_REDIRECTS) throw new ArgoError('ARGO_ERR_DATA_REDIRECT', `${this.provider}: ${safeUrl(url)}: more than ${MAX_REDIRECTS} redirects`);
      target = next.toString();
    }
  }
}

/**
 * Follows a provider's pages: each page's continuation (a token, a URL, a start time) must be
 * new, or the provider would be asked for the same page forever; a repeat fails coded.
 */
export class PageTrail {
  readonly #seen = new Set<string>();

  constructor(private readonly provider: string) {}

  /** Notes the continuation `key` of the page at `url`; ARGO_ERR_DATA_PROVIDER when it was seen before. */
  next(key: string, url: string): void {
    if (this.#seen.has(key)) throw malformedPage(this.provider, url, `the next page (${key.slice(0, 80)}) repeats one already read; paging stopped`);
    this.#seen.add(key);
  }
}

/** The credential in variable `name`, or ARGO_ERR_DATA_CREDENTIALS naming it and the option that names it. */
export function credential(env: Readonly<Record<string, string | undefined>>, name: string, option: string, provider: string): string {
  const value = env[name]?.trim() ?? '';
  if (value === '') throw new ArgoError('ARGO_ERR_DATA_CREDENTIALS', `data.${option}: ${provider} needs the environment variable ${name}, which is not set`);
  return value;
}

/** ARGO_ERR_DATA_PROVIDER for a page that is valid JSON but not the provider's documented shape. */
export function malformedPage(provider: string, url: string, what: string): ArgoError {
  return new ArgoError('ARGO_ERR_DATA_PROVIDER', `${provider}: ${safeUrl(url)}: the page is not the documented shape: ${what}`);
}
