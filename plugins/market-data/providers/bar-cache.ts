/**
 * The local bar cache of the provider plugins (`data.cache.path`): a SQLite file, through
 * the project's sqlite3, holding each provider's finished bars by symbol. With it, a load
 * asks the provider only for the bars after the last cached one: the next cycle, a restart
 * and a replay all start from what is on disk. Providers never hand over a bar that is still
 * forming, so nothing here is ever a partial bar.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Bar, BarSeries } from '../../../core/domain/domain';
import { ArgoError, messageOf } from '../../../core/errors/errors';
import type { MarketData } from '../../../core/plugin-system/plugin-contracts';
import { hashOf } from '../../../core/util/stable-hash';
import { Connection } from '../../storage/sqlite/connection';

const SCHEMA = `CREATE TABLE IF NOT EXISTS bars (
  source TEXT NOT NULL, symbol TEXT NOT NULL, date TEXT NOT NULL,
  open REAL NOT NULL, high REAL NOT NULL, low REAL NOT NULL, close REAL NOT NULL, volume REAL NOT NULL,
  PRIMARY KEY (source, symbol, date)
) WITHOUT ROWID`;

/** Rows per INSERT: 8 columns each, under SQLite's bound-parameter limit. */
const ROWS_PER_INSERT = 2000;

export class BarCache {
  private constructor(
    private readonly connection: Connection,
    /** The provider and the options that shape its bars: another feed or adjustment is another cache. */
    private readonly source: string,
  ) {}

  static async open(file: string, provider: string, shaping: Record<string, unknown>): Promise<BarCache> {
    try {
      mkdirSync(path.dirname(file), { recursive: true });
      const connection = await Connection.open(file, 'readwrite', 5000);
      await connection.exec(`PRAGMA journal_mode = WAL; ${SCHEMA};`);
      return new BarCache(connection, `${provider}:${hashOf(shaping)}`);
    } catch (error) {
      throw new ArgoError('ARGO_ERR_DATA_PROVIDER', `data.cache.path: ${file} cannot be opened as a bar cache: ${messageOf(error)}`, { cause: error });
    }
  }

  async bars(symbol: string): Promise<Bar[]> {
    return this.connection.all<Bar>('SELECT date, open, high, low, close, volume FROM bars WHERE source = ? AND symbol = ? ORDER BY date', [this.source, symbol]);
  }

  /** Adds `bars` of `symbol`; with `replace`, what was cached for it goes first (the provider revised its history). */
  async store(symbol: string, bars: readonly Bar[], replace = false): Promise<void> {
    if (bars.length === 0 && !replace) return;
    await this.connection.exec('BEGIN IMMEDIATE');
    try {
      if (replace) await this.connection.run('DELETE FROM bars WHERE source = ? AND symbol = ?', [this.source, symbol]);
      for (let at = 0; at < bars.length; at += ROWS_PER_INSERT) {
        const chunk = bars.slice(at, at + ROWS_PER_INSERT);
        await this.connection.run(
          `INSERT OR REPLACE INTO bars VALUES ${chunk.map(() => '(?,?,?,?,?,?,?,?)').join(',')}`,
          chunk.flatMap((b) => [this.source, symbol, b.date, b.open, b.high, b.low, b.close, b.volume]),
        );
      }
      await this.connection.exec('COMMIT');
    } catch (error) {
      await this.connection.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
  }

  close(): Promise<void> {
    return this.connection.close();
  }
}

/**
 * `inner` behind `cache`: a symbol with cached bars is asked only for what came after them
 * (a null answer, a revised history, is loaded in full and replaces the cache); what comes
 * back is stored before it is handed on.
 */
export function withBarCache(inner: MarketData, cache: BarCache): MarketData {
  const full = async (symbol: string): Promise<BarSeries> => {
    const loaded = await inner.load(symbol);
    await cache.store(symbol, loaded.bars, true);
    return loaded;
  };
  return {
    symbols: () => inner.symbols(),
    async load(symbol) {
      const cached = await cache.bars(symbol);
      if (cached.length === 0) return full(symbol);
      const newer = await inner.loadAfter!(symbol, cached[cached.length - 1]);
      if (newer === null) return full(symbol);
      await cache.store(symbol, newer.bars);
      return { symbol, bars: [...cached, ...newer.bars], malformedRows: newer.malformedRows };
    },
    async loadAfter(symbol, last) {
      const newer = await inner.loadAfter!(symbol, last);
      if (newer !== null) await cache.store(symbol, newer.bars);
      return newer;
    },
    close: () => cache.close(),
  };
}
