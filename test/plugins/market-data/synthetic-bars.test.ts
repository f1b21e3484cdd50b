import { expect } from 'chai';
import { syntheticBars } from '../../../plugins/market-data/synthetic-bars';

const dates = Array.from({ length: 500 }, (_, i) => new Date(Date.UTC(2020, 0, 1) + i * 86400000).toISOString().slice(0, 10));

describe('synthetic-bars market data', () => {
  it('repeats for the same seed and symbol and differs otherwise', () => {
    expect(syntheticBars('ACME', 1, dates)).to.deep.equal(syntheticBars('ACME', 1, dates));
    expect(syntheticBars('ACME', 2, dates)[499].close).to.not.equal(syntheticBars('ACME', 1, dates)[499].close);
    expect(syntheticBars('BOLT', 1, dates)[499].close).to.not.equal(syntheticBars('ACME', 1, dates)[499].close);
  });

  it('makes well-formed bars: low <= open, close <= high, positive prices and volume', () => {
    for (const bar of syntheticBars('ACME', 3, dates)) {
      expect(bar.low).to.be.at.most(Math.min(bar.open, bar.close));
      expect(bar.high).to.be.at.least(Math.max(bar.open, bar.close));
      expect(bar.low).to.be.greaterThan(0);
      expect(bar.volume).to.be.greaterThan(0);
    }
  });
});
