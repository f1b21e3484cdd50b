import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ROOT, findRealData, runCli, runCliAsync, tempDir, writeJson } from '../helpers';

describe('argo-signals CLI', () => {
  it('run prints a table of signals and exits 0', () => {
    const { code, stdout } = runCli(['run']);
    expect(code).to.equal(0);
    expect(stdout).to.match(/symbol\s+asOf\s+action\s+confidence/);
    expect(stdout).to.contain('source calls: made 30');
  });

  it('run --json prints one JSON object with results and statistics', () => {
    const { code, stdout } = runCli(['run', '--json', '--symbols', 'ACME,BOLT']);
    expect(code).to.equal(0);
    const report = JSON.parse(stdout);
    expect(report.results.map((r: { symbol: string }) => r.symbol)).to.deep.equal(['ACME', 'BOLT']);
    expect(report.stats.sourceCalls.made).to.equal(10);
  });

  it('exits 2 with a coded error for a usage or config error, writing nothing', () => {
    const dir = tempDir();
    const out = path.join(dir, 'signals.jsonl');
    const cases: [string[], string][] = [
      [['run', '--set', 'consensus.minConfidence=abc'], 'ARGO_ERR_CONFIG_INVALID'],
      [['run', '--set', 'no.such.key=1'], 'ARGO_ERR_CONFIG_INVALID'],
      [['run', '--config', writeJson(dir, 'bad.json', [1, 2])], 'ARGO_ERR_CONFIG_FILE'],
      [['run', '--set', 'consensus.plugin=nope'], 'ARGO_ERR_PLUGIN_NOT_FOUND'],
      [['run', '--symbols', '../x'], 'ARGO_ERR_USAGE_SYMBOL'],
      [['replay', '--from', '2017-02-30', '--to', '2017-03-01', '--out', out], 'ARGO_ERR_USAGE_DATE'],
      [['frobnicate'], 'ARGO_ERR_USAGE'],
    ];
    for (const [args, expected] of cases) {
      const { code, stderr } = runCli(args);
      expect(code, args.join(' ')).to.equal(2);
      expect(stderr, args.join(' ')).to.contain(expected);
    }
    expect(() => readFileSync(out)).to.throw();
  });

  it('exits 1 with the plugin named when a factory throws', () => {
    const dir = tempDir();
    const file = writeJson(dir, 'c.json', { sources: [{ name: 'x', plugin: path.join(ROOT, 'test', 'fixtures', 'plugins', 'throwing-factory.js') }] });
    const { code, stderr } = runCli(['run', '--config', file]);
    expect(code).to.equal(1);
    expect(stderr).to.contain('ARGO_ERR_PLUGIN_FACTORY').and.contain('broken-factory');
  });

  it('config doc matches docs/configuration.md', () => {
    const { code, stdout } = runCli(['config', 'doc']);
    expect(code).to.equal(0);
    expect(stdout).to.equal(readFileSync(path.join(ROOT, 'docs', 'configuration.md'), 'utf8'));
  });

  it('config print shows effective values and plugins lists built-ins with their versions', () => {
    const printed = JSON.parse(runCli(['config', 'print', '--set', 'concurrency=3']).stdout);
    expect(printed.concurrency).to.equal(3);
    const plugins = JSON.parse(runCli(['plugins', '--json']).stdout) as { kind: string; name: string; version: string; offloadable: boolean }[];
    expect(plugins.map((p) => `${p.kind}:${p.name}`)).to.include.members(['source:technical-trend', 'consensus:weighted', 'early-exit-strategy:none']);
    const offloadable = plugins.filter((p) => p.offloadable).map((p) => p.name);
    expect(offloadable).to.have.members(['technical-macd', 'technical-momentum', 'technical-trend', 'technical-volatility', 'technical-volume']);
  });

  it('replay --json --out writes every signal with every field', function () {
    const dir = findRealData();
    const out = path.join(tempDir(), 'signals.jsonl');
    const data = dir === undefined ? [] : ['--data', dir];
    if (dir === undefined) console.log('    (real data absent: replaying synthetic bars)');
    const [from, to, symbols] = dir ? ['2017-01-01', '2017-12-31', 'AAPL,CAT,CHK'] : ['2024-01-01', '2024-12-31', 'ACME,BOLT,DYNA,EMBR'];
    const { code, stdout, stderr } = runCli(['replay', ...data, '--from', from, '--to', to, '--symbols', symbols, '--json', '--out', out]);
    expect(code, stderr).to.equal(0);
    const report = JSON.parse(stdout);
    expect(report).to.include.keys('cycles', 'symbolsEvaluated', 'signals', 'rejections', 'sourceCalls', 'malformedRows', 'time');
    expect(report.time).to.have.keys('wallMs', 'virtualMs');
    expect(report.signals).to.be.greaterThan(0);
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).to.have.length(report.signals);
    expect(lines[0]).to.include.keys('id', 'symbol', 'asOf', 'action', 'direction', 'confidence', 'entry', 'stop', 'target', 'regime', 'reasoning', 'sources');
  });

  it('exits once the run is closed when a source ignores its AbortSignal, warning which source left calls running', async () => {
    const server = createServer(() => undefined);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const dir = tempDir();
      const config = writeJson(dir, 'deaf.json', {
        symbols: ['ACME', 'BOLT'],
        sources: [
          { name: 'trend', plugin: 'technical-trend' },
          { name: 'deaf', plugin: path.join(ROOT, 'test', 'fixtures', 'plugins', 'deaf-source.js'), timeoutMs: 100, options: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` } },
        ],
      });
      const started = performance.now();
      const result = await runCliAsync(['run', '--config', config, '--json'], { cwd: dir });
      // The requests would hold the process for undici's 300 s header timeout.
      expect(performance.now() - started).to.be.below(20000);
      expect(result.code, result.stderr).to.equal(0);
      expect(result.stderr).to.contain('source "deaf" ignored its AbortSignal: 2 call(s) still running');
      expect(JSON.parse(result.stdout).stats.sourceCalls.timeouts).to.equal(2);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  describe('config check', () => {
    const fixture = (name: string) => path.join(ROOT, 'test', 'fixtures', 'plugins', name);
    const sources = (plugin: string, options: Record<string, unknown> = {}) => [{ name: 'trend', plugin: 'technical-trend' }, { name: 'extra', plugin, options }];

    it('builds every plugin and closes it, listing them, and runs their self-tests', () => {
      const dir = tempDir();
      const config = writeJson(dir, 'ok.json', { sources: sources(fixture('warning-source.js')) });
      const { code, stdout, stderr } = runCli(['config', 'check', '--config', config, '--json'], { cwd: dir });
      expect(code, stderr).to.equal(0);
      const report = JSON.parse(stdout);
      expect(report.built).to.equal(true);
      expect(report.plugins.map((p: { key: string }) => p.key)).to.include.members(['storage.plugin', 'sources[0]', 'sources[1]']);
      expect(report.plugins.find((p: { key: string }) => p.key === 'sources[1]').selfTest).to.equal('passed');
    });

    it('fails with the plugin\'s code when a factory throws or a self-test fails, and --no-build only validates', () => {
      const dir = tempDir();
      const throwing = writeJson(dir, 'throwing.json', { sources: sources(fixture('throwing-factory.js')) });
      const failing = writeJson(dir, 'failing.json', { sources: sources(fixture('warning-source.js'), { failSelfTest: true }) });
      const thrown = runCli(['config', 'check', '--config', throwing], { cwd: dir });
      expect(thrown.code).to.equal(1);
      expect(thrown.stderr).to.match(/^ARGO_ERR_PLUGIN_FACTORY: sources\[1\]/);
      const selfTest = runCli(['config', 'check', '--config', failing], { cwd: dir });
      expect(selfTest.code).to.equal(1);
      expect(selfTest.stderr).to.contain('ARGO_ERR_PLUGIN_SELF_TEST: sources[1]').and.contain('unreachable');
      const validated = runCli(['config', 'check', '--no-build', '--config', throwing], { cwd: dir });
      expect(validated.code, validated.stderr).to.equal(0);
      expect(validated.stdout).to.contain('plugins not built');
    });
  });

  it('counts ctx.warn per plugin and code and shows it, with each source\'s calls, in the text output', () => {
    const dir = tempDir();
    const config = writeJson(dir, 'warn.json', { sources: [{ name: 'trend', plugin: 'technical-trend' }, { name: 'noisy', plugin: path.join(ROOT, 'test', 'fixtures', 'plugins', 'warning-source.js') }] });
    const json = runCli(['run', '--config', config, '--json'], { cwd: dir });
    expect(json.code, json.stderr).to.equal(0);
    expect(JSON.parse(json.stdout).stats.pluginWarnings).to.deep.equal({ 'source:noisy': { STALE_QUOTE: 6 } });
    expect(json.stderr.match(/STALE_QUOTE/g), 'logged once, counted every time').to.have.length(1);
    const text = runCli(['run', '--config', config], { cwd: dir });
    expect(text.stdout).to.contain('warning: source:noisy STALE_QUOTE (6x)').and.match(/^ {2}noisy: made 6, skipped 0, failed 0/m);
  });

  it('run takes --data like replay, and its table shows the reasoning text', function () {
    const data = findRealData();
    if (data === undefined) this.skip();
    const { code, stdout, stderr } = runCli(['run', '--data', data!, '--symbols', 'AAPL,ABBV,ABT,ACN,ADBE,AES', '--set', 'consensus.minConfidence=0']);
    expect(code, stderr).to.equal(0);
    expect(stdout).to.match(/AAPL\s+2018-02-07/);
    expect(stdout).to.match(/(BUY|SELL) [A-Z]+ as of 2018-02-07/);
  });

  it('plugin check exits 0 when every check passes, 1 when one fails, 2 when the plugin cannot load', () => {
    const ok = runCli(['plugin', 'check', path.join(ROOT, 'dist', 'plugins', 'sources', 'technical-trend.js'), '--json']);
    expect(ok.code, ok.stderr).to.equal(0);
    expect(JSON.parse(ok.stdout)).to.include({ kind: 'source', name: 'technical-trend', ok: true });
    const lying = runCli(['plugin', 'check', path.join(ROOT, 'test', 'fixtures', 'plugins', 'lying-bound-consensus.js')]);
    expect(lying.code).to.equal(1);
    expect(lying.stdout).to.contain('FAIL  never gives an upper bound below').and.contain('1 of 4 checks failed');
    const missing = runCli(['plugin', 'check', './no-such-plugin.js']);
    expect(missing.code).to.equal(2);
    expect(missing.stderr).to.match(/^ARGO_ERR_PLUGIN_NOT_FOUND/);
    const badOptions = runCli(['plugin', 'check', 'technical-trend', '--options', '{"fast": "high"}']);
    expect(badOptions.code).to.equal(2);
    expect(badOptions.stderr).to.contain('ARGO_ERR_PLUGIN_OPTIONS').and.contain('fast');
  });

  it('plugins lists each plugin\'s options in text mode, and a reader closing stdout early ends the command quietly', () => {
    const { code, stdout } = runCli(['plugins']);
    expect(code).to.equal(0);
    expect(stdout).to.match(/technical-trend.*\n\s+options: fast=\d+, slow=\d+/);
    const piped = spawnSync('bash', ['-c', `set -o pipefail; "${process.execPath}" "${path.join(ROOT, 'bin', 'argo-signals.js')}" plugins | head -1 > /dev/null`], { encoding: 'utf8' });
    expect(piped.stderr).to.equal('');
    expect(piped.status).to.equal(0);
  });
});
