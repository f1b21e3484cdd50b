import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Signal } from '../../core';
import { createRun, findRealData, tempDir } from '../helpers';

const SYMBOLS = ['AAPL', 'AMZN', 'BHF', 'BRK.B', 'CAT', 'ABBV', 'APTV', 'CHK'];
const CUTOFF = '2015-06-30';

async function replaySignals(dataDir: string, to: string, extra: Record<string, unknown> = {}): Promise<{ signals: Signal[]; stats: any }> {
  const run = await createRun({ values: { 'data.dir': dataDir, symbols: SYMBOLS, ...extra } });
  const signals: Signal[] = [];
  const report = await run.replay({ from: '2013-01-01', to, onResult: (r) => void (r.signal && signals.push(r.signal)) });
  await run.close();
  return { signals, stats: report.stats };
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
    const { signals, stats } = await replaySignals(dir!, '2018-12-31');
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
    const full = await replaySignals(dir!, CUTOFF);
    const truncated = await replaySignals(cut, CUTOFF);
    expect(full.signals.length).to.be.greaterThan(10);
    // Measured latencies of real sources differ between runs; everything else must match.
    const comparable = (signals: Signal[]) => signals.map((s) => ({ ...s, sources: s.sources.map(({ latencyMs: _, ...rest }) => rest) }));
    expect(comparable(truncated.signals)).to.deep.equal(comparable(full.signals));
  });
});
