import { expect } from 'chai';
import type { Bar, BarSeries } from '../../core/domain/domain';
import { scoreSignal } from '../../core/learning/outcome-scoring';
import { makeSignal } from '../helpers';

function series(bars: [number, number, number][]): BarSeries {
  const list: Bar[] = bars.map(([high, low, close], i) => ({ date: `2020-01-${String(i + 1).padStart(2, '0')}`, open: close, high, low, close, volume: 1 }));
  return { symbol: 'T', bars: list, malformedRows: 0 };
}

const buy = makeSignal('b', 'T', '2020-01-01', { action: 'BUY', entry: 100, stop: 95, target: 110 });
const sell = makeSignal('s', 'T', '2020-01-01', { action: 'SELL', direction: 'SHORT', entry: 100, stop: 105, target: 90 });

describe('outcome scoring', () => {
  it('counts the target reached first as a win, with its reward/risk as R', () => {
    const outcome = scoreSignal(buy, series([[100, 100, 100], [104, 98, 103], [111, 102, 109]]), 10);
    expect(outcome).to.deep.equal({ kind: 'win', bars: 2, rMultiple: 2, return: 0.1 });
  });

  it('counts the stop first as a loss of 1R, and both on one bar as a loss', () => {
    expect(scoreSignal(buy, series([[100, 100, 100], [101, 94, 96], [120, 99, 119]]), 10)).to.include({ kind: 'loss', rMultiple: -1, bars: 1 });
    expect(scoreSignal(buy, series([[100, 100, 100], [112, 94, 100]]), 10)).to.include({ kind: 'loss' });
    expect(scoreSignal(sell, series([[100, 100, 100], [106, 89, 100]]), 10)).to.include({ kind: 'loss' });
  });

  it('scores a SELL by falling prices', () => {
    expect(scoreSignal(sell, series([[100, 100, 100], [101, 89, 90]]), 10)).to.deep.equal({ kind: 'win', bars: 1, rMultiple: 2, return: 0.1 });
  });

  it('expires at the horizon with the return of the last close, and leaves the last day open', () => {
    const outcome = scoreSignal(buy, series([[100, 100, 100], [103, 99, 102], [104, 99, 103], [120, 99, 119]]), 2);
    expect(outcome.kind).to.equal('expired');
    expect(outcome.bars).to.equal(2);
    expect(outcome.rMultiple).to.be.closeTo(0.6, 1e-12);
    expect(outcome.return).to.be.closeTo(0.03, 1e-12);
    expect(scoreSignal(buy, series([[100, 100, 100]]), 10).kind).to.equal('open');
  });
});
