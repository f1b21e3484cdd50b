import { expect } from 'chai';
import { BarView } from '../../../core/domain/bar-view';
import type { BarSeries, Opinion } from '../../../core/domain/domain';
import type { Source } from '../../../core/plugin-system/plugin-contracts';
import { syntheticBars } from '../../../plugins/market-data/synthetic-bars';
import macd from '../../../plugins/sources/technical-macd';
import momentum from '../../../plugins/sources/technical-momentum';
import trend from '../../../plugins/sources/technical-trend';
import volatility from '../../../plugins/sources/technical-volatility';
import volume from '../../../plugins/sources/technical-volume';
import { validateOptions } from '../../../core/plugin-system/plugin-loader';

const dates = Array.from({ length: 200 }, (_, i) => new Date(Date.UTC(2020, 0, 1) + i * 86400000).toISOString().slice(0, 10));
const series: BarSeries = { symbol: 'T', bars: syntheticBars('T', 3, dates), malformedRows: 0 };
const definitions = [trend, momentum, macd, volatility, volume];

function build(def: (typeof definitions)[number]): Source {
  return def.create({ options: validateOptions(def, {}, 'test') } as never) as Source;
}

function ask(source: Source, end: number): Opinion {
  return source.opinion({ symbol: 'T', asOf: series.bars[end].date, bars: BarView.upTo(series, end), signal: new AbortController().signal }) as Opinion;
}

describe('technical sources', () => {
  for (const def of definitions) {
    it(`${def.name}: day-by-day incremental opinions equal opinions computed from scratch`, () => {
      const incremental = build(def);
      for (let end = 0; end < series.bars.length; end += 1) {
        const stepped = ask(incremental, end);
        if (end % 37 === 0 || end === series.bars.length - 1) expect(stepped).to.deep.equal(ask(build(def), end));
        expect(stepped.confidence).to.be.within(0, 100);
      }
    });

    it(`${def.name}: answers NEUTRAL 0 while warming up, and restarts on an earlier view`, () => {
      const source = build(def);
      expect(ask(source, 1)).to.deep.include({ direction: 'NEUTRAL', confidence: 0 });
      const late = ask(source, 150);
      expect(ask(source, 1)).to.deep.include({ direction: 'NEUTRAL', confidence: 0 });
      expect(ask(source, 150)).to.deep.equal(late);
    });
  }
});
