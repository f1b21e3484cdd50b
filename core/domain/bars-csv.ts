/**
 * The bar CSV format: a header naming date (or timestamp, datetime, time), open, high, low, close and
 * volume in any order and case, one bar a row. Shared by the csv-bars market data and the
 * testing kit's bar helpers.
 */
import { parse } from 'csv-parse/sync';
import { ArgoError, messageOf } from '../errors/errors';
import { excerpt } from '../util/text-excerpt';
import type { Bar } from './domain';
import { checkedBar, sortedBars } from './bar-check';
import { barTimeFromCell, type Timeframe } from './timeframe';

const PRICE_COLUMNS = ['open', 'high', 'low', 'close', 'volume'] as const;

type ColumnIndex = Record<'date' | (typeof PRICE_COLUMNS)[number], number>;

function columnIndex(header: readonly string[], file: string): ColumnIndex {
  const names = header.map((name) => name.trim().toLowerCase());
  const find = (...aliases: string[]) => names.findIndex((name) => aliases.includes(name));
  const index = { date: find('date', 'timestamp', 'datetime', 'time') } as ColumnIndex;
  for (const column of PRICE_COLUMNS) index[column] = find(column);
  const missing = Object.entries(index).filter(([, at]) => at < 0).map(([name]) => name);
  if (missing.length > 0) {
    throw new ArgoError(
      'ARGO_ERR_DATA_HEADER',
      `${file}: the header ${excerpt(header.join(','))} lacks ${missing.join(', ')} (expected date, timestamp or datetime, open, high, low, close, volume in any order)`,
    );
  }
  return index;
}

/** A bar from one CSV row, or null when the row is malformed. */
function rowToBar(row: readonly string[], index: ColumnIndex, timeframe: Timeframe): Bar | null {
  const date = barTimeFromCell(row[index.date] ?? '', timeframe);
  return date === null ? null : checkedBar(date, PRICE_COLUMNS.map((column) => row[index[column]] ?? ''));
}

/** Parses a bar CSV of `timeframe`: bars sorted by date (or time), first of duplicates kept, and the count of rows skipped. */
export function parseBarsCsv(text: string, file: string, timeframe: Timeframe = '1d'): { bars: Bar[]; malformedRows: number } {
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
  return sortedBars(rows.slice(1).map((row) => rowToBar(row, index, timeframe)));
}

