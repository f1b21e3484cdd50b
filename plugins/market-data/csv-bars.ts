import { parse } from 'csv-parse/sync';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Bar } from '../../core/domain/domain';
import { SYMBOL_PATTERN, isIsoDate } from '../../core/domain/symbols';
import { ArgoError, isArgoError, messageOf } from '../../core/errors/errors';
import { PLUGIN_API_VERSION, defineMarketDataPlugin } from '../../core/plugin-system/define-plugin';
import { excerpt } from '../../core/util/text-excerpt';

interface CsvBarsOptions {
  dir: string;
}

const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

type ColumnIndex = Record<'date' | (typeof PRICE_COLUMNS)[number], number>;

function columnIndex(header: readonly string[], file: string): ColumnIndex {
  const names = header.map((name) => name.trim().toLowerCase());
  const find = (...aliases: string[]) => names.findIndex((name) => aliases.includes(name));
  const index = { date: find('date', 'timestamp') } as ColumnIndex;
  for (const column of PRICE_COLUMNS) index[column] = find(column);
  const missing = Object.entries(index).filter(([, at]) => at < 0).map(([name]) => name);
  if (missing.length > 0) {
    throw new ArgoError(
      'ARGO_ERR_DATA_HEADER',
      `${file}: the header ${excerpt(header.join(','))} lacks ${missing.join(', ')} (expected date or timestamp, open, high, low, close, volume in any order)`,
    );
  }
  return index;
}

/** A bar from one CSV row, or null when the row is malformed. */
function rowToBar(row: readonly string[], index: ColumnIndex): Bar | null {
  const date = (row[index.date] ?? '').trim().slice(0, 10);
  if (!isIsoDate(date)) return null;
  const values: number[] = [];
  for (const column of PRICE_COLUMNS) {
    const text = (row[index[column]] ?? '').trim();
    const value = Number(text);
    if (text === '' || !Number.isFinite(value) || value < 0) return null;
    values.push(value);
  }
  const [open, high, low, close, volume] = values;
  if (high < low || open <= 0 || close <= 0) return null;
  return { date, open, high, low, close, volume };
}

/** Parses a daily-bar CSV: bars sorted by date, first of duplicate dates kept, and the count of rows skipped. */
export function parseBarsCsv(text: string, file: string): { bars: Bar[]; malformedRows: number } {
  let rows: string[][];
  try {
    // Price files rarely quote anything; splitting them directly is several times faster
    // than the full parser, which still handles every file that has a quote in it.
    rows = text.includes('"')
      ? parse(text, { relax_column_count: true, skip_empty_lines: true, bom: true, record_delimiter: ['\r\n', '\n', '\r'] })
      : text
          .replace(/^\uFEFF/, '')
          .split(/\r\n|\r|\n/)
          .filter((line) => line.trim() !== '')
          .map((line) => line.split(','));
  } catch (error) {
    throw new ArgoError('ARGO_ERR_DATA_HEADER', `${file}: not a readable CSV file: ${excerpt(messageOf(error), 120)}`, { cause: error });
  }
  if (rows.length === 0) throw new ArgoError('ARGO_ERR_DATA_HEADER', `${file}: the file is empty (expected a header row)`);
  const index = columnIndex(rows[0], file);
  const byDate = new Map<string, Bar>();
  let malformedRows = 0;
  for (const row of rows.slice(1)) {
    const bar = rowToBar(row, index);
    if (bar === null || byDate.has(bar.date)) malformedRows++;
    else byDate.set(bar.date, bar);
  }
  const bars = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  return { bars, malformedRows };
}

/** Daily bars from one CSV per symbol in `data.dir` (`BRK.B.csv` holds BRK.B). */
export default defineMarketDataPlugin<CsvBarsOptions>({
  name: 'csv-bars',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Daily OHLCV bars from one CSV file per symbol; malformed rows are skipped and counted.',
  options: {
    dir: { doc: 'Folder holding one CSV per symbol, relative to the config file.', format: String, default: '' },
  },
  async create({ options, resolvePath }) {
    if (options.dir === '') throw new ArgoError('ARGO_ERR_DATA_NOT_FOUND', 'data.dir: csv-bars needs the folder of the CSV files');
    const dir = resolvePath(options.dir);
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) throw new ArgoError('ARGO_ERR_DATA_NOT_FOUND', `data.dir: ${dir} is not a folder`);
    const realDir = await realpath(dir);
    return {
      async symbols() {
        const files = await readdir(dir);
        return files
          .filter((file) => file.toLowerCase().endsWith('.csv'))
          .map((file) => file.slice(0, -4))
          .filter((symbol) => SYMBOL_PATTERN.test(symbol))
          .sort();
      },
      async load(symbol) {
        const file = path.join(dir, `${symbol}.csv`);
        if (path.dirname(file) !== dir) throw new ArgoError('ARGO_ERR_USAGE_SYMBOL', `symbol ${JSON.stringify(symbol)} would leave ${dir}`);
        let text: string;
        try {
          // A symbolic link may point anywhere (/etc/passwd): only files really inside data.dir are read.
          const real = await realpath(file);
          const relative = path.relative(realDir, real);
          if (relative.startsWith('..') || path.isAbsolute(relative)) {
            throw new ArgoError('ARGO_ERR_DATA_OUTSIDE', `data.dir: ${file} is a symbolic link to a file outside ${dir}; it is not read`);
          }
          text = await readFile(real, 'utf8');
        } catch (error) {
          if (isArgoError(error)) throw error;
          throw new ArgoError('ARGO_ERR_DATA_NOT_FOUND', `symbol ${symbol}: cannot read ${file}: ${messageOf(error)}`, { cause: error });
        }
        return { symbol, ...parseBarsCsv(text, file) };
      },
    };
  },
});
