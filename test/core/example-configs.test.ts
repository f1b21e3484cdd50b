import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../core/config/config-loader';
import { ROOT, builtinRegistry, findRealData } from '../helpers';

const EXAMPLES = path.join(ROOT, 'config', 'examples');

describe('example configs', () => {
  for (const name of readdirSync(EXAMPLES).filter((f) => f.endsWith('.json'))) {
    it(`${name} is valid and names only loadable plugins`, function () {
      if (name.includes('real-data') && findRealData() === undefined) this.skip();
      const config = loadConfig(builtinRegistry(), { file: path.join(EXAMPLES, name) });
      expect(config.sources.length).to.be.greaterThan(0);
    });
  }
});
