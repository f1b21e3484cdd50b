import { expect } from 'chai';
import path from 'node:path';
import { loadConfig } from '../../core/config/config-loader';
import { ArgoError } from '../../core/errors/errors';
import { ROOT, argoErrorOf, builtinRegistry, tempDir, writeJson } from '../helpers';

async function codeOf(fn: () => unknown): Promise<string> {
  return (await argoErrorOf(fn)).code;
}

describe('config loader', () => {
  it('says what a bad value was once, from a file or --set', async () => {
    const dir = tempDir();
    for (const input of [{ file: writeJson(dir, 'bad.json', { consensus: { minConfidence: 180 } }) }, { sets: ['consensus.minConfidence=180'] }]) {
      const error = await argoErrorOf(() => loadConfig(builtinRegistry(), input));
      expect(error.code).to.equal('ARGO_ERR_CONFIG_INVALID');
      expect(error.message).to.match(/consensus\.minConfidence: value must be a number in 0\.\.100, was 180$/);
    }
  });

  it('fills the documented defaults', async () => {
    const { values, slots } = loadConfig(builtinRegistry());
    expect(values.consensus.minConfidence).to.equal(75);
    expect(values.earlyExit.strategy).to.equal('none');
    expect(values.sources.map((s) => s.plugin)).to.include.members(['technical-trend', 'technical-momentum', 'technical-macd']);
    expect(slots['market-data'].definition.name).to.equal('synthetic-bars');
  });

  it('lets the environment win over the file and --set win over both', async () => {
    const dir = tempDir();
    const file = writeJson(dir, 'c.json', { consensus: { minConfidence: 60 }, concurrency: 3 });
    const env = { ARGO_CONSENSUS_MIN_CONFIDENCE: '70', ARGO_CONCURRENCY: '5' };
    const { values } = loadConfig(builtinRegistry(), { file, env, sets: ['consensus.minConfidence=80'] });
    expect(values.consensus.minConfidence).to.equal(80);
    expect(values.concurrency).to.equal(5);
  });

  it('mounts the selected plugin options at its slot and validates them', async () => {
    const { slots } = loadConfig(builtinRegistry(), { sets: ['data.days=120'] });
    expect(slots['market-data'].options.days).to.equal(120);
    expect(await codeOf(() => loadConfig(builtinRegistry(), { sets: ['data.days=-3'] }))).to.equal('ARGO_ERR_CONFIG_INVALID');
  });

  it('picks csv-bars when data.dir is set', async () => {
    const { slots } = loadConfig(builtinRegistry(), { values: { 'data.dir': ROOT } });
    expect(slots['market-data'].definition.name).to.equal('csv-bars');
  });

  it('rejects an unknown key, naming it', async () => {
    try {
      loadConfig(builtinRegistry(), { sets: ['consensus.minConfidance=80'] });
      expect.fail('should throw');
    } catch (error) {
      expect((error as ArgoError).code).to.equal('ARGO_ERR_CONFIG_INVALID');
      expect((error as Error).message).to.contain('consensus.minConfidance');
    }
  });

  it('rejects a wrong type and an out-of-range confidence', async () => {
    expect(await codeOf(() => loadConfig(builtinRegistry(), { sets: ['consensus.minConfidence=abc'] }))).to.equal('ARGO_ERR_CONFIG_INVALID');
    expect(await codeOf(() => loadConfig(builtinRegistry(), { values: { 'consensus.minConfidence': 140 } }))).to.equal('ARGO_ERR_CONFIG_INVALID');
  });

  it('rejects a malformed config file, naming the file', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'broken.json');
    require('node:fs').writeFileSync(file, '{"consensus": {');
    try {
      loadConfig(builtinRegistry(), { file });
      expect.fail('should throw');
    } catch (error) {
      expect((error as ArgoError).code).to.equal('ARGO_ERR_CONFIG_FILE');
      expect((error as Error).message).to.contain(file);
    }
    expect(await codeOf(() => loadConfig(builtinRegistry(), { file: path.join(dir, 'missing.json') }))).to.equal('ARGO_ERR_CONFIG_FILE');
  });

  it('rejects a --set without =', async () => {
    expect(await codeOf(() => loadConfig(builtinRegistry(), { sets: ['consensus.minConfidence'] }))).to.equal('ARGO_ERR_CONFIG_SET');
  });

  it('rejects bad source entries: duplicate names, zero weight, unknown keys', async () => {
    const entry = { name: 'a', plugin: 'synthetic' };
    const load = (sources: unknown) => () => loadConfig(builtinRegistry(), { values: { sources } });
    expect(await codeOf(load([entry, entry]))).to.equal('ARGO_ERR_CONFIG_INVALID');
    expect(await codeOf(load([{ ...entry, weight: 0 }]))).to.equal('ARGO_ERR_CONFIG_INVALID');
    expect(await codeOf(load([{ ...entry, wieght: 2 }]))).to.equal('ARGO_ERR_CONFIG_INVALID');
    expect(await codeOf(load([{ ...entry, simulate: { failureRate: 2 } }]))).to.equal('ARGO_ERR_CONFIG_INVALID');
  });

  it('validates source options against the plugin schema, naming the entry', async () => {
    try {
      loadConfig(builtinRegistry(), { values: { sources: [{ name: 'rsi', plugin: 'technical-momentum', options: { periood: 3 } }] } });
      expect.fail('should throw');
    } catch (error) {
      expect((error as ArgoError).code).to.equal('ARGO_ERR_PLUGIN_OPTIONS');
      expect((error as Error).message).to.contain('sources[0].options').and.contain('technical-momentum');
    }
  });

  it('gives the same hash to the same values in any key order', async () => {
    const a = loadConfig(builtinRegistry(), { values: { seed: 3, concurrency: 2 } });
    const b = loadConfig(builtinRegistry(), { values: { concurrency: 2, seed: 3 } });
    const c = loadConfig(builtinRegistry(), { values: { concurrency: 2, seed: 4 } });
    expect(a.hash).to.equal(b.hash);
    expect(a.hash).to.not.equal(c.hash);
  });
});
