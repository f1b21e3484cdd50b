/**
 * The bar length of a run (`data.timeframe`). A daily bar's `date` is YYYY-MM-DD; an intraday
 * bar's is the ISO-8601 UTC timestamp of its open, YYYY-MM-DDTHH:MM:SSZ: both sort as text, so
 * every comparison of bar dates holds for both.
 */
import { isIsoDate } from './symbols';

export const TIMEFRAMES = ['1d', '1h', '15m', '5m', '1m'] as const;
export type Timeframe = (typeof TIMEFRAMES)[number];

/** Minutes a bar of `timeframe` lasts. */
export const TIMEFRAME_MINUTES: Readonly<Record<Timeframe, number>> = { '1d': 1440, '1h': 60, '15m': 15, '5m': 5, '1m': 1 };

const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})Z$/;
/** What a CSV datetime cell may look like: a date, then a time, then optionally Z or an offset. */
const DATETIME = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$/;

/** True for a bar key: a calendar date, or a UTC timestamp on a whole second with a real date. */
export function isBarTime(value: string): boolean {
  if (isIsoDate(value)) return true;
  const match = TIMESTAMP.exec(value);
  return match !== null && isIsoDate(match[1]) && Number(match[2]) < 24 && Number(match[3]) < 60 && Number(match[4]) < 60;
}

/** The bar key of `ms` since the epoch for `timeframe`. */
export function barTimeOf(ms: number, timeframe: Timeframe): string {
  const iso = new Date(ms).toISOString();
  return timeframe === '1d' ? iso.slice(0, 10) : `${iso.slice(0, 19)}Z`;
}

/**
 * The bar key of a CSV date or datetime cell for `timeframe`, or null when it is not one: a
 * daily file's cell gives its date (a time after it is ignored); an intraday one needs a time
 * (read as UTC without an offset) on the timeframe's grid (a 5m bar opens at :00, :05, …).
 */
export function barTimeFromCell(cell: string, timeframe: Timeframe): string | null {
  const text = cell.trim();
  if (timeframe === '1d') {
    const date = text.slice(0, 10);
    return isIsoDate(date) ? date : null;
  }
  const match = DATETIME.exec(text);
  if (match === null || !isIsoDate(match[1])) return null;
  const offset = match[5] === undefined || match[5] === 'Z' ? 'Z' : match[5].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2');
  const ms = Date.parse(`${match[1]}T${match[2]}:${match[3]}:${match[4] ?? '00'}${offset}`);
  if (Number.isNaN(ms) || (ms / 60_000) % TIMEFRAME_MINUTES[timeframe] !== 0) return null;
  return barTimeOf(ms, timeframe);
}

/** The calendar date (UTC) of a bar key: a replay's --from and --to select bars by it. */
export function dayOf(barTime: string): string {
  return barTime.slice(0, 10);
}
