import { expect } from 'chai';
import type { StatsReport } from '../../core/engine/cycle-stats';
import { findRealData, runCliAsync } from '../helpers';

const data = findRealData();

describe('a replay whose history begins too close to its first date', function () {
  this.timeout(60_000);
  before(function () {
    if (data === undefined) this.skip();
  });

  const replay = (from: string) => runCliAsync(['replay', '--data', data!, '--symbols', 'AAPL,CAT', '--from', from, '--to', `${from.slice(0, 4)}-12-31`, '--set', 'storage.plugin=memory', '--json']);

  it('counts the symbol-days evaluated while a source was warming up, and says so naming data.start', async () => {
    const early = await replay('2013-01-01');
    expect(early.code, early.stderr).to.equal(0);
    const stats = JSON.parse(early.stdout) as StatsReport;
    // The slow average of technical-trend needs 50 bars: the data begins on 2013-01-02.
    expect(stats.warmingUp).to.be.within(2 * 45, 2 * 60);
    expect(early.stderr).to.contain(`warning: ${stats.warmingUp} symbol-days were evaluated while a source still lacked history`).and.contain('data.start');
  });

  it('says nothing when a year of history precedes the first date', async () => {
    const later = await replay('2014-01-01');
    expect(later.code, later.stderr).to.equal(0);
    expect((JSON.parse(later.stdout) as StatsReport).warmingUp).to.equal(0);
    expect(later.stderr).to.not.contain('warming up');
  });
});
