import { expect } from 'chai';
import path from 'node:path';
import type { StatsReport } from '../../core/engine/cycle-stats';
import { sumReports } from '../../core/engine/cycle-stats';
import { shipConfig, splitUniverse, shardsOfSize, unpackRows, type PackedRows, type Shard } from '../../core/engine/shard-contract';
import { loadConfig } from '../../core/config/config-loader';
import { Run } from '../../core/engine/run';
import { createLogger } from '../../core/util/logger';
import { ProcessShardRunner } from '../../core/scale/local-shards';
import type { Signal } from '../../core/domain/domain';
import { ROOT, builtinRegistry, comparable, findRealData, runCliAsync, shardTotals as totals, tempDir, writeJson } from '../helpers';
import { background } from '../servers';

const SYMBOLS = ['AAPL', 'AMZN', 'BHF', 'BRK.B', 'CAT', 'ABBV', 'APTV', 'CHK', 'A', 'AAL', 'AAP', 'ABC'];

describe('shards', () => {
  describe('splitting a universe', () => {
    const universe = Array.from({ length: 101 }, (_, i) => `S${i}`);

    it('puts every symbol in one shard, sizes differing by at most one, whatever the order of the universe', () => {
      const shards = splitUniverse(universe, 4);
      expect(shards.flat().sort()).to.deep.equal([...universe].sort());
      const sizes = shards.map((s) => s.length);
      expect(Math.max(...sizes) - Math.min(...sizes)).to.be.at.most(1);
      const reversed = splitUniverse([...universe].reverse(), 4);
      expect(reversed.map((s) => [...s].sort())).to.deep.equal(shards.map((s) => [...s].sort()));
    });

    it('keeps the universe order within a shard, and gives no empty shard for a small universe', () => {
      for (const shard of splitUniverse(universe, 3)) expect(shard).to.deep.equal(universe.filter((s) => shard.includes(s)));
      expect(splitUniverse(['A', 'B'], 8)).to.have.length(2);
      expect(shardsOfSize(universe, 25)).to.have.length(5);
      expect(shardsOfSize(universe, 1000)).to.have.length(1);
    });
  });

  it('sums two shard reports: counts add, keys of either side stay, rates are recomputed', () => {
    const base = { shadow: { checked: 0, missed: 0, missRate: null, sourceCalls: 0 }, symbolsWithoutBars: [], workers: {} } as unknown as StatsReport;
    const workers = (mode: 'inline' | null) => ({ consensus: { mode, items: 1, chunks: 0, failedChunks: 0, retriedInline: 0 }, reasoning: { mode, items: 0, chunks: 0, failedChunks: 0, retriedInline: 0 }, indicators: { mode, items: 0, chunks: 0, failedChunks: 0, retriedInline: 0 } });
    const a = { ...base, signals: 2, rejections: { neutral: 3 }, caches: { reasoning: null, consensus: { hits: 1, misses: 2, evictions: 0, expirations: 0, joins: 0 } }, shadow: { checked: 4, missed: 1, missRate: 0.25, sourceCalls: 4 }, symbolsWithoutBars: ['Z'], workers: workers('inline') };
    const b = { ...base, signals: 5, rejections: { 'early-exit:bound': 7 }, caches: { reasoning: null, consensus: { hits: 3, misses: 0, evictions: 1, expirations: 0, joins: 0 } }, shadow: { checked: 4, missed: 3, missRate: 0.75, sourceCalls: 4 }, symbolsWithoutBars: ['Y'], workers: workers(null) };
    const sum = sumReports(a as unknown as StatsReport, b as unknown as StatsReport);
    expect(sum.signals).to.equal(7);
    expect(sum.rejections).to.deep.equal({ neutral: 3, 'early-exit:bound': 7 });
    expect(sum.caches).to.deep.equal({ reasoning: null, consensus: { hits: 4, misses: 2, evictions: 1, expirations: 0, joins: 0 } });
    expect(sum.shadow.missRate).to.equal(0.5);
    expect(sum.symbolsWithoutBars).to.deep.equal(['Y', 'Z']);
    expect(sum.workers.consensus).to.deep.include({ mode: 'inline', items: 2 });
  });

  it('stores a shard answered whole (not streamed) of 600,000 rows: no row is spread into a call\'s arguments', async function () {
    this.timeout(60_000);
    const symbols = Array.from({ length: 300 }, (_, i) => `S${String(i).padStart(3, '0')}`);
    const dates = Array.from({ length: 2000 }, (_, i) => `2000-01-01T${String(i).padStart(6, '0')}`);
    // Columns built directly: 300 symbols x 2,000 dates, every row rejected (no signal).
    const rows: PackedRows = { symbols, dates, rejections: ['neutral'], symbol: [], date: [], rejection: [], calls: [], virtualMs: [], signalAt: [], signals: [] };
    for (let d = 0; d < dates.length; d++) {
      for (let s = 0; s < symbols.length; s++) {
        rows.symbol.push(s);
        rows.date.push(d);
        rows.rejection.push(0);
        rows.calls.push(5);
        rows.virtualMs.push(0);
        rows.signalAt.push(-1);
      }
    }
    const config = loadConfig(builtinRegistry(), { values: { symbols, 'storage.plugin': 'memory' } });
    const probe = await Run.create(config, createLogger('silent'));
    const stats = probe.stats.report();
    await probe.close();
    const runner = { kind: 'fake', run: async (shard: Shard) => ({ shard: shard.id, rows, stats, worker: 'fake', attempts: 1 }), close: async () => undefined };
    const run = await Run.create(config, createLogger('silent'), { shards: { runner, count: 1 } });
    let results = 0;
    let last = '';
    let ordered = true;
    await run.replay({ from: '2000-01-01', to: '2000-01-01', onResult: (result) => {
      const key = `${result.asOf}|${result.symbol}`;
      ordered &&= key > last;
      last = key;
      results++;
    } });
    await run.close();
    expect(results).to.equal(600_000);
    expect(ordered, 'date then universe order').to.equal(true);
  });

  describe('replay --processes and --threads on the real data', function () {
    this.timeout(180_000);
    const data = findRealData();
    before(function () {
      if (data === undefined) {
        console.log('    (../shared/data/sp500-2013-2018 absent: skipped)');
        this.skip();
      }
    });

    const replay = async (dir: string, db: string, extra: string[]) => {
      const args = ['replay', '--data', data!, '--symbols', SYMBOLS.join(','), '--from', '2014-01-01', '--to', '2015-12-31', '--set', `storage.path=${db}`, '--json', ...extra];
      const result = await runCliAsync(args, { cwd: dir });
      expect(result.code, result.stderr).to.equal(0);
      const stored = await runCliAsync(['signals', '--db', db, '--json'], { cwd: dir });
      expect(stored.code, stored.stderr).to.equal(0);
      return { stats: JSON.parse(result.stdout) as StatsReport, signals: comparable(JSON.parse(stored.stdout) as Signal[]) };
    };

    it('gives the totals and the stored signals of one process, with 2 child processes and with 2 worker threads', async () => {
      const dir = tempDir();
      const one = await replay(dir, path.join(dir, 'one.db'), []);
      const processes = await replay(dir, path.join(dir, 'processes.db'), ['--processes', '2']);
      const threads = await replay(dir, path.join(dir, 'threads.db'), ['--threads', '2']);
      expect(one.stats.signals).to.be.greaterThan(50);
      for (const sharded of [processes, threads]) {
        expect(totals(sharded.stats)).to.deep.equal(totals(one.stats));
        expect(sharded.stats.shards).to.deep.equal({ evaluated: 2, failed: 0, retried: 0 });
        expect(sharded.signals, 'the same signals, in the same date then symbol order').to.deep.equal(one.signals);
      }
    });

    it('keeps a child for the run that streams a range shard\'s rows whole cycles at a time, the same rows it would answer at once; none streamed under deferred reasoning', async () => {
      const registry = builtinRegistry();
      const shard = (id: string, values: Record<string, unknown> = {}): Shard => ({
        id,
        key: id,
        config: shipConfig(loadConfig(registry, { values: { 'data.dir': data, 'storage.plugin': 'memory', ...values } })),
        symbols: SYMBOLS,
        span: { kind: 'range', from: '2014-01-01', to: '2015-12-31' },
      });
      const rowsOf = (packed: readonly PackedRows[]) => packed.flatMap(unpackRows).map(({ virtualMs: _measured, ...row }) => ({ ...row, signal: row.signal?.id ?? null }));
      const runner = new ProcessShardRunner(1, 120_000);
      try {
        const chunks: PackedRows[] = [];
        const streamed = await runner.run(shard('streamed'), (rows) => chunks.push(rows));
        const whole = await runner.run(shard('whole'));
        expect(chunks.length, 'rows streamed before the answer').to.be.at.least(2);
        for (const chunk of chunks) {
          const last = chunk.dates[chunk.date[chunk.date.length - 1]];
          expect(rowsOf([streamed.rows]).every((row) => row.asOf > last), 'a chunk ends with a whole cycle').to.equal(true);
        }
        expect(rowsOf([...chunks, streamed.rows])).to.deep.equal(rowsOf([whole.rows]));
        expect(streamed.worker, 'the same child answers both shards').to.equal(whole.worker);
        const deferredChunks: PackedRows[] = [];
        const deferred = await runner.run(shard('deferred', { 'reasoning.mode': 'deferred' }), (rows) => deferredChunks.push(rows));
        expect(deferredChunks, 'texts completed after a signal keep every row for the answer').to.deep.equal([]);
        expect(rowsOf([deferred.rows])).to.deep.equal(rowsOf([whole.rows]));
      } finally {
        await runner.close();
      }
    });

    it('sweep --processes 2 reports every arm as the one-process sweep does (arms run at once, each sharded)', async () => {
      const dir = tempDir();
      const sweep = async (extra: string[]) => {
        const result = await runCliAsync(['sweep', '--data', data!, '--symbols', SYMBOLS.join(','), '--from', '2014-01-01', '--to', '2014-12-31', '--param', 'consensus.minConfidence', '--values', '70,80', '--json', ...extra], { cwd: dir });
        expect(result.code, result.stderr).to.equal(0);
        const report = JSON.parse(result.stdout) as { arms: { name: string; signals: number; sourceCalls: unknown; outcomes: unknown; rejections: unknown; agreement: unknown }[] };
        return report.arms.map(({ name, signals, sourceCalls, outcomes, rejections, agreement }) => ({ name, signals, sourceCalls, outcomes, rejections, agreement }));
      };
      const one = await sweep([]);
      expect(one[0].signals).to.be.greaterThan(one[1].signals);
      expect(await sweep(['--processes', '2'])).to.deep.equal(one);
    });

    it('fails with ARGO_ERR_SHARD_FAILED naming the shard when a child process dies mid-shard, and with the plugin\'s own code when its factory throws there (a child or a thread)', async () => {
      const dir = tempDir();
      const plugin = path.join(ROOT, 'test', 'fixtures', 'plugins', 'shard-fault-source.js');
      for (const [fault, code, text] of [
        ['kill', 'ARGO_ERR_SHARD_FAILED', /shard .+ \(\d+ symbols\): its child process \d+ ended \(SIGKILL\) without an answer/],
        ['throw', 'ARGO_ERR_PLUGIN_FACTORY', /sources\[0\]: the factory of source plugin "shard-fault" threw: no licence on this host/],
      ] as const) {
        const config = writeJson(dir, `${fault}.json`, { sources: [{ name: 'fault', plugin, weight: 1, options: { fault } }] });
        const result = await runCliAsync(['replay', '-c', config, '--data', data!, '--symbols', 'AAPL,CAT', '--from', '2014-01-01', '--to', '2014-01-31', '--processes', '2'], { cwd: dir });
        expect(result.code, result.stderr).to.equal(1);
        expect(result.stderr).to.contain(code).and.match(text);
      }
      const config = writeJson(dir, 'threads.json', { sources: [{ name: 'fault', plugin, weight: 1, options: { fault: 'throw' } }] });
      const threads = await runCliAsync(['replay', '-c', config, '--data', data!, '--symbols', 'AAPL,CAT', '--from', '2014-01-01', '--to', '2014-01-31', '--threads', '2'], { cwd: dir });
      expect(threads.code, threads.stderr).to.equal(1);
      expect(threads.stderr, 'the code survives the thread boundary').to.match(/^ARGO_ERR_PLUGIN_FACTORY: sources\[0\]: the factory of source plugin "shard-fault" threw: no licence on this host/m);
    });

    it('ends a shard that spins after distributed.timeoutMs, child or thread, and fails coded instead of waiting forever', async () => {
      const dir = tempDir();
      const plugin = path.join(ROOT, 'test', 'fixtures', 'plugins', 'shard-fault-source.js');
      const config = writeJson(dir, 'spin.json', { sources: [{ name: 'fault', plugin, weight: 1, options: { fault: 'spin' } }], distributed: { timeoutMs: 2000 } });
      for (const how of ['--processes', '--threads']) {
        const result = await runCliAsync(['replay', '-c', config, '--data', data!, '--symbols', 'AAPL,CAT', '--from', '2014-01-01', '--to', '2014-01-31', how, '2'], { cwd: dir });
        expect(result.code, `${how}: ${result.stderr}`).to.equal(1);
        expect(result.stderr, how).to.contain('ARGO_ERR_SHARD_FAILED').and.contain('no answer within distributed.timeoutMs (2000 ms)');
      }
    });
    it('SIGTERM ends a replay whose shard spins, child or thread, within the stop grace instead of distributed.timeoutMs', async function () {
      this.timeout(120_000);
      const dir = tempDir();
      const plugin = path.join(ROOT, 'test', 'fixtures', 'plugins', 'shard-fault-source.js');
      // The default timeoutMs (10 min): only the stop can end these shards within the test's time.
      const config = writeJson(dir, 'spin.json', { sources: [{ name: 'fault', plugin, weight: 1, options: { fault: 'spin' } }] });
      for (const how of ['--processes', '--threads']) {
        const replay = background(['replay', '-c', config, '--data', data!, '--symbols', 'AAPL,CAT', '--from', '2014-01-01', '--to', '2014-01-31', how, '2'], dir);
        await new Promise((resolve) => setTimeout(resolve, 1500));
        replay.child.kill('SIGTERM');
        const code = await replay.exited;
        expect(replay.stderr(), how).to.contain('SIGTERM received');
        expect(code, `${how}: ${replay.stderr()}`).to.equal(1);
        expect(replay.stderr(), how).to.contain('ARGO_ERR_SHARD_FAILED');
      }
    });
  });

  it('refuses two ways to shard at once, and a shard with a recording', async () => {
    const both = await runCliAsync(['replay', '--from', '2024-01-01', '--to', '2024-01-31', '--processes', '2', '--threads', '2']);
    expect(both.code).to.equal(2);
    expect(both.stderr).to.contain('ARGO_ERR_USAGE: --processes and --threads: choose one way to shard');
    const record = await runCliAsync(['replay', '--from', '2024-01-01', '--to', '2024-01-31', '--processes', '2', '--record', 'tape']);
    expect(record.code).to.equal(2);
    expect(record.stderr).to.contain('--record and --cassette run in one process');
  });
});
