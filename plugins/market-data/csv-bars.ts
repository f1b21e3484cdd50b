import { createHash } from 'node:crypto';
import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseBarsCsv } from '../../core/domain/bars-csv';
import { SYMBOL_PATTERN } from '../../core/domain/symbols';
import { ArgoError, isArgoError, messageOf } from '../../core/errors/errors';
import { PLUGIN_API_VERSION, defineMarketDataPlugin } from '../../core/plugin-system/define-plugin';

interface CsvBarsOptions {
  dir: string;
}

function digestOf(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}

/** Bars (daily, or intraday with data.timeframe and a datetime column) from one CSV per symbol in `data.dir` (`BRK.B.csv` holds BRK.B). */
export default defineMarketDataPlugin<CsvBarsOptions>({
  name: 'csv-bars',
  version: '1.1.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Daily OHLCV bars from one CSV file per symbol; malformed rows are skipped and counted; a live cycle re-reads a file only when its size or mtime changed.',
  options: {
    dir: { doc: 'Folder holding one CSV per symbol, relative to the config file.', format: String, default: '' },
  },
  async create({ options, resolvePath, timeframe }) {
    if (options.dir === '') throw new ArgoError('ARGO_ERR_DATA_NOT_FOUND', 'data.dir: csv-bars needs the folder of the CSV files');
    const dir = resolvePath(options.dir);
    const info = await stat(dir).catch(() => null);
    if (!info?.isDirectory()) throw new ArgoError('ARGO_ERR_DATA_NOT_FOUND', `data.dir: ${dir} is not a folder`);
    const realDir = await realpath(dir);
    /** Each file when last read: its size and modification time, and a digest of its text. */
    const versions = new Map<string, { stamp: string; length: number; digest: string }>();
    const remember = (symbol: string, stamp: string, text: string) => versions.set(symbol, { stamp, length: text.length, digest: digestOf(text) });
    const read = async (symbol: string): Promise<{ text: string; file: string; stamp: string }> => {
      const file = path.join(dir, `${symbol}.csv`);
      if (path.dirname(file) !== dir) throw new ArgoError('ARGO_ERR_USAGE_SYMBOL', `symbol ${JSON.stringify(symbol)} would leave ${dir}`);
      try {
        // A symbolic link may point anywhere (/etc/passwd): only files really inside data.dir are read.
        const real = await realpath(file);
        const relative = path.relative(realDir, real);
        if (relative.startsWith('..') || path.isAbsolute(relative)) {
          throw new ArgoError('ARGO_ERR_DATA_OUTSIDE', `data.dir: ${file} is a symbolic link to a file outside ${dir}; it is not read`);
        }
        // Stat before reading: a write landing in between makes the next cycle read again, never miss it.
        const info = await stat(real);
        return { text: await readFile(real, 'utf8'), file, stamp: `${info.size}:${info.mtimeMs}` };
      } catch (error) {
        if (isArgoError(error)) throw error;
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') throw new ArgoError('ARGO_ERR_DATA_SYMBOL_MISSING', `symbol ${symbol}: no file ${symbol}.csv in data.dir ${dir}`, { cause: error });
        throw new ArgoError('ARGO_ERR_DATA_NOT_FOUND', `symbol ${symbol}: cannot read ${file}: ${messageOf(error)}`, { cause: error });
      }
    };
    return {
      // Reads share no state but the versions map, each symbol its own entry.
      concurrentLoads: 8,
      async symbols() {
        const files = await readdir(dir);
        return files
          .filter((file) => file.toLowerCase().endsWith('.csv'))
          .map((file) => file.slice(0, -4))
          .filter((symbol) => SYMBOL_PATTERN.test(symbol))
          .sort();
      },
      async load(symbol) {
        const { text, file, stamp } = await read(symbol);
        remember(symbol, stamp, text);
        return { symbol, ...parseBarsCsv(text, file, timeframe) };
      },
      async loadAfter(symbol, last) {
        // A file whose size and modification time are those of the last read has nothing new.
        const file = path.join(dir, `${symbol}.csv`);
        const info = await stat(file).catch(() => null);
        const known = versions.get(symbol);
        if (known === undefined) return null;
        if (info !== null && known.stamp === `${info.size}:${info.mtimeMs}`) return { symbol, bars: [], malformedRows: 0 };
        const { text, stamp } = await read(symbol);
        remember(symbol, stamp, text);
        // Only rows appended after the text read last continue the series; any other change is a revision.
        if (text.length < known.length || digestOf(text.slice(0, known.length)) !== known.digest) return null;
        const parsed = parseBarsCsv(text, file, timeframe);
        const at = parsed.bars.findIndex((bar) => bar.date === last.date);
        return at < 0 ? null : { symbol, bars: parsed.bars.slice(at + 1), malformedRows: parsed.malformedRows };
      },
    };
  },
});
