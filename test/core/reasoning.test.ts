import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { loadConfig } from '../../core/config/config-loader';
import type { EngineConfig } from '../../core/config/config-schema';
import { CycleStats } from '../../core/engine/cycle-stats';
import type { ExplainRequest, Explainer, ReasoningCache } from '../../core/plugin-system/plugin-contracts';
import { validateOptions } from '../../core/plugin-system/plugin-loader';
import { ReasoningService } from '../../core/reasoning/reasoning-service';
import { createLogger } from '../../core/util/logger';
import { SecretRedactor } from '../../core/util/secret-redactor';
import memoryCache from '../../plugins/reasoning-cache/memory';
import sqliteCache from '../../plugins/reasoning-cache/sqlite';
import { Connection } from '../../plugins/storage/sqlite/connection';
import { ROOT, argoErrorOf, builtinRegistry, createRun, tempDir } from '../helpers';

const logger = createLogger('silent');

function request(overrides: Partial<ExplainRequest> = {}): ExplainRequest {
  return {
    symbol: 'AAPL',
    asOf: '2017-01-03',
    action: 'BUY',
    consensus: { direction: 'LONG', confidence: 82, contributions: { trend: 50, macd: 32 } },
    opinions: [{ source: 'trend', weight: 1, opinion: { direction: 'LONG', confidence: 90 } }],
    regime: 'trending-up',
    levels: { entry: 100, stop: 95, target: 110 },
    ...overrides,
  };
}

function config(values: Record<string, unknown> = {}): EngineConfig {
  return loadConfig(builtinRegistry(), { values: { 'reasoning.mode': 'cached', ...values } }).values;
}

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

async function memory(options: Record<string, unknown>, now: () => number): Promise<ReasoningCache> {
  return memoryCache.create({ options: validateOptions(memoryCache, options, 'reasoning.cache'), now } as never) as Promise<ReasoningCache>;
}

/** An explainer that counts its calls, answers after `delayMs`, and can be told to fail. */
function countingExplainer(delayMs = 5) {
  const state = { calls: 0, fail: false };
  const explainer: Explainer = {
    async explain(req) {
      state.calls++;
      await new Promise((resolve) => setTimeout(resolve, delayMs));
      if (state.fail) throw new Error('model overloaded');
      return `why ${req.symbol} ${req.action}`;
    },
  };
  return { state, explainer };
}

describe('reasoning caches', () => {
  it('memory: an entry expires after its TTL on the run clock, and is counted', async () => {
    const time = clock();
    const cache = await memory({ ttlMs: 1000 }, time.now);
    await cache.set('k', 'text');
    time.advance(999);
    expect(await cache.get('k')).to.equal('text');
    time.advance(1);
    expect(await cache.get('k')).to.equal(undefined);
    expect(cache.counters()).to.deep.equal({ evictions: 0, expirations: 1 });
  });

  it('memory: holds at most maxEntries, evicting the least recently used', async () => {
    const cache = await memory({ maxEntries: 2 }, Date.now);
    await cache.set('a', '1');
    await cache.set('b', '2');
    await cache.get('a');
    await cache.set('c', '3');
    expect(await cache.get('b')).to.equal(undefined);
    expect(await cache.get('a')).to.equal('1');
    expect(await cache.get('c')).to.equal('3');
    expect(cache.counters().evictions).to.equal(1);
  });

  it('sqlite: a text written by one process is read by another', async () => {
    const file = path.join(tempDir(), 'cache.db');
    const script = `
      const c = require(${JSON.stringify(path.join(ROOT, 'dist', 'plugins', 'reasoning-cache', 'sqlite'))}).default;
      const { validateOptions } = require(${JSON.stringify(path.join(ROOT, 'dist', 'core', 'plugin-system', 'plugin-loader'))});
      (async () => {
        const cache = await c.create({ options: validateOptions(c, { path: ${JSON.stringify(file)} }, 'x'), resolvePath: (p) => p, now: Date.now });
        await cache.set('key', 'written by the first process');
        await cache.close();
      })();`;
    const child = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(child.status, child.stderr).to.equal(0);
    const cache = (await sqliteCache.create({ options: validateOptions(sqliteCache, { path: file }, 'x'), resolvePath: (p: string) => p, now: Date.now } as never)) as ReasoningCache;
    expect(await cache.get('key')).to.equal('written by the first process');
    await cache.close!();
  });
});

describe('reasoning service', () => {
  it('keys by symbol, action, confidence bucket and regime, and by the explainer name, version and options', () => {
    const stats = new CycleStats();
    const service = (version: string, options: unknown, bucket = 5) =>
      new ReasoningService({ explain: () => '' }, { name: 'template', version, options }, null, config({ 'reasoning.cache.bucket': bucket }), stats, logger, new SecretRedactor());
    const a = service('1.0.0', { topSources: 3 });
    expect(a.keyOf(request())).to.equal(a.keyOf(request({ consensus: { ...request().consensus, confidence: 84.9 } })));
    expect(a.keyOf(request())).to.not.equal(a.keyOf(request({ consensus: { ...request().consensus, confidence: 85 } })));
    expect(a.keyOf(request())).to.not.equal(a.keyOf(request({ regime: 'volatile' })));
    expect(a.keyOf(request())).to.not.equal(service('1.1.0', { topSources: 3 }).keyOf(request()));
    expect(a.keyOf(request())).to.not.equal(service('1.0.0', { topSources: 2 }).keyOf(request()));
    expect(service('1.0.0', {}, 100).keyOf(request())).to.equal(service('1.0.0', {}, 100).keyOf(request({ consensus: { ...request().consensus, confidence: 99 } })));
  });

  it('calls the explainer once for concurrent identical questions and serves the cache afterwards', async () => {
    const stats = new CycleStats();
    const { state, explainer } = countingExplainer(20);
    const service = new ReasoningService(explainer, { name: 'x', version: '1.0.0', options: {} }, await memory({}, Date.now), config(), stats, logger, new SecretRedactor());
    const answers = await Promise.all(Array.from({ length: 5 }, () => service.reason(request())));
    expect(state.calls).to.equal(1);
    expect(new Set(answers.map((a) => a.text)).size).to.equal(1);
    expect(await service.reason(request())).to.deep.equal({ text: 'why AAPL BUY', status: 'done' });
    expect(state.calls).to.equal(1);
    expect(stats.report().caches.reasoning).to.include({ joins: 4, hits: 1, misses: 5 });
  });

  it('stores a fallback text from the consensus when the explainer fails, counts it, and does not cache it', async () => {
    const stats = new CycleStats();
    const { state, explainer } = countingExplainer();
    state.fail = true;
    const service = new ReasoningService(explainer, { name: 'x', version: '1.0.0', options: {} }, await memory({}, Date.now), config(), stats, logger, new SecretRedactor());
    const answer = await service.reason(request());
    expect(answer.status).to.equal('fallback');
    expect(answer.text).to.contain('BUY AAPL').and.contain('82.0%').and.contain('trend +50.0 pts');
    expect(stats.reasoningFallbacks).to.equal(1);
    state.fail = false;
    expect(await service.reason(request())).to.deep.equal({ text: 'why AAPL BUY', status: 'done' });
  });

  it('refuses deferred mode with a storage that cannot update reasoning', async () => {
    const storage = path.join(ROOT, 'test', 'fixtures', 'plugins', 'write-once-storage.js');
    const error = await argoErrorOf(() => createRun({ values: { 'reasoning.mode': 'deferred', 'storage.plugin': storage } }));
    expect(error.code).to.equal('ARGO_ERR_CONFIG_INVALID');
    expect(error.message).to.contain('reasoning.mode');
  });
});

describe('deferred reasoning', function () {
  this.timeout(120000);

  it('bounds the wait for a text with reasoning.maxWaitMs: a slow text is stored pending and completed once', async () => {
    const slow = { 'reasoning.explainer': 'simulated-llm', 'reasoning.options.minLatencyMs': 150, 'reasoning.options.maxLatencyMs': 200, 'consensus.minConfidence': 30 };
    const run = await createRun({ values: { ...slow, 'reasoning.mode': 'cached', 'reasoning.maxWaitMs': 20 } });
    const report = await run.cycle();
    const signals = report.results.filter((r) => r.signal !== null).map((r) => r.signal!);
    expect(signals.length).to.be.greaterThan(2);
    expect(signals.map((s) => s.reasoningStatus)).to.deep.equal(signals.map(() => 'pending'));
    expect(report.stats.reasoning.deferred).to.equal(signals.length);
    await run.close();
    const stored = await run.storage.querySignals({});
    expect(stored.map((s) => s.reasoningStatus)).to.deep.equal(signals.map(() => 'done'));
    expect(run.stats.report().reasoning.explained, 'the text already on its way is used, not asked again').to.equal(signals.length);
  });

  it('stores the text at once when it comes within reasoning.maxWaitMs', async () => {
    const run = await createRun({ values: { 'reasoning.mode': 'sync', 'reasoning.maxWaitMs': 5000, 'consensus.minConfidence': 30 } });
    const report = await run.cycle();
    await run.close();
    const signals = report.results.filter((r) => r.signal !== null).map((r) => r.signal!);
    expect(signals.length).to.be.greaterThan(2);
    expect(signals.every((s) => s.reasoningStatus === 'done')).to.equal(true);
    expect(report.stats.reasoning.deferred).to.equal(0);
  });

  it('refuses reasoning.maxWaitMs with a storage that cannot update reasoning', async () => {
    const storage = path.join(ROOT, 'test', 'fixtures', 'plugins', 'write-once-storage.js');
    const error = await argoErrorOf(() => createRun({ values: { 'reasoning.mode': 'cached', 'reasoning.maxWaitMs': 10, 'storage.plugin': storage } }));
    expect(error.code).to.equal('ARGO_ERR_CONFIG_INVALID');
    expect(error.message).to.contain('reasoning.maxWaitMs');
  });

  it('stores signals pending at once and completes every text before the run closes', async () => {
    const run = await createRun({ values: { 'reasoning.mode': 'deferred', 'reasoning.explainer': 'simulated-llm', 'reasoning.options.minLatencyMs': 20, 'reasoning.options.maxLatencyMs': 40, 'consensus.minConfidence': 30 } });
    const report = await run.cycle();
    const signals = report.results.filter((r) => r.signal !== null).map((r) => r.signal!);
    expect(signals.length).to.be.greaterThan(2);
    expect(signals.every((s) => s.reasoningStatus === 'pending')).to.equal(true);
    expect(report.stats.reasoning.deferred).to.equal(signals.length);
    await run.close();
    const stored = await run.storage.querySignals({});
    expect(stored.map((s) => s.reasoningStatus)).to.deep.equal(signals.map(() => 'done'));
    expect(stored[0].reasoning).to.contain(stored[0].symbol).and.not.contain('pending');
  });

  it('loses no pending reasoning when the process is killed: the next run completes it', async () => {
    const db = path.join(tempDir(), 'deferred.db');
    const child = spawn(process.execPath, [path.join(ROOT, 'test', 'fixtures', 'deferred-reasoning-child.js'), 'produce', db], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stored = 0;
    let stderr = '';
    child.stderr.on('data', (chunk) => (stderr += chunk));
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        stored += chunk.toString().split('\n').filter((line) => line.startsWith('STORED ')).length;
        if (stored >= 20 && !child.killed) child.kill('SIGKILL');
      });
      child.on('close', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child ended with ${code}: ${stderr}`))));
    });
    const count = async (status: string) => {
      const reader = await Connection.open(db, 'readonly', 2000);
      const [{ n }] = await reader.all<{ n: number }>('SELECT count(*) AS n FROM signals WHERE reasoning_status = ?', [status]);
      await reader.close();
      return n;
    };
    const pendingBefore = await count('pending');
    expect(pendingBefore).to.be.at.least(20);
    const resume = spawnSync(process.execPath, [path.join(ROOT, 'test', 'fixtures', 'deferred-reasoning-child.js'), 'resume', db], { encoding: 'utf8' });
    expect(resume.status, resume.stderr).to.equal(0);
    expect(await count('pending')).to.equal(0);
    expect(await count('done')).to.be.at.least(pendingBefore);
  });
});
