import { ArgoError } from '../errors/errors';

/** Letters, digits, dots and dashes, starting with a letter or digit: never a path that leaves a folder. */
export const SYMBOL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9.-]{0,31}$/;

/** Throws ARGO_ERR_USAGE_SYMBOL unless `symbol` matches {@link SYMBOL_PATTERN}; `where` names the input. */
export function assertSymbol(symbol: string, where: string): string {
  if (!SYMBOL_PATTERN.test(symbol)) {
    throw new ArgoError(
      'ARGO_ERR_USAGE_SYMBOL',
      `${where}: symbol ${JSON.stringify(symbol)} must be 1 to 32 letters, digits, dots and dashes, starting with a letter or digit`,
    );
  }
  return symbol;
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}$/;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** True for a real calendar date written YYYY-MM-DD (arithmetic, not Date: it runs once per CSV row). */
export function isIsoDate(value: string): boolean {
  if (!ISO_DATE.test(value)) return false;
  const year = Number(value.slice(0, 4));
  const month = Number(value.slice(5, 7));
  const day = Number(value.slice(8, 10));
  if (month < 1 || month > 12 || day < 1 || day > DAYS_IN_MONTH[month - 1]) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  return month !== 2 || day <= 28 || leap;
}

/** Throws ARGO_ERR_USAGE_DATE unless `value` is a real YYYY-MM-DD date; `where` names the input. */
export function assertIsoDate(value: string, where: string): string {
  if (!isIsoDate(value)) throw new ArgoError('ARGO_ERR_USAGE_DATE', `${where}: ${JSON.stringify(value)} is not a date in YYYY-MM-DD form`);
  return value;
}
