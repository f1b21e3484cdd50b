import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { comparable, findRealData, replaySignals, tempDir } from '../helpers';

const SYMBOLS = ['AAPL', 'AMZN', 'BHF', 'BRK.B', 'CAT', 'ABBV', 'APTV', 'CHK'];
const CUTOFF = '2015-06-30';

function replayOf(dataDir: string, to: string) {
  return replaySignals({ 'data.dir': dataDir, symbols: SYMBOLS }, '2013-01-01', to);
}

describe('replay on the real data in ../shared/data', function () {
  const dir = findRealData();
  before(function () {
    if (dir === undefined) {
      console.log('    (../shared/data/sp500-2013-2018 absent: skipped)');
      this.skip();
    }
  });

  it('produces well-formed signals and counts every symbol-day', async () => {
    const { signals, stats } = await replayOf(dir!, '2018-12-31');
    expect(stats.cycles).to.equal(1259);
    expect(stats.malformedRows).to.equal(1);
    expect(signals.length).to.be.greaterThan(100);
    const rejected = Object.values(stats.rejections as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(stats.signals + rejected).to.equal(stats.symbolsEvaluated);
    for (const s of signals) {
      expect(s.confidence).to.be.within(75, 100);
      if (s.action === 'BUY') expect(s.stop < s.entry && s.entry < s.target, s.id).to.equal(true);
      else expect(s.target < s.entry && s.entry < s.stop, s.id).to.equal(true);
      expect(['trending-up', 'trending-down', 'ranging', 'volatile']).to.include(s.regime);
      expect(s.reasoning).to.contain(s.symbol);
    }
  });

  it('cannot look ahead: signals up to a day are the same whether the data ends there or years later', async () => {
    const cut = tempDir();
    for (const symbol of SYMBOLS) {
      const lines = readFileSync(path.join(dir!, `${symbol}.csv`), 'utf8').trimEnd().split('\n');
      writeFileSync(path.join(cut, `${symbol}.csv`), [lines[0], ...lines.slice(1).filter((l) => l.slice(0, 10) <= CUTOFF)].join('\n'));
    }
    const full = await replayOf(dir!, CUTOFF);
    const truncated = await replayOf(cut, CUTOFF);
    expect(full.signals.length).to.be.greaterThan(10);
    expect(comparable(truncated.signals)).to.deep.equal(comparable(full.signals));
  });
});
