import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../core/config/config-loader';
import { validateOptions } from '../../core/plugin-system/plugin-loader';
import { readLeaf } from '../../core/config/config-values';
import { argoErrorOf, builtinRegistry, tempDir, writeJson } from '../helpers';

/** One table of inputs and what the strict reader makes of them; `null` means refused. */
const TABLE: readonly [kind: string, leaf: Record<string, unknown>, input: unknown, expected: unknown][] = [
  ['nat', { format: 'nat', default: 1 }, '1e3', 1000],
  ['nat', { format: 'nat', default: 1 }, '16abc', null],
  ['nat', { format: 'nat', default: 1 }, '-1', null],
  ['nat', { format: 'nat', default: 1 }, '1.5', null],
  ['nat', { format: 'nat', default: 1 }, '', null],
  ['nat', { format: 'nat', default: 1 }, ' 42 ', 42],
  ['nat', { format: 'nat', default: 1 }, '0x10', null],
  ['nat', { format: 'nat', default: 1 }, '99999999999999999999', null],
  ['int', { format: 'int', default: 0 }, '-7', -7],
  ['port', { format: 'port', default: 80 }, '70000', null],
  ['Number', { format: Number, default: 0 }, 'high', null],
  ['Number', { format: Number, default: 0 }, '80%', null],
  ['Number', { format: Number, default: 0 }, '-.5', -0.5],
  ['Number', { format: Number, default: 0 }, 'Infinity', null],
  ['Number', { format: Number, default: 0 }, Number.NaN, null],
  ['Number', { format: Number, default: 0 }, 2.5, 2.5],
  ['Boolean', { format: Boolean, default: false }, '0', false],
  ['Boolean', { format: Boolean, default: false }, 'no', false],
  ['Boolean', { format: Boolean, default: false }, 'OFF', false],
  ['Boolean', { format: Boolean, default: false }, 'false', false],
  ['Boolean', { format: Boolean, default: false }, 'yes', true],
  ['Boolean', { format: Boolean, default: false }, '1', true],
  ['Boolean', { format: Boolean, default: false }, 'maybe', null],
  ['Boolean', { format: Boolean, default: false }, 1, null],
  ['String', { format: String, default: '' }, 'x', 'x'],
  ['String', { format: String, default: '' }, 3, null],
  ['choice', { format: ['a', 'b'], default: 'a' }, 'b', 'b'],
  ['function with a numeric default', { format: () => undefined, default: 3 }, '3.5', 3.5],
  ['function with a numeric default', { format: () => undefined, default: 3 }, '3.5x', null],
];

describe('strict config values', () => {
  for (const [kind, leaf, input, expected] of TABLE) {
    it(`reads ${JSON.stringify(input) ?? String(input)} for a ${kind} leaf as ${expected === null ? 'an error' : JSON.stringify(expected)}`, () => {
      if (expected === null) expect(() => readLeaf(input, leaf, 'the.key')).to.throw(/the\.key must be/);
      else expect(readLeaf(input, leaf, 'the.key')).to.deep.equal(expected);
    });
  }

  it('reads engine keys strictly from --set, the environment and the file alike, naming the key', async () => {
    const dir = tempDir();
    const cases: [string, () => unknown][] = [
      ['storage.batchSize', () => loadConfig(builtinRegistry(), { sets: ['storage.batchSize=16abc'] })],
      ['consensus.minConfidence', () => loadConfig(builtinRegistry(), { env: { ARGO_CONSENSUS_MIN_CONFIDENCE: '80%' } })],
      ['consensus.minConfidence', () => loadConfig(builtinRegistry(), { file: writeJson(dir, 'c.json', { consensus: { minConfidence: '80%' } }) })],
      ['consensus.cache.enabled', () => loadConfig(builtinRegistry(), { sets: ['consensus.cache.enabled=maybe'] })],
    ];
    for (const [key, load] of cases) {
      const error = await argoErrorOf(load);
      expect(error.code).to.equal('ARGO_ERR_CONFIG_INVALID');
      expect(error.message).to.contain(key);
    }
    expect(loadConfig(builtinRegistry(), { sets: ['storage.batchSize=1e3'] }).slots.storage.options.batchSize).to.equal(1000);
    for (const off of ['0', 'no', 'off', 'false']) {
      expect(loadConfig(builtinRegistry(), { sets: [`consensus.cache.enabled=${off}`] }).values.consensus.cache.enabled, off).to.equal(false);
    }
    expect(loadConfig(builtinRegistry(), { env: { ARGO_CONSENSUS_CACHE_ENABLED: 'on' } }).values.consensus.cache.enabled).to.equal(true);
  });

  it('refuses a plugin option of the wrong format instead of handing the plugin NaN', async () => {
    const definition = { kind: 'source', name: 'probe', options: { level: { doc: 'a number', format: Number, default: 1 } } };
    const error = await argoErrorOf(() => validateOptions(definition as never, { level: 'high' }, 'sources[0].options'));
    expect(error.code).to.equal('ARGO_ERR_PLUGIN_OPTIONS');
    expect(error.message).to.contain('sources[0].options.level').and.contain('"high"');
    expect(validateOptions(definition as never, { level: '2.5' }, 'sources[0].options')).to.deep.equal({ level: 2.5 });
  });

  it('refuses sources given as an object, an empty source list, and keys named __proto__ or constructor', async () => {
    const dir = tempDir();
    for (const document of [{ sources: {} }, { sources: [] }]) {
      const error = await argoErrorOf(() => loadConfig(builtinRegistry(), { file: writeJson(dir, 'c.json', document) }));
      expect(error.code).to.equal('ARGO_ERR_CONFIG_INVALID');
      expect(error.message).to.contain('sources');
    }
    for (const text of ['{"__proto__": {"x": 1}}', '{"consensus": {"constructor": 3}}', '{"storage": {"__proto__": {"batchSize": 2}}}']) {
      const file = path.join(dir, 'proto.json');
      writeFileSync(file, text);
      const error = await argoErrorOf(() => loadConfig(builtinRegistry(), { file }));
      expect(error.code, text).to.equal('ARGO_ERR_CONFIG_INVALID');
      expect(error.message).to.match(/__proto__|constructor/).and.contain('not a declared key');
    }
    expect((await argoErrorOf(() => loadConfig(builtinRegistry(), { sets: ['constructor=1'] }))).message).to.contain('constructor is not a declared key');
    const file = path.join(dir, 'source-proto.json');
    writeFileSync(file, '{"sources": [{"plugin": "technical-trend", "options": {"__proto__": {"a": 1}}}]}');
    expect((await argoErrorOf(() => loadConfig(builtinRegistry(), { file }))).message).to.contain('__proto__');
  });

  it('refuses a deeply nested or huge config file quickly, naming the file and the limit', async () => {
    const dir = tempDir();
    for (const levels of [3_000, 30_000]) {
      const file = path.join(dir, `deep-${levels}.json`);
      writeFileSync(file, `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`);
      const started = performance.now();
      const error = await argoErrorOf(() => loadConfig(builtinRegistry(), { file }));
      expect(performance.now() - started).to.be.below(5000);
      expect(error.code).to.equal('ARGO_ERR_CONFIG_FILE');
      expect(error.message).to.contain(file).and.contain('deeper than 32 levels');
    }
    const big = path.join(dir, 'big.json');
    writeFileSync(big, JSON.stringify({ symbols: new Array(200_000).fill('AAPL') }));
    const error = await argoErrorOf(() => loadConfig(builtinRegistry(), { file: big }));
    expect(error.code).to.equal('ARGO_ERR_CONFIG_FILE');
    expect(error.message).to.contain(big).and.contain('more than the 1048576 a config file may have');
  });
});
