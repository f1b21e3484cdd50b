import { PLUGIN_API_VERSION, defineReasoningCachePlugin } from '../../core/plugin-system/define-plugin';
import { lruKeyv } from '../../core/util/expiring-keyv';
import { keyvReasoningCache } from './keyv-reasoning-cache';

interface MemoryCacheOptions {
  maxEntries: number;
  ttlMs: number;
}

/** Reasoning cache in memory: Keyv over an LRU bounded by `maxEntries`. */
export default defineReasoningCachePlugin<MemoryCacheOptions>({
  name: 'memory',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Keyv over lru-cache: at most maxEntries texts, each for ttlMs; gone with the process.',
  options: {
    maxEntries: { doc: 'Texts kept; the least recently used is evicted beyond it.', format: 'nat', default: 10000 },
    ttlMs: { doc: 'How long a text is served from the cache.', format: 'nat', default: 3_600_000 },
  },
  create({ options, now }) {
    const { keyv, evictions } = lruKeyv(options.maxEntries, 'reasoning');
    return keyvReasoningCache(keyv, options.ttlMs, now, evictions, async () => keyv.disconnect());
  },
});
