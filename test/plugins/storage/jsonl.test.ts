import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Storage } from '../../../core/plugin-system/plugin-contracts';
import { createLogger } from '../../../core/util/logger';
import jsonl from '../../../plugins/storage/jsonl';
import { argoErrorOf, createRun, makeSignal, tempDir } from '../../helpers';

function open(dir: string, signals = 'signals.jsonl', runs = 'runs.jsonl'): Promise<Storage> {
  return Promise.resolve(
    jsonl.create({ options: { path: signals, runsPath: runs }, resolvePath: (p: string) => path.join(dir, p), logger: createLogger('silent') } as never) as Storage,
  );
}


describe('jsonl storage', () => {
  it('appends each signal once, across reopenings, and queries by symbol and date', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.save(makeSignal('a', 'AAPL', '2017-01-03'));
    await first.save(makeSignal('a', 'AAPL', '2017-01-03'));
    await first.save(makeSignal('b', 'CAT', '2017-01-02'));
    await first.saveRun({ id: 'r1', configHash: 'h', startedAt: 's', finishedAt: 'f', stats: {} });
    await first.close();
    const second = await open(dir);
    await second.save(makeSignal('a', 'AAPL', '2017-01-03'));
    expect((await second.querySignals({})).map((s) => s.id)).to.deep.equal(['b', 'a']);
    expect((await second.querySignals({ symbol: 'AAPL' })).map((s) => s.id)).to.deep.equal(['a']);
    expect(await second.querySignals({ from: '2017-01-03', to: '2017-01-03', limit: 5 })).to.have.length(1);
    await second.close();
    expect(readFileSync(path.join(dir, 'signals.jsonl'), 'utf8').trim().split('\n')).to.have.length(2);
    expect(JSON.parse(readFileSync(path.join(dir, 'runs.jsonl'), 'utf8')).id).to.equal('r1');
  });

  it('updates reasoning by appending the signal again; readers and later runs see the last text', async () => {
    const dir = tempDir();
    const first = await open(dir);
    await first.save(makeSignal('a', 'AAPL', '2017-01-03', { reasoning: 'placeholder', reasoningStatus: 'pending' }));
    await first.save(makeSignal('b', 'CAT', '2017-01-04', { reasoning: 'placeholder', reasoningStatus: 'pending' }));
    await first.updateReasoning!([
      { id: 'a', reasoning: 'the real text', status: 'done' },
      { id: 'missing', reasoning: 'ignored', status: 'done' },
    ]);
    expect((await first.querySignals({ reasoningStatus: 'pending' })).map((s) => s.id)).to.deep.equal(['b']);
    await first.close();
    const second = await open(dir);
    await second.save(makeSignal('a', 'AAPL', '2017-01-03'));
    const [a] = await second.querySignals({ symbol: 'AAPL' });
    expect(a).to.include({ reasoning: 'the real text', reasoningStatus: 'done' });
    await second.close();
    expect(readFileSync(path.join(dir, 'signals.jsonl'), 'utf8').trim().split('\n')).to.have.length(3);
  });

  it('serves deferred reasoning: every text is in the file when the run closes', async () => {
    const dir = tempDir();
    const run = await createRun({ values: { 'storage.plugin': 'jsonl', 'storage.path': path.join(dir, 's.jsonl'), 'storage.runsPath': path.join(dir, 'r.jsonl'), 'reasoning.mode': 'deferred', 'data.days': 60, 'consensus.minConfidence': 40 } });
    await run.replay({ from: '2000-01-01', to: '2100-01-01' });
    await run.close();
    const reader = await open(dir, 's.jsonl', 'r.jsonl');
    const stored = await reader.querySignals({});
    await reader.close();
    expect(stored.length).to.be.greaterThan(5);
    expect(stored.filter((s) => s.reasoningStatus !== 'done')).to.deep.equal([]);
  });

  it('refuses a signals file that is not JSON lines, naming it', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'signals.jsonl'), `${JSON.stringify(makeSignal('a'))}\nnot json\n${JSON.stringify(makeSignal('b'))}\n`);
    const error = await argoErrorOf(() => open(dir));
    expect(error.code).to.equal('ARGO_ERR_STORAGE_CORRUPT');
    expect(error.message).to.contain('signals.jsonl').and.contain('line 2');
  });

  it('drops a torn last line (a crash or a full disk), queries the rest, and appends after it without gluing lines together', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'signals.jsonl');
    const torn = JSON.stringify(makeSignal('c')).slice(0, 50);
    writeFileSync(file, `${JSON.stringify(makeSignal('a'))}\n${JSON.stringify(makeSignal('b', 'CAT'))}\n${torn}`);
    const reader = await open(dir);
    expect((await reader.querySignals({})).map((s) => s.id)).to.deep.equal(['a', 'b']);
    await reader.save(makeSignal('c', 'DE'));
    await reader.close();
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).to.equal('');
    expect(lines.map((line) => JSON.parse(line).id)).to.deep.equal(['a', 'b', 'c']);
  });

  it('completes a whole last line that only lacks its newline instead of dropping it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'signals.jsonl');
    writeFileSync(file, JSON.stringify(makeSignal('a')));
    const storage = await open(dir);
    await storage.save(makeSignal('b'));
    await storage.close();
    expect(readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line).id)).to.deep.equal(['a', 'b']);
  });
});
