import type Keyv from 'keyv';
import type { ReasoningCache } from '../../core/plugin-system/plugin-contracts';
import { ExpiringKeyv } from '../../core/util/expiring-keyv';

/** A reasoning cache over any Keyv store, texts expiring on the run's clock. */
export function keyvReasoningCache(keyv: Keyv, ttlMs: number, now: () => number, evictions: () => number, close: () => Promise<void>): ReasoningCache {
  const texts = new ExpiringKeyv<string>(keyv, ttlMs, now);
  return {
    get: (key) => texts.get(key),
    set: (key, text) => texts.set(key, text),
    counters: () => ({ evictions: evictions(), expirations: texts.expirations }),
    close,
  };
}
