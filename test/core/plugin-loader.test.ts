import { expect } from 'chai';
import { cpSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../core/config/config-loader';
import { PLUGIN_API_VERSION, defineSourcePlugin } from '../../core/plugin-system/define-plugin';
import { ROOT, argoErrorOf, builtinRegistry, createRun, tempDir, writeJson } from '../helpers';

const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'plugins');

function sourceConfig(plugin: string, options = {}) {
  return { values: { sources: [{ name: 'x', plugin, options }] } };
}

describe('plugin loader', () => {
  it('loads the example external source package by a path relative to the config file', async () => {
    const dir = tempDir();
    const file = writeJson(dir, 'c.json', {
      sources: [{ name: 'flip', plugin: path.relative(dir, path.join(ROOT, 'examples', 'argo-source-momentum-flip')), options: { lookback: 5 } }],
    });
    const registry = builtinRegistry();
    const config = loadConfig(registry, { file });
    expect(config.sources[0].definition.name).to.equal('momentum-flip');
    expect(config.sources[0].options).to.deep.equal({ lookback: 5, fullMovePct: 10 });
    expect(registry.get('source', 'momentum-flip')).to.equal(config.sources[0].definition);
    const run = await createRun({ file, values: { 'data.days': 60 } }, registry);
    const report = await run.cycle();
    await run.close();
    expect(report.stats.sourceCalls.bySource.flip.made).to.equal(6);
    expect(report.stats.sourceCalls.failed).to.equal(0);
  });

  it('loads a plugin by npm package name from the node_modules beside the config file', async () => {
    const dir = tempDir();
    cpSync(path.join(ROOT, 'examples', 'argo-source-momentum-flip'), path.join(dir, 'node_modules', 'argo-source-momentum-flip'), { recursive: true });
    const file = writeJson(dir, 'c.json', { sources: [{ name: 'flip', plugin: 'argo-source-momentum-flip' }] });
    const config = loadConfig(builtinRegistry(), { file });
    expect(config.sources[0].definition.name).to.equal('momentum-flip');
    expect(config.sources[0].options.lookback).to.equal(10);
  });

  it('refuses a plugin whose apiVersion range excludes this framework', async () => {
    const error = await argoErrorOf(() => loadConfig(builtinRegistry(), sourceConfig(path.join(FIXTURES, 'bad-api-version.js'))));
    expect(error.code).to.equal('ARGO_ERR_PLUGIN_API_VERSION');
    expect(error.message).to.contain('from-the-future').and.contain('^2.0.0').and.contain(PLUGIN_API_VERSION);
  });

  it('names the key and the registered plugins for an unknown plugin name', async () => {
    const error = await argoErrorOf(() => loadConfig(builtinRegistry(), { sets: ['consensus.plugin=majority-vote'] }));
    expect(error.code).to.equal('ARGO_ERR_PLUGIN_NOT_FOUND');
    expect(error.message).to.contain('consensus.plugin').and.contain('majority-vote').and.contain('weighted');
  });

  it('refuses a module that exports no definition, and a plugin of the wrong kind', async () => {
    expect((await argoErrorOf(() => loadConfig(builtinRegistry(), sourceConfig(path.join(FIXTURES, 'not-a-plugin.js'))))).code).to.equal(
      'ARGO_ERR_PLUGIN_DEFINITION',
    );
    const wrongKind = await argoErrorOf(() => loadConfig(builtinRegistry(), sourceConfig(path.join(FIXTURES, 'consensus-as-source.js'))));
    expect(wrongKind.code).to.equal('ARGO_ERR_PLUGIN_KIND');
    expect(wrongKind.message).to.contain('sources[0].plugin');
  });

  it('wraps a throwing factory with the plugin and key at fault', async () => {
    const error = await argoErrorOf(() => createRun(sourceConfig(path.join(FIXTURES, 'throwing-factory.js'))));
    expect(error.code).to.equal('ARGO_ERR_PLUGIN_FACTORY');
    expect(error.message).to.contain('broken-factory').and.contain('sources[0]').and.contain('credentials missing');
    expect(error.cause).to.be.instanceOf(Error);
  });

  it('refuses two different plugins of one kind under one name', async () => {
    const registry = builtinRegistry();
    const impostor = defineSourcePlugin({
      name: 'technical-trend',
      version: '9.0.0',
      apiVersion: '^1.0.0',
      description: 'impostor',
      create: () => ({ opinion: () => ({ direction: 'LONG', confidence: 1 }) }),
    });
    expect((await argoErrorOf(() => registry.register(impostor, 'test'))).code).to.equal('ARGO_ERR_PLUGIN_DUPLICATE');
  });

  it('refuses a definition whose name is not kebab-case', async () => {
    const bad = { kind: 'source', name: 'MyPlugin', version: '1.0.0', apiVersion: '^1.0.0', description: '', create: () => ({}) };
    expect((await argoErrorOf(() => builtinRegistry().register(bad, 'test'))).code).to.equal('ARGO_ERR_PLUGIN_DEFINITION');
  });
});
