import { existsSync } from 'node:fs';
import path from 'node:path';

/** The shared real market data (100 S&P 500 symbols, 2013-02-08 to 2018-02-07), beside the checkout. */
export const REAL_DATA_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'data', 'sp500-2013-2018');

/** The real data folder if present: `explicit` when given, otherwise {@link REAL_DATA_DIR}. */
export function findRealData(explicit?: string): string | undefined {
  const dir = explicit ?? REAL_DATA_DIR;
  return existsSync(dir) ? dir : undefined;
}

/** Config values standing in for the real data when it is absent: 100 synthetic symbols over the same dates. */
export const SYNTHETIC_STAND_IN: Readonly<Record<string, unknown>> = {
  'data.plugin': 'synthetic-bars',
  'data.symbols': Array.from({ length: 100 }, (_, i) => `SYN${String(i).padStart(3, '0')}`),
  'data.days': 1259,
  'data.endDate': '2018-02-07',
};
