import { expect } from 'chai';
import { BarView, indexAtOrBefore } from '../../core';
import { syntheticBars } from '../../plugins/market-data/synthetic-bars';

const dates = ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-06'];
const series = { symbol: 'T', bars: syntheticBars('T', 1, dates), malformedRows: 0 };

describe('bar view', () => {
  it('shows the bars up to its date and refuses any later one', () => {
    const view = BarView.upTo(series, 1);
    expect(view.length).to.equal(2);
    expect(view.asOf).to.equal('2020-01-02');
    expect(view.at(0).date).to.equal('2020-01-01');
    expect(() => view.at(2)).to.throw(RangeError);
    expect(view.tail(10).map((b) => b.date)).to.deep.equal(['2020-01-01', '2020-01-02']);
    expect(Object.keys(view)).to.not.include('bars');
  });

  it('finds the last bar on or before a date', () => {
    expect(indexAtOrBefore(series.bars, '2020-01-05')).to.equal(2);
    expect(indexAtOrBefore(series.bars, '2019-12-31')).to.equal(-1);
    expect(indexAtOrBefore(series.bars, '2021-01-01')).to.equal(3);
  });
});
