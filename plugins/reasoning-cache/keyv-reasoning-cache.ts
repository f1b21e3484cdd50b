import type Keyv from 'keyv';
import type { ReasoningCache } from '../../core';

interface Entry {
  readonly text: string;
  readonly expiresAt: number;
}

/**
 * A reasoning cache over any Keyv store. Entries carry their own expiry, checked against the
 * run's clock, so expirations are counted (and testable with a controlled clock). The TTL is
 * not handed to Keyv: its memory adapter passes it to lru-cache as a bare number, which
 * lru-cache reads as options and then stores nothing. Stale entries go when read or evicted.
 */
export function keyvReasoningCache(keyv: Keyv, ttlMs: number, now: () => number, evictions: () => number, close: () => Promise<void>): ReasoningCache {
  let expirations = 0;
  return {
    async get(key) {
      const entry = (await keyv.get(key)) as Entry | undefined;
      if (entry === undefined) return undefined;
      if (entry.expiresAt <= now()) {
        expirations++;
        await keyv.delete(key);
        return undefined;
      }
      return entry.text;
    },
    async set(key, text) {
      await keyv.set(key, { text, expiresAt: now() + ttlMs } satisfies Entry);
    },
    counters: () => ({ evictions: evictions(), expirations }),
    close,
  };
}
