import Keyv from 'keyv';
import { LRUCache } from 'lru-cache';

interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

/**
 * Values in any Keyv store that expire on the run's clock, so expirations are counted (and
 * testable with a controlled clock). The TTL is not handed to Keyv: its memory adapter passes
 * it to lru-cache as a bare number, which lru-cache reads as options and then stores nothing.
 * Stale entries go when read, overwritten or evicted.
 */
export class ExpiringKeyv<T> {
  expirations = 0;

  constructor(
    readonly keyv: Keyv,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** The value under `key`, or undefined when absent or expired. */
  async get(key: string): Promise<T | undefined> {
    const entry = (await this.keyv.get(key)) as Entry<T> | undefined;
    if (entry === undefined) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.expirations++;
      await this.keyv.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** Stores `value` under `key` for the TTL. */
  async set(key: string, value: T): Promise<void> {
    await this.keyv.set(key, { value, expiresAt: this.now() + this.ttlMs } satisfies Entry<T>);
  }
}

/** A Keyv in memory over an lru-cache of at most `maxEntries`, counting what it evicts for room. */
export function lruKeyv(maxEntries: number, namespace: string): { keyv: Keyv; evictions: () => number } {
  let evictions = 0;
  const lru = new LRUCache<string, object>({
    max: Math.max(1, maxEntries),
    dispose: (_value, _key, reason) => {
      if (reason === 'evict') evictions++;
    },
  });
  return { keyv: new Keyv({ store: lru, namespace }), evictions: () => evictions };
}
