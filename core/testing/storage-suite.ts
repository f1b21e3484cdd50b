import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { PluginDefinition } from '../plugin-system/define-plugin';
import type { Storage } from '../plugin-system/plugin-contracts';
import { optionsCheck } from './options-check';
import { sampleSignal } from './sample-data';
import type { TestApi } from './test-api';
import { testContext, type TestContextOptions } from './test-context';

/** How the storage suite builds a storage: `options(dir)` gives options that put its files in `dir`. */
export interface StorageSuiteOptions extends Omit<TestContextOptions, 'options' | 'dir' | 'readOnly'> {
  readonly options?: (dir: string) => Record<string, unknown>;
  /** False for a storage that keeps nothing once closed (memory): the checks that reopen it are left out. */
  readonly durable?: boolean;
  /** The storage's module specifier (a path or a package name): with it, a file storage is killed with SIGKILL while writing and reopened. */
  readonly specifier?: string;
  /** The folder `specifier` resolves from (default: the working directory). */
  readonly baseDir?: string;
}

/**
 * The conformance suite of a storage plugin: options refuse wrong formats; `save` is
 * idempotent by id; a save is acknowledged only once durable (another instance opened
 * read-only sees it, and with `specifier` a process killed while writing loses no
 * acknowledged signal); queries filter by symbol, dates and status and limit in date then
 * symbol order, also by id, action and minimum confidence; `readSignalsAfter` pages in write
 * order without gaps or repeats; `updateReasoning` changes the text and status; runs are recorded;
 * outcomes, where the storage keeps them, are stored once per signal and horizon and queried.
 */
export function storageSuite(api: TestApi, definition: PluginDefinition<'storage'>, suite: StorageSuiteOptions = {}): void {
  const optionsIn = suite.options ?? (() => ({}));
  const open = (dir: string, readOnly = false): Promise<Storage> =>
    Promise.resolve(definition.create(testContext(definition, { ...suite, dir, readOnly, options: optionsIn(dir) })));
  const freshDir = () => mkdtempSync(path.join(os.tmpdir(), `argo-kit-${definition.name}-`));

  api.describe(`storage plugin "${definition.name}" (argo-signals/testing)`, () => {
    optionsCheck(api, definition, optionsIn(os.tmpdir()));

    api.it('stores a signal saved twice (even by another run) once', async () => {
      const dir = freshDir();
      const storage = await open(dir);
      await storage.save(sampleSignal('a'));
      await storage.save(sampleSignal('a', { confidence: 99 }));
      await storage.flush?.();
      assert.deepEqual((await storage.querySignals({})).map((s) => [s.id, s.confidence]), [['a', 80]]);
      await storage.close();
      if (suite.durable === false) return;
      const again = await open(dir);
      await again.save(sampleSignal('a'));
      await again.flush?.();
      assert.equal((await again.querySignals({})).length, 1);
      await again.close();
    });

    if (suite.durable !== false) {
      api.it('acknowledges a save only once it is durable: a storage opened read-only beside it reads it', async () => {
        const dir = freshDir();
        const writer = await open(dir);
        await writer.save(sampleSignal('durable'));
        const reader = await open(dir, true);
        try {
          assert.deepEqual((await reader.querySignals({})).map((s) => s.id), ['durable']);
        } finally {
          await reader.close();
          await writer.close();
        }
      });
    }

    api.it('filters queries by symbol, date range and reasoning status, in date then symbol order, with a limit', async () => {
      const storage = await open(freshDir());
      const rows = [
        sampleSignal('c', { symbol: 'BBB', asOf: '2024-01-03' }),
        sampleSignal('a', { symbol: 'AAA', asOf: '2024-01-03', reasoningStatus: 'pending' }),
        sampleSignal('b', { symbol: 'AAA', asOf: '2024-01-02' }),
        sampleSignal('d', { symbol: 'AAA', asOf: '2024-01-05' }),
      ];
      await Promise.all([...rows.map((s) => storage.save(s)), storage.flush?.()]);
      const ids = async (query: Parameters<Storage['querySignals']>[0]) => (await storage.querySignals(query)).map((s) => s.id);
      assert.deepEqual(await ids({}), ['b', 'a', 'c', 'd']);
      assert.deepEqual(await ids({ symbol: 'AAA' }), ['b', 'a', 'd']);
      assert.deepEqual(await ids({ from: '2024-01-03', to: '2024-01-04' }), ['a', 'c']);
      assert.deepEqual(await ids({ reasoningStatus: 'pending' }), ['a']);
      assert.deepEqual(await ids({ limit: 2 }), ['b', 'a']);
      assert.deepEqual(await ids({ id: 'c' }), ['c']);
      assert.deepEqual(await ids({ id: 'missing' }), []);
      assert.deepEqual(await storage.querySignals({ symbol: 'AAA', to: '2024-01-02' }), [rows[2]]);
      await storage.close();
    });

    api.it('filters by action and minimum confidence', async () => {
      const storage = await open(freshDir());
      const rows = [
        sampleSignal('buy-90', { action: 'BUY', confidence: 90 }),
        sampleSignal('sell-80', { action: 'SELL', direction: 'SHORT', confidence: 80 }),
        sampleSignal('buy-76', { action: 'BUY', confidence: 76, asOf: '2024-01-09' }),
      ];
      await Promise.all([...rows.map((s) => storage.save(s)), storage.flush?.()]);
      const ids = async (query: Parameters<Storage['querySignals']>[0]) => (await storage.querySignals(query)).map((s) => s.id).sort();
      assert.deepEqual(await ids({ action: 'BUY' }), ['buy-76', 'buy-90']);
      assert.deepEqual(await ids({ minConfidence: 80 }), ['buy-90', 'sell-80']);
      assert.deepEqual(await ids({ action: 'SELL', minConfidence: 81 }), []);
      await storage.close();
    });

    api.it('pages by write order with readSignalsAfter, when it can: no signal skipped or repeated while others are written', async () => {
      const storage = await open(freshDir());
      if (storage.readSignalsAfter === undefined) return storage.close();
      const seen: string[] = [];
      let cursor = 0;
      const page = async (limit: number) => {
        const items = await storage.readSignalsAfter!(cursor, { limit });
        for (const item of items) {
          assert.ok(item.seq > cursor, `seq ${item.seq} after cursor ${cursor}`);
          cursor = item.seq;
          seen.push(item.signal.id);
        }
        return items.length;
      };
      assert.equal(await storage.lastSignalSeq?.(), 0, 'lastSignalSeq of an empty storage');
      const written: string[] = [];
      for (let round = 0; round < 5; round++) {
        // Signals of earlier dates and symbols arrive after later ones: write order is what pages follow.
        const batch = [0, 1, 2].map((i) => sampleSignal(`s${round}-${i}`, { asOf: `2024-01-${String(10 - round).padStart(2, '0')}`, symbol: ['ZZZ', 'AAA', 'MMM'][i] }));
        await Promise.all([...batch.map((s) => storage.save(s)), storage.flush?.()]);
        written.push(...batch.map((s) => s.id));
        await page(2);
      }
      while ((await page(2)) > 0);
      assert.deepEqual(seen, written);
      assert.equal(await storage.lastSignalSeq?.(), cursor, 'lastSignalSeq is the newest signal');
      await storage.save(sampleSignal('s0-0'));
      await storage.flush?.();
      assert.equal(await page(10), 0, 'a signal saved again keeps its place');
      const filtered = await storage.readSignalsAfter(0, { symbol: 'AAA', limit: 2 });
      assert.deepEqual(filtered.map((item) => item.signal.id), ['s0-1', 's1-1']);
      assert.deepEqual((await storage.readSignalsAfter(filtered[1].seq, { symbol: 'AAA', limit: 1 })).map((item) => item.signal.id), ['s2-1']);
      await storage.close();
    });

    api.it('keeps writing after a flush with nothing queued (a cycle that stored nothing new)', async () => {
      const storage = await open(freshDir());
      await storage.flush?.();
      await storage.flush?.();
      const saved = storage.save(sampleSignal('after-empty-flush'));
      await storage.flush?.();
      await saved;
      assert.deepEqual((await storage.querySignals({})).map((s) => s.id), ['after-empty-flush']);
      await storage.close();
    });

    api.it('records runs and lists them newest first', async () => {
      const storage = await open(freshDir());
      await storage.saveRun({ id: 'r1', configHash: 'h1', startedAt: '2024-01-02T10:00:00.000Z', finishedAt: '2024-01-02T10:01:00.000Z', stats: { signals: 1 } });
      await storage.saveRun({ id: 'r2', configHash: 'h2', startedAt: '2024-01-03T10:00:00.000Z', finishedAt: '2024-01-03T10:01:00.000Z', stats: { signals: 2 } });
      await storage.flush?.();
      assert.deepEqual((await storage.queryRuns()).map((r) => r.id), ['r2', 'r1']);
      await storage.close();
    });

    api.it('updates reasoning text and status by id, when it can (updateReasoning)', async () => {
      const storage = await open(freshDir());
      if (storage.updateReasoning === undefined) return storage.close();
      await storage.save(sampleSignal('p', { reasoning: 'pending…', reasoningStatus: 'pending' }));
      await storage.updateReasoning([{ id: 'p', reasoning: 'the written text', status: 'done' }]);
      await storage.flush?.();
      const [stored] = await storage.querySignals({});
      assert.deepEqual([stored.reasoning, stored.reasoningStatus], ['the written text', 'done']);
      await storage.close();
    });

    api.it('stores outcomes once per signal and horizon, lists them newest first, and says which signals still await one, when it can', async () => {
      const dir = freshDir();
      const storage = await open(dir);
      if (storage.saveOutcomes === undefined) return storage.close();
      assert.ok(storage.queryOutcomes !== undefined && storage.signalsAwaitingOutcome !== undefined, 'saveOutcomes comes with queryOutcomes and signalsAwaitingOutcome');
      await storage.save(sampleSignal('a', { asOf: '2024-01-02' }));
      await storage.save(sampleSignal('b', { asOf: '2024-01-03', symbol: 'MSFT' }));
      await storage.save(sampleSignal('c', { asOf: '2024-01-04' }));
      await storage.flush?.();
      const outcome = (id: string, asOf: string, symbol = 'AAPL', forwardReturn = 0.02) => ({
        signalId: id, symbol, asOf, direction: 'LONG' as const, horizon: 10, forwardReturn, right: forwardReturn > 0, firstTouch: 'expired' as const,
        rMultiple: 0.4, upFirst: null, confidence: 80, probability: 0.55, calibration: 'v1:x', sources: { momentum: 80, rsi: -20 }, resolvedAt: '2024-01-16',
      });
      await storage.saveOutcomes([outcome('a', '2024-01-02'), outcome('b', '2024-01-03', 'MSFT')]);
      // Idempotent: an outcome resolved again (after a restart) keeps the first.
      await storage.saveOutcomes([outcome('a', '2024-01-02', 'AAPL', -0.5)]);
      await storage.flush?.();
      assert.deepEqual((await storage.queryOutcomes({})).map((o) => [o.signalId, o.forwardReturn]), [['b', 0.02], ['a', 0.02]]);
      assert.deepEqual(await storage.queryOutcomes({ symbol: 'MSFT' }), [outcome('b', '2024-01-03', 'MSFT')]);
      assert.deepEqual((await storage.queryOutcomes({ from: '2024-01-03', limit: 5 })).map((o) => o.signalId), ['b']);
      assert.deepEqual((await storage.queryOutcomes({ limit: 1 })).map((o) => o.signalId), ['b']);
      assert.deepEqual(await storage.queryOutcomes({ horizon: 5 }), []);
      assert.deepEqual((await storage.signalsAwaitingOutcome(10, '2024-01-01', '2024-01-31', 10)).map((s) => s.id), ['c']);
      assert.deepEqual((await storage.signalsAwaitingOutcome(5, '2024-01-01', '2024-01-03', 10)).map((s) => s.id), ['b', 'a']);
      assert.deepEqual((await storage.signalsAwaitingOutcome(5, '2024-01-01', '2024-01-31', 1)).map((s) => s.id), ['c']);
      await storage.close();
      if (suite.durable === false) return;
      const again = await open(dir, true);
      assert.equal((await again.queryOutcomes!({})).length, 2, 'outcomes are durable and readable by a query-only storage');
      await again.close();
    });

    api.it('keeps sinks\' cursors and dead letters, and numbers reasoning texts in the order they were written, when it can', async () => {
      const dir = freshDir();
      const storage = await open(dir);
      if (storage.writeSinkCursor === undefined) return storage.close();
      for (const method of ['readReasoningAfter', 'lastReasoningSeq', 'readSinkCursor', 'saveSinkDeadLetter', 'querySinkDeadLetters', 'deleteSinkDeadLetters'] as const) {
        assert.ok(storage[method] !== undefined, `writeSinkCursor comes with ${method}`);
      }
      assert.equal(await storage.readSinkCursor!('hook'), null);
      await storage.save(sampleSignal('r1', { reasoningStatus: 'pending' }));
      await storage.save(sampleSignal('r2', { reasoningStatus: 'pending' }));
      await storage.flush?.();
      assert.equal(await storage.lastReasoningSeq!(), 0);
      await storage.updateReasoning!([{ id: 'r2', reasoning: 'second first', status: 'done' }]);
      await storage.updateReasoning!([{ id: 'r1', reasoning: 'then the first', status: 'done' }]);
      await storage.writeSinkCursor('hook', { signals: 2, reasoning: 1 });
      const letter = { id: 'd1', sink: 'hook', message: { event: 'signal' as const, idempotencyKey: 'r1:signal', seq: 1, signal: sampleSignal('r1') }, error: 'HTTP 400', attempts: 1, failedAt: '2024-01-02T00:00:00.000Z' };
      await storage.saveSinkDeadLetter!(letter);
      await storage.flush?.();
      const texts = await storage.readReasoningAfter!(0, 10);
      assert.deepEqual(texts.map((t) => [t.seq, t.signal.id, t.signal.reasoning]), [[1, 'r2', 'second first'], [2, 'r1', 'then the first']]);
      const seqs = new Map((await storage.readSignalsAfter!(0, {})).map((s) => [s.signal.id, s.seq]));
      assert.deepEqual(texts.map((t) => t.signalSeq), [seqs.get('r2'), seqs.get('r1')]);
      assert.deepEqual(await storage.readReasoningAfter!(1, 10).then((t) => t.map((x) => x.signal.id)), ['r1']);
      assert.equal(await storage.lastReasoningSeq!(), 2);
      assert.deepEqual(await storage.readSinkCursor!('hook'), { signals: 2, reasoning: 1 });
      assert.deepEqual(await storage.querySinkDeadLetters!('hook'), [letter]);
      assert.deepEqual(await storage.querySinkDeadLetters!('other'), []);
      await storage.deleteSinkDeadLetters!(['d1']);
      await storage.flush?.();
      assert.deepEqual(await storage.querySinkDeadLetters!(), []);
      await storage.close();
      if (suite.durable === false) return;
      const again = await open(dir);
      assert.deepEqual(await again.readSinkCursor!('hook'), { signals: 2, reasoning: 1 }, 'a cursor is durable');
      await again.close();
    });

    if (suite.specifier !== undefined) {
      api.it('loses no acknowledged signal when its process is killed with SIGKILL while writing', async () => {
        const dir = freshDir();
        const child = spawn(process.execPath, [path.join(__dirname, 'storage-kill-child.js'), suite.specifier!, suite.baseDir ?? process.cwd(), dir, JSON.stringify(optionsIn(dir))], {
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const acked: string[] = [];
        let stderr = '';
        let buffered = '';
        child.stderr.on('data', (chunk) => (stderr += chunk));
        const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
        child.stdout.on('data', (chunk: Buffer) => {
          const lines = (buffered + chunk.toString()).split('\n');
          buffered = lines.pop()!;
          for (const line of lines) if (line.startsWith('ACK ')) acked.push(line.slice(4));
          if (acked.length >= 200 && child.exitCode === null && !child.killed) child.kill('SIGKILL');
        });
        await closed;
        assert.ok(acked.length >= 200, `the writer stopped after ${acked.length} acknowledgements: ${stderr}`);
        const storage = await open(dir);
        const stored = new Set((await storage.querySignals({})).map((s) => s.id));
        await storage.close();
        assert.deepEqual(acked.filter((id) => !stored.has(id)), [], 'acknowledged but not stored after the kill');
      });
    }
  });
}
