import { LRUCache } from 'lru-cache';

/**
 * Serialized answers of GET /v1/signals by request URL. A page changes only when signals are
 * stored or their texts rewritten: the service drops every entry then (`invalidate`, on its
 * run's events), and an entry lives at most `ttlMs` besides, for writers in other processes
 * sharing the database. A page served from here may miss what another process stored in the
 * last `ttlMs`; a cursor still neither skips nor repeats (the next page starts after it).
 */
export class PageCache {
  /** Null when `maxBytes` is 0: every answer is made afresh. */
  readonly #pages: LRUCache<string, string> | null;

  constructor(maxBytes: number, ttlMs: number) {
    this.#pages = maxBytes === 0 ? null : new LRUCache<string, string>({ maxSize: maxBytes, sizeCalculation: (body) => Math.max(1, body.length), ttl: ttlMs });
  }

  /** The cached body for `url`, or the one `make` serializes (then kept). */
  async get(url: string, make: () => Promise<unknown>): Promise<string> {
    const cached = this.#pages?.get(url);
    if (cached !== undefined) return cached;
    const body = JSON.stringify(await make());
    // A body larger than the whole cache is not kept (LRUCache refuses it).
    if (this.#pages !== null && body.length <= this.#pages.maxSize) this.#pages.set(url, body);
    return body;
  }

  invalidate(): void {
    this.#pages?.clear();
  }
}
