import { expect } from 'chai';
import path from 'node:path';
import type { StatsReport } from '../../core/engine/cycle-stats';
import { ROOT, findRealData, runCliAsync, tempDir } from '../helpers';
import { json, serve } from './serving';

const data = findRealData();

describe('a symbol the market data does not have', function () {
  this.timeout(120_000);
  before(function () {
    if (data === undefined) this.skip();
  });

  it('fails only itself in a replay: skipped with one warning and listed in the statistics', async () => {
    const result = await runCliAsync(['replay', '--data', data!, '--symbols', 'AAPL,NOPE,CAT', '--from', '2016-01-01', '--to', '2016-03-31', '--set', 'storage.plugin=memory', '--json']);
    expect(result.code, result.stderr).to.equal(0);
    const stats = JSON.parse(result.stdout) as StatsReport;
    expect(stats.symbolsWithoutBars).to.deep.equal(['NOPE']);
    expect(stats.symbolsEvaluated).to.be.greaterThan(100);
    expect(result.stderr.match(/symbol skipped/g), 'said once, not once a cycle').to.have.length(1);
    expect(result.stderr).to.contain(`no file NOPE.csv in data.dir ${data}`);
  });

  it('fails the run only when no symbol is left, coded, naming the symbols and data.dir', async () => {
    const result = await runCliAsync(['replay', '--data', data!, '--symbols', 'NOPE,NADA', '--from', '2016-01-01', '--to', '2016-03-31', '--set', 'storage.plugin=memory']);
    expect(result.code).to.equal(2);
    expect(result.stderr).to.match(/^ARGO_ERR_DATA_SYMBOL_MISSING: none of the 2 symbols of the universe has bars \(symbol NOPE: no file NOPE\.csv/m);
  });

  it('is reported by config check --data: a warning for some, exit 2 for all', async () => {
    const some = await runCliAsync(['config', 'check', '--data', data!, '--symbols', 'AAPL,NOPE']);
    expect(some.code, some.stderr).to.equal(0);
    expect(some.stderr).to.contain('warning: ARGO_ERR_DATA_SYMBOL_MISSING: the market data has no bars for NOPE; runs skip them');
    const all = await runCliAsync(['config', 'check', '--data', data!, '--symbols', 'NOPE']);
    expect(all.code).to.equal(2);
    expect(all.stderr).to.contain('ARGO_ERR_DATA_SYMBOL_MISSING: symbols: the market data (csv-bars) has bars for none of NOPE');
  });

  it('under serve: every cycle evaluates the others and lists it in /v1/cycles, with one warning for the run', async () => {
    const dir = tempDir();
    const service = await serve(dir, ['service.schedule.every=1h', 'symbols=AAPL,NOPE,CAT', `data.dir=${data}`]);
    try {
      for (let i = 0; i < 2; i++) expect((await json(`${service.url}/v1/cycles`, { method: 'POST' })).body.error).to.equal(null);
      const { cycles } = (await json(`${service.url}/v1/cycles?limit=2`)).body as { cycles: { symbols: number; stats: StatsReport }[] };
      expect(cycles.map((c) => [c.symbols, c.stats.symbolsWithoutBars])).to.deep.equal([
        [2, ['NOPE']],
        [2, ['NOPE']],
      ]);
      expect((await json(`${service.url}/readyz`)).status).to.equal(200);
      expect(service.stderr().match(/symbol skipped/g)).to.have.length(1);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });

  it('the live-service example runs as the README says on a data folder of other symbols', async () => {
    const dir = tempDir();
    // Its storage path is relative to the example's folder, which is the checkout's: this run's database goes to its own folder.
    const service = await serve(dir, ['service.schedule.every=1h', `storage.path=${path.join(dir, 'live.db')}`], { args: ['--config', path.join(ROOT, 'config', 'examples', 'live-service.json'), '--data', data!] });
    try {
      const cycle = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      expect(cycle.error).to.equal(null);
      expect(cycle.symbols).to.be.greaterThan(50);
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  });
});
