import { expect } from 'chai';
import { templateReasoning } from '../../../plugins/explainers/template';

describe('template explainer', () => {
  it('names the action, the strongest sources with their indicators, the regime and the levels', () => {
    const text = templateReasoning(
      {
        symbol: 'AAPL',
        asOf: '2017-01-03',
        action: 'SELL',
        consensus: { direction: 'SHORT', confidence: 81.25, contributions: { trend: -40, rsi: -30, obv: -11.25 } },
        opinions: [
          { source: 'trend', weight: 2, opinion: { direction: 'SHORT', confidence: 80, features: { gapPct: -3.2 } } },
          { source: 'rsi', weight: 1.5, opinion: { direction: 'SHORT', confidence: 80 } },
          { source: 'obv', weight: 0.5, opinion: { direction: 'SHORT', confidence: 90 } },
        ],
        regime: 'trending-down',
        levels: { entry: 100, stop: 104, target: 94 },
      },
      2,
    );
    expect(text).to.contain('SELL AAPL as of 2017-01-03').and.contain('81.3%').and.contain('gapPct -3.20');
    expect(text).to.contain('trend SHORT').and.contain('rsi SHORT').and.not.contain('obv');
    expect(text).to.contain('trending-down').and.contain('stop 104.00').and.contain('reward/risk 1.5');
  });
});
