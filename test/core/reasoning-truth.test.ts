import { expect } from 'chai';
import path from 'node:path';
import type { Signal } from '../../core/domain/domain';
import type { StatsReport } from '../../core/engine/cycle-stats';
import type { ExplainRequest } from '../../core/plugin-system/plugin-contracts';
import { renderTemplate, templateOf } from '../../core/reasoning/shared-text';
import { findRealData, runCliAsync, tempDir } from '../helpers';

const request = (over: { asOf?: string; confidence?: number; entry?: number; stop?: number; target?: number; momentum?: number } = {}): ExplainRequest => ({
  symbol: 'MU',
  asOf: over.asOf ?? '2019-09-18',
  action: 'BUY',
  consensus: { direction: 'LONG', confidence: over.confidence ?? 81.24, contributions: { trend: 30, momentum: 12.5 } },
  opinions: [
    { source: 'trend', weight: 1.5, opinion: { direction: 'LONG', confidence: 90, features: { gapPct: 2.5 } } },
    { source: 'momentum', weight: 1, opinion: { direction: 'LONG', confidence: over.momentum ?? 62, features: { rsi: 58.123 } } },
  ],
  regime: 'trending-up',
  levels: { entry: over.entry ?? 50.48, stop: over.stop ?? 47.48, target: over.target ?? 54.98 },
});

describe('reasoning texts shared through the cache', () => {
  it('are cached as templates of their facts and told with each signal\'s own date, confidence and levels', () => {
    const text = 'BUY MU as of 2019-09-18 at 81.2%: trend 90% (+30.0 pts), momentum 62%. Entry 50.48, stop 47.48, target 54.98 (reward/risk 1.5).';
    const template = templateOf(text, request())!;
    expect(template).to.not.contain('2019-09-18').and.not.contain('50.48');
    expect(renderTemplate(template, request())).to.equal(text);
    expect(renderTemplate(template, request({ asOf: '2019-07-29', confidence: 83.04, entry: 46.82, stop: 43.94, target: 51.14 }))).to.equal(
      'BUY MU as of 2019-07-29 at 83.0%: trend 90% (+30.0 pts), momentum 62%. Entry 46.82, stop 43.94, target 51.14 (reward/risk 1.5).',
    );
  });

  it('are not shared when they quote a number that is no fact of their signal, or another date', () => {
    expect(templateOf('BUY MU: the 20-day average rose 3.7% this week.', request())).to.equal(null);
    expect(templateOf('BUY MU as of 2019-09-18, after the 2019-09-12 earnings.', request())).to.equal(null);
  });

  it('render a number two facts read alike only for a signal on which they still agree', () => {
    // 1.5 is the reward/risk and the weight of trend: true for another signal only while both still read 1.5.
    const template = templateOf('Reward/risk 1.5, momentum at 62%.', request())!;
    expect(renderTemplate(template, request({ momentum: 70 }))).to.equal('Reward/risk 1.5, momentum at 70%.');
    expect(renderTemplate(template, request({ entry: 49 })), 'reward/risk no longer 1.5').to.equal(undefined);
  });

  it('never render a plain text cached by an older version as a template', () => {
    expect(renderTemplate('BUY MU as of 2019-07-29: entry 46.82.', request())).to.equal(undefined);
  });

  const data = findRealData();
  it('in a year\'s replay, every stored text names its own signal\'s date, confidence and levels, in each reasoning mode', async function () {
    if (data === undefined) this.skip();
    this.timeout(240_000);
    const dir = tempDir();
    for (const mode of ['sync', 'cached', 'deferred']) {
      const db = path.join(dir, `${mode}.db`);
      const replay = await runCliAsync(
        ['replay', '--data', data, '--from', '2016-01-01', '--to', '2016-12-31', '--json', '--set', `storage.path=${db}`, '--set', 'storage.flushMs=5', '--set', `reasoning.mode=${mode}`]
          .concat(['--set', 'reasoning.explainer=simulated-llm', '--set', 'reasoning.options.minLatencyMs=0', '--set', 'reasoning.options.maxLatencyMs=1', '--set', 'reasoning.deferred.shutdownWaitMs=120000']),
        { cwd: dir },
      );
      expect(replay.code, replay.stderr).to.equal(0);
      const stats = JSON.parse(replay.stdout) as StatsReport;
      const signals = JSON.parse((await runCliAsync(['signals', '--db', db, '--json'], { cwd: dir })).stdout) as Signal[];
      expect(signals.length, mode).to.be.greaterThan(1000);
      const untrue = signals.filter((s) => {
        const dates = s.reasoning.match(/\d{4}-\d{2}-\d{2}/g) ?? [];
        const levels = `Entry ${s.entry.toFixed(2)}, stop ${s.stop.toFixed(2)}, target ${s.target.toFixed(2)}`;
        return dates.some((d) => d !== s.asOf) || !s.reasoning.includes(`${s.confidence.toFixed(1)}%`) || (s.reasoningStatus === 'done' && !s.reasoning.includes(levels));
      });
      expect(untrue.map((s) => `${s.asOf} ${s.symbol}: ${s.reasoning}`).slice(0, 3), mode).to.deep.equal([]);
      if (mode === 'cached') expect(stats.caches.reasoning!.hits, 'the cache still saves texts').to.be.greaterThan(signals.length / 10);
      if (mode === 'deferred') expect(signals.filter((s) => s.reasoningStatus === 'done').length, 'deferred texts completed').to.be.greaterThan(signals.length / 2);
    }
  });
});
