import { readFile, readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { parseBarsCsv } from '../../core/domain/bars-csv';
import { SYMBOL_PATTERN } from '../../core/domain/symbols';
import { ArgoError, isArgoError, messageOf } from '../../core/errors/errors';
import { PLUGIN_API_VERSION, defineMarketDataPlugin } from '../../core/plugin-system/define-plugin';

interface CsvBarsOptions {
  dir: string;
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
