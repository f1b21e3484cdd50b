import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Storage } from '../../../core';
import jsonl from '../../../plugins/storage/jsonl';
import { argoErrorOf, makeSignal, tempDir } from '../../helpers';

function open(dir: string): Promise<Storage> {
  return Promise.resolve(
    jsonl.create({ options: { path: 'signals.jsonl', runsPath: 'runs.jsonl' }, resolvePath: (p: string) => path.join(dir, p) } as never) as Storage,
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

  it('refuses a signals file that is not JSON lines, naming it', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'signals.jsonl'), 'not json\n');
    const error = await argoErrorOf(() => open(dir));
    expect(error.code).to.equal('ARGO_ERR_STORAGE_WRITE');
    expect(error.message).to.contain('signals.jsonl');
  });
});
