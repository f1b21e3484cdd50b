import type Keyv from 'keyv';
import type { ReasoningCache } from '../../core';

interface Entry {
  readonly text: string;
  readonly expiresAt: number;
}

/**
 * A reasoning cache over any Keyv store. Entries carry their own expiry, checked against the
 * run's clock, so expirations are counted (and testable with a controlled clock); the TTL is
 * handed to Keyv too, so the store drops stale entries by itself.
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
      await keyv.set(key, { text, expiresAt: now() + ttlMs } satisfies Entry, ttlMs);
    },
    counters: () => ({ evictions: evictions(), expirations }),
    close,
  };
}
