import { expect } from 'chai';
import type { EngineConfig } from '../../core/config/config-schema';
import { TOKENS } from '../../core/engine/tokens';
import { createRun } from '../helpers';

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
});
