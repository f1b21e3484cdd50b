import { expect } from 'chai';
import { BarView } from '../../core/domain/bar-view';
import { PackedSeries } from '../../core/domain/packed-series';
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
    const packed = PackedSeries.of(series);
    expect(packed.indexAtOrBefore('2020-01-05')).to.equal(2);
    expect(packed.indexAtOrBefore('2019-12-31')).to.equal(-1);
    expect(packed.indexAtOrBefore('2021-01-01')).to.equal(3);
  });

  it('gives the same bars and views from a packed series as from the bars it packed, sharing date strings between series', () => {
    const dates = new Map<string, string>();
    const packed = PackedSeries.of(series, dates);
    const other = PackedSeries.of({ symbol: 'U', bars: syntheticBars('U', 2, series.bars.map((b) => b.date)), malformedRows: 0 }, dates);
    expect(packed.length).to.equal(4);
    expect(Array.from({ length: 4 }, (_, i) => packed.at(i))).to.deep.equal(series.bars);
    expect(other.date(3)).to.equal(packed.date(3));
    expect(dates.size).to.equal(4);
    const view = BarView.upTo(packed, 2);
    expect(view.tail(2)).to.deep.equal(series.bars.slice(1, 3));
    expect(view.seriesKey).to.equal(BarView.upTo(packed, 3).seriesKey);
    expect(() => view.at(3)).to.throw(RangeError);
  });
});
