/**
 * The local bar cache of the provider plugins (`data.cache.path`): a SQLite file, through
 * the project's sqlite3, holding each provider's finished bars by symbol, in chunks. With it, a load
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

const SCHEMA = `CREATE TABLE IF NOT EXISTS bar_chunks (
  source TEXT NOT NULL, symbol TEXT NOT NULL, first_date TEXT NOT NULL,
  dates TEXT NOT NULL, prices BLOB NOT NULL,
  PRIMARY KEY (source, symbol, first_date)
) WITHOUT ROWID`;

/**
 * Bars a row holds: a symbol's bars are kept in chunks (dates as JSON, open, high, low,
 * close and volume as float64s), so reading five years of a symbol is two rows, not 1,259;
 * an append rewrites only the last chunk.
 */
const CHUNK = 1024;
const FIELDS = 5;

function encode(bars: readonly Bar[]): [string, Buffer] {
  const prices = new Float64Array(bars.length * FIELDS);
  bars.forEach((b, i) => prices.set([b.open, b.high, b.low, b.close, b.volume], i * FIELDS));
  return [JSON.stringify(bars.map((b) => b.date)), Buffer.from(prices.buffer)];
}

function decode(dates: string, prices: Buffer): Bar[] {
  // Copied out: a Float64Array needs its offset aligned, and the buffer may share a pool.
  const values = new Float64Array(prices.buffer.slice(prices.byteOffset, prices.byteOffset + prices.byteLength));
  return (JSON.parse(dates) as string[]).map((date, i) => {
    const at = i * FIELDS;
    return { date, open: values[at], high: values[at + 1], low: values[at + 2], close: values[at + 3], volume: values[at + 4] };
  });
}

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

  /** The newest cached bar of `symbol`, or null (from the last chunk alone). */
  async lastBar(symbol: string): Promise<Bar | null> {
    const [last] = await this.connection.all<{ dates: string; prices: Buffer }>('SELECT dates, prices FROM bar_chunks WHERE source = ? AND symbol = ? ORDER BY first_date DESC LIMIT 1', [this.source, symbol]);
    return last === undefined ? null : (decode(last.dates, last.prices).at(-1) ?? null);
  }

  async bars(symbol: string): Promise<Bar[]> {
    const rows = await this.connection.all<{ dates: string; prices: Buffer }>('SELECT dates, prices FROM bar_chunks WHERE source = ? AND symbol = ? ORDER BY first_date', [this.source, symbol]);
    return rows.flatMap((row) => decode(row.dates, row.prices));
  }

  /** Adds `bars` of `symbol` (dated after those cached); with `replace`, what was cached for it goes first (the provider revised its history). */
  async store(symbol: string, bars: readonly Bar[], replace = false): Promise<void> {
    if (bars.length === 0 && !replace) return;
    await this.connection.exec('BEGIN IMMEDIATE');
    try {
      let tail: Bar[] = [];
      if (replace) {
        await this.connection.run('DELETE FROM bar_chunks WHERE source = ? AND symbol = ?', [this.source, symbol]);
      } else {
        const [last] = await this.connection.all<{ first_date: string; dates: string; prices: Buffer }>(
          'SELECT first_date, dates, prices FROM bar_chunks WHERE source = ? AND symbol = ? ORDER BY first_date DESC LIMIT 1',
          [this.source, symbol],
        );
        if (last !== undefined) {
          tail = decode(last.dates, last.prices);
          await this.connection.run('DELETE FROM bar_chunks WHERE source = ? AND symbol = ? AND first_date = ?', [this.source, symbol, last.first_date]);
        }
      }
      const rows = [...tail, ...bars];
      for (let at = 0; at < rows.length; at += CHUNK) {
        const chunk = rows.slice(at, at + CHUNK);
        await this.connection.run('INSERT INTO bar_chunks VALUES (?, ?, ?, ?, ?)', [this.source, symbol, chunk[0].date, ...encode(chunk)]);
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

/** The bars of `bars` each dated after the one before it, starting after `last`; how many were dropped (a repeat or an older bar). */
function newerOnly(bars: readonly Bar[], last: string): { bars: Bar[]; dropped: number } {
  const kept: Bar[] = [];
  for (const bar of bars) {
    if (bar.date > last) {
      kept.push(bar);
      last = bar.date;
    }
  }
  return { bars: kept, dropped: bars.length - kept.length };
}

/** True when every bar is dated after the one before it (a cache written by an older version may not be). */
function ordered(bars: readonly Bar[]): boolean {
  return bars.every((bar, i) => i === 0 || bar.date > bars[i - 1].date);
}

/**
 * `inner` behind `cache`: a symbol with cached bars is asked only for what came after them
 * (a null answer, a revised history, is loaded in full and replaces the cache); what comes
 * back is stored before it is handed on. A provider's answer is checked against the cache:
 * bars not dated after the newest one held are dropped and counted as malformed rows, so
 * the cache never holds a repeat or a disorder; a cache found out of order is loaded afresh.
 */
export function withBarCache(inner: MarketData, cache: BarCache): MarketData {
  const full = async (symbol: string): Promise<BarSeries> => {
    const loaded = await inner.load(symbol);
    await cache.store(symbol, loaded.bars, true);
    return loaded;
  };
  const after = async (symbol: string, last: Bar): Promise<BarSeries | null> => {
    const newer = await inner.loadAfter!(symbol, last);
    if (newer === null) return null;
    const { bars, dropped } = newerOnly(newer.bars, last.date);
    await cache.store(symbol, bars);
    return { symbol, bars, malformedRows: newer.malformedRows + dropped };
  };
  return {
    symbols: () => inner.symbols(),
    // A symbol the run loads in full is asked for after its newest cached bar, as `load` will ask.
    prepare: inner.prepare === undefined ? undefined : async (requests) => inner.prepare!(await Promise.all(requests.map(async ({ symbol, after }) => ({ symbol, after: after ?? (await cache.lastBar(symbol)) })))),
    async load(symbol) {
      const cached = await cache.bars(symbol);
      if (cached.length === 0 || !ordered(cached)) return full(symbol);
      const newer = await after(symbol, cached[cached.length - 1]);
      if (newer === null) return full(symbol);
      return { ...newer, bars: [...cached, ...newer.bars] };
    },
    loadAfter: after,
    close: () => cache.close(),
  };
}
