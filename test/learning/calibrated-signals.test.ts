import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Signal } from '../../core/domain/domain';
import type { StatsReport } from '../../core/engine/cycle-stats';
import { findRealData, runCliAsync, tempDir, writeJson } from '../helpers';

const data = findRealData();
const SYMBOLS = ['--symbols', 'AAPL,AMZN,BA,CAT,CHK,ABBV,ADBE,AIG,A,AAL'];

describe('learning: calibrated probabilities in signals (consensus.calibration)', function () {
  this.timeout(180_000);
  let dir: string;
  before(async function () {
    if (data === undefined) this.skip();
    dir = tempDir();
    const fit = await runCliAsync(['calibrate', '--data', data, ...SYMBOLS, '--from', '2014-01-01', '--to', '2015-12-31', '--out', 'cal.json'], { cwd: dir });
    expect(fit.code, fit.stderr).to.equal(0);
  });

  const replay = async (db: string, sets: string[]) => {
    const args = ['replay', '--data', data!, ...SYMBOLS, '--from', '2016-01-15', '--to', '2016-12-31', '--set', `storage.path=${path.join(dir, db)}`, '--set', 'consensus.minConfidence=60', '--json', ...sets.flatMap((s) => ['--set', s])];
    const result = await runCliAsync(args, { cwd: dir });
    expect(result.code, result.stderr).to.equal(0);
    const signals = JSON.parse((await runCliAsync(['signals', '--db', path.join(dir, db), '--json'], { cwd: dir })).stdout) as Signal[];
    return { stats: JSON.parse(result.stdout) as StatsReport, signals };
  };

  it('gives each signal the probability that its direction is right, the calibration it came from and a sentence saying so; stored and read back', async () => {
    const { signals } = await replay('plain.db', ['consensus.calibration=cal.json']);
    expect(signals.length).to.be.greaterThan(100);
    for (const s of signals) {
      expect(s.probability).to.be.within(0, 1);
      expect(s.calibration).to.match(/^v1:2014-01-01\.\.2015-12-31:[0-9a-f]{8}$/);
      expect(s.reasoning).to.contain(`Calibrated: ${s.direction} is right with probability ${(s.probability! * 100).toFixed(0)}%`);
    }
    const without = await replay('none.db', []);
    expect(without.signals.map((s) => s.id), 'the confidence gate and the ids do not change').to.deep.equal(signals.map((s) => s.id));
    expect(without.signals.every((s) => s.probability === undefined)).to.equal(true);
  });

  it('keeps the calibration sentence in a deferred text completed later', async () => {
    const { signals } = await replay('deferred.db', ['consensus.calibration=cal.json', 'reasoning.mode=deferred']);
    expect(signals.length).to.be.greaterThan(100);
    for (const s of signals) {
      expect(s.reasoningStatus, s.id).to.equal('done');
      expect(s.reasoning.split('Calibrated: ').length, s.reasoning).to.equal(2);
      expect(s.reasoning).to.contain(`Calibrated: ${s.direction} is right with probability ${(s.probability! * 100).toFixed(0)}%`);
    }
  });

  it('fits and scores the first-touch event (learning.event): the file says so, and so does each signal\'s sentence', async () => {
    const fit = await runCliAsync(['calibrate', '--data', data!, ...SYMBOLS, '--from', '2014-01-01', '--to', '2015-12-31', '--set', 'learning.event=first-touch', '--out', 'touch.json', '--json'], { cwd: dir });
    expect(fit.code, fit.stderr).to.equal(0);
    const report = JSON.parse(fit.stdout) as { file: { event: string; samples: number; upRate: number } };
    expect(report.file.event).to.equal('first-touch');
    // Levels 2 ATR down and 3 up (the defaults): the upper level comes first less than half the time.
    expect(report.file.upRate).to.be.below(0.45);
    const { signals } = await replay('touch.db', ['consensus.calibration=touch.json']);
    expect(signals[0].reasoning).to.match(/at that level the price reached the upper level first \d+% of the time/);
    const sheet = await runCliAsync(['evaluate', '--data', data!, ...SYMBOLS, '--from', '2016-01-15', '--to', '2016-12-31', '--set', 'learning.event=first-touch'], { cwd: dir });
    expect(sheet.stdout).to.contain('event: first-touch (which level of a long trade came first; neither: left out)');
  });

  it('gates on consensus.minProbability, counted, and the bound early exit stays lossless with it', async () => {
    const all = await replay('all.db', ['consensus.calibration=cal.json']);
    const gated = await replay('gated.db', ['consensus.calibration=cal.json', 'consensus.minProbability=0.45']);
    expect(gated.signals.map((s) => s.id)).to.deep.equal(all.signals.filter((s) => s.probability! >= 0.45).map((s) => s.id));
    expect(gated.stats.rejections['below-min-probability']).to.equal(all.signals.length - gated.signals.length);
    const bound = await replay('bound.db', ['consensus.calibration=cal.json', 'consensus.minProbability=0.45', 'earlyExit.strategy=bound']);
    expect(bound.signals.map((s) => [s.id, s.probability])).to.deep.equal(gated.signals.map((s) => [s.id, s.probability]));
  });

  it('evaluate --calibration scores the calibrated probability beside the sources and says how it weighs them', async () => {
    const args = ['evaluate', '--data', data!, ...SYMBOLS, '--from', '2016-01-15', '--to', '2016-12-31', '--calibration', 'cal.json'];
    const json = await runCliAsync([...args, '--json'], { cwd: dir });
    expect(json.code, json.stderr).to.equal(0);
    const sheet = JSON.parse(json.stdout) as { predictors: { name: string; calibration: { samples: number; ece: number } }[] };
    expect(sheet.predictors.map((p) => p.name)).to.deep.equal(['trend', 'macd', 'momentum', 'volatility', 'volume', 'consensus', 'calibrated']);
    const [calibrated] = sheet.predictors.slice(-1);
    expect(calibrated.calibration.samples).to.be.greaterThan(1000);
    expect(calibrated.calibration.ece).to.be.below(sheet.predictors.find((p) => p.name === 'consensus')!.calibration.ece);
    const text = await runCliAsync([...args, '--report', 'report'], { cwd: dir });
    expect(text.stdout).to.match(/^calibration 2014-01-01\.\.2015-12-31 \(10 bars\) weighs: trend -?\d+\.\d\d/m);
    expect(readFileSync(path.join(dir, 'report', 'tear-sheet.html'), 'utf8')).to.match(/<p class="calibration">calibration 2014-01-01\.\.2015-12-31 \(10 bars\) weighs: trend -?\d+\.\d\d/);
    writeJson(dir, 'not-one.json', []);
    const bad = await runCliAsync(['evaluate', '--from', '2024-01-01', '--to', '2024-02-01', '--calibration', 'not-one.json'], { cwd: dir });
    expect([bad.code, bad.stderr.trim()]).to.deep.equal([2, `ARGO_ERR_CALIBRATION: --calibration: ${path.join(dir, 'not-one.json')} is not a calibration of version 1 (write one with argo-signals calibrate)`]);
  });

  it('refuses a file that is no calibration, or one fitted on other sources, naming consensus.calibration and the file (exit 2)', async () => {
    writeJson(dir, 'junk.json', { hello: 1 });
    const junk = await runCliAsync(['replay', '--from', '2024-01-01', '--to', '2024-02-01', '--set', 'storage.plugin=memory', '--set', 'consensus.calibration=junk.json'], { cwd: dir });
    expect(junk.code).to.equal(2);
    expect(junk.stderr).to.contain(`ARGO_ERR_CALIBRATION: consensus.calibration: ${path.join(dir, 'junk.json')} is not a calibration of version 1`);
    const other = await runCliAsync(['replay', '--from', '2024-01-01', '--to', '2024-02-01', '--set', 'storage.plugin=memory', '--set', 'consensus.calibration=cal.json', '--set', 'sources=[{"name":"trend","plugin":"technical-trend","weight":1}]'], { cwd: dir });
    expect(other.code).to.equal(2);
    expect(other.stderr).to.contain('was fitted on other sources (trend, macd, momentum, volatility, volume) or other source settings than this config\'s (trend)');
  });
});
