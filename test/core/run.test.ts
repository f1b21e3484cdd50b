import { expect } from 'chai';
import type { EngineConfig } from '../../core/config/config-schema';
import { TOKENS } from '../../core/engine/tokens';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, createRun, tempDir } from '../helpers';

describe('run', () => {
  it('builds each run in a child container of its own: two runs in one process share no state', async () => {
    const lenient = await createRun({ values: { 'consensus.minConfidence': 5 } });
    const strict = await createRun({ values: { 'consensus.minConfidence': 99.9 } });
    expect(lenient.container).to.not.equal(strict.container);
    expect(lenient.container.resolve<EngineConfig>(TOKENS.Config).consensus.minConfidence).to.equal(5);
    expect(lenient.storage).to.not.equal(strict.storage);
    const [a, b] = await Promise.all([lenient.cycle(), strict.cycle()]);
    expect(a.stats.signals).to.be.greaterThan(b.stats.signals);
    expect(await lenient.storage.querySignals({})).to.have.length(a.stats.signals);
    expect(await strict.storage.querySignals({})).to.have.length(b.stats.signals);
    await Promise.all([lenient.close(), strict.close()]);
  });

  it('replays only the days in range, each symbol on the days it has a bar', async () => {
    const run = await createRun({ values: { 'data.days': 100, 'data.endDate': '2024-12-31' } });
    const report = await run.replay({ from: '2024-12-02', to: '2024-12-06', keepResults: true });
    await run.close();
    expect(report.stats.cycles).to.equal(5);
    expect(report.stats.symbolsEvaluated).to.equal(30);
    expect(new Set(report.results.map((r) => r.asOf))).to.deep.equal(new Set(['2024-12-02', '2024-12-03', '2024-12-04', '2024-12-05', '2024-12-06']));
  });

  it('keeps a symbol\'s series from cycle to cycle while its bars are unchanged, so state kept by series carries over', async () => {
    const fixture = path.join(ROOT, 'test', 'fixtures', 'plugins', 'series-key-source.js');
    const { keys } = require(fixture) as { keys: Map<string, Set<object>> };
    keys.clear();
    const run = await createRun({ values: { sources: [{ name: 'keys', plugin: fixture }], symbols: ['ACME', 'BOLT'] } });
    for (let i = 0; i < 3; i++) await run.cycle();
    await run.close();
    expect([...keys.values()].map((set) => set.size)).to.deep.equal([1, 1]);
  });

  it('keeps a series that only gained bars between cycles, and re-packs one whose earlier bars changed', async () => {
    const dir = tempDir();
    const rows = ['date,open,high,low,close,volume', '2024-01-02,10,11,9,10,100', '2024-01-03,10,12,9,11,100'];
    writeFileSync(path.join(dir, 'AAA.csv'), rows.join('\n'));
    const fixture = path.join(ROOT, 'test', 'fixtures', 'plugins', 'series-key-source.js');
    const { keys } = require(fixture) as { keys: Map<string, Set<object>> };
    keys.clear();
    const run = await createRun({ values: { sources: [{ name: 'keys', plugin: fixture }], 'data.dir': dir } });
    await run.cycle();
    writeFileSync(path.join(dir, 'AAA.csv'), [...rows, '2024-01-04,11,12,10,12,100'].join('\n'));
    await run.cycle();
    expect(keys.get('AAA')!.size, 'appended to: the same series').to.equal(1);
    expect(run.seriesOf('AAA')!.length).to.equal(3);
    writeFileSync(path.join(dir, 'AAA.csv'), [rows[0], '2024-01-02,10,11,9,10.5,100', rows[2], '2024-01-04,11,12,10,12,100'].join('\n'));
    await run.cycle();
    await run.close();
    expect(keys.get('AAA')!.size, 'revised: a new series').to.equal(2);
  });
});
