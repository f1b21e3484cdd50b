import { expect } from 'chai';
import path from 'node:path';
import { SourceBreaker } from '../../core/engine/source-breaker';
import { ManualClock } from '../../core/testing';
import { ROOT, replaySignals, runCli, tempDir, writeJson } from '../helpers';

const MISBEHAVING = path.join(ROOT, 'test', 'fixtures', 'plugins', 'misbehaving-source.js');

describe('source circuit breaker', () => {
  it('opens after the configured consecutive failures, skips the cooldown, lets one trial through, closes on its success', () => {
    const clock = new ManualClock();
    const breaker = new SourceBreaker({ failures: 3, cooldownMs: 1000 }, clock.now);
    for (let i = 0; i < 2; i++) {
      expect(breaker.allows()).to.equal(true);
      breaker.record(false);
    }
    breaker.record(true);
    expect(breaker.consecutiveFailures, 'a success resets the count').to.equal(0);
    for (let i = 0; i < 3; i++) breaker.record(false);
    expect([breaker.state, breaker.allows()]).to.deep.equal(['open', false]);
    clock.advance(999);
    expect(breaker.allows()).to.equal(false);
    clock.advance(1);
    expect(breaker.allows(), 'the trial after the cooldown').to.equal(true);
    expect(breaker.allows(), 'one trial at a time').to.equal(false);
    breaker.record(true);
    expect([breaker.state, breaker.allows()]).to.deep.equal(['closed', true]);
  });

  it('reopens at once when the half-open trial fails', () => {
    const clock = new ManualClock();
    const breaker = new SourceBreaker({ failures: 2, cooldownMs: 500 }, clock.now);
    breaker.record(false);
    breaker.record(false);
    clock.advance(500);
    expect(breaker.allows()).to.equal(true);
    breaker.record(false);
    expect([breaker.state, breaker.allows()]).to.deep.equal(['open', false]);
    clock.advance(500);
    expect(breaker.allows()).to.equal(true);
  });

  it('skips a source that keeps failing during a replay, on the virtual clock, and tries it again after each cooldown', async () => {
    const sources = [
      { name: 'trend', plugin: 'technical-trend', simulate: { latencyMs: 100, sigma: 0 } },
      { name: 'broken', plugin: MISBEHAVING, options: { mode: 'throw' }, breaker: { failures: 3, cooldownMs: 2000 } },
    ];
    const { stats } = await replaySignals({ sources, concurrency: 1, 'data.days': 60, 'data.symbols': ['ACME'] });
    const broken = stats.sourceCalls.bySource.broken;
    // 60 days of one symbol at 100 virtual ms each: 3 failures open it, then one trial every 2 s (20 days).
    expect(broken.made + broken.circuitOpen).to.equal(60);
    expect(broken.made).to.equal(3 + 2);
    expect(broken.failed).to.equal(broken.made);
    expect(broken.circuitOpen).to.equal(55);
  });

  it('is off unless configured, and refuses a malformed breaker naming the key', async () => {
    const { stats } = await replaySignals({ sources: [{ name: 'broken', plugin: MISBEHAVING }], 'data.days': 30, 'data.symbols': ['ACME'] });
    expect(stats.sourceCalls.bySource.broken).to.include({ made: 30, failed: 30, circuitOpen: 0 });
    const dir = tempDir();
    const bad = writeJson(dir, 'bad.json', { sources: [{ name: 'a', plugin: 'technical-trend', breaker: { failures: -1 } }] });
    const result = runCli(['config', 'check', '--no-build', '--config', bad]);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.contain('ARGO_ERR_CONFIG_INVALID').and.contain('sources[0].breaker.failures');
  });

  it('logs each failing source once per cycle with its failures by code, and run lists them per source', () => {
    const dir = tempDir();
    const config = writeJson(dir, 'c.json', {
      concurrency: 1,
      sources: [{ name: 'trend', plugin: 'technical-trend' }, { name: 'broken', plugin: MISBEHAVING, breaker: { failures: 2, cooldownMs: 60000 } }],
    });
    const { code, stdout, stderr } = runCli(['run', '--config', config], { cwd: dir });
    expect(code, stderr).to.equal(0);
    const lines = stderr.split('\n').filter((line) => line.includes('source failures in this cycle'));
    expect(lines).to.have.length(1);
    expect(JSON.parse(lines[0])).to.deep.include({ source: 'broken', failed: 6, codes: { ARGO_ERR_SOURCE_FAILED: 2, ARGO_ERR_SOURCE_CIRCUIT_OPEN: 4 } });
    expect(stdout).to.match(/broken: made 2, skipped 0, failed 2 \(timeouts 0, malformed 0\), not called while its circuit was open 4/);
  });
});
