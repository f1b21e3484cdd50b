import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { PLUGIN_API_VERSION, defineReasoningCachePlugin } from '../../core/plugin-system/define-plugin';
import { keyvReasoningCache } from './keyv-reasoning-cache';

interface SqliteCacheOptions {
  path: string;
  maxEntries: number;
  ttlMs: number;
  busyTimeoutMs: number;
}

/** How often, in writes, the table is trimmed back to `maxEntries`. */
const TRIM_EVERY = 100;

/** Reasoning cache in a SQLite file through @keyv/sqlite: kept across restarts, WAL, bounded. */
export default defineReasoningCachePlugin<SqliteCacheOptions>({
  name: 'sqlite',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Keyv with @keyv/sqlite: texts survive restarts; WAL; the oldest beyond maxEntries are evicted.',
  options: {
    path: { doc: 'Cache file, relative to the config file.', format: String, default: 'data/reasoning-cache.db' },
    maxEntries: { doc: 'Texts kept; the oldest are evicted beyond it (checked every 100 writes).', format: 'nat', default: 100000 },
    ttlMs: { doc: 'How long a text is served from the cache.', format: 'nat', default: 3_600_000 },
    busyTimeoutMs: { doc: 'How long a write waits for a lock held by another process.', format: 'nat', default: 5000 },
  },
  async create({ options, resolvePath, now }) {
    const file = resolvePath(options.path);
    mkdirSync(path.dirname(file), { recursive: true });
    const store = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: options.busyTimeoutMs, table: 'reasoning_cache' });
    await store.query('PRAGMA journal_mode = WAL');
    const keyv = new Keyv({ store, namespace: 'reasoning' });
    let evictions = 0;
    let writes = 0;
    const cache = keyvReasoningCache(keyv, options.ttlMs, now, () => evictions, async () => keyv.disconnect());
    return {
      ...cache,
      async set(key, text) {
        await cache.set(key, text);
        if (++writes % TRIM_EVERY !== 0) return;
        const [{ n }] = (await store.query('SELECT count(*) AS n FROM reasoning_cache')) as { n: number }[];
        if (n <= options.maxEntries) return;
        await store.query('DELETE FROM reasoning_cache WHERE rowid IN (SELECT rowid FROM reasoning_cache ORDER BY rowid LIMIT ?)', n - options.maxEntries);
        evictions += n - options.maxEntries;
      },
    };
  },
});
