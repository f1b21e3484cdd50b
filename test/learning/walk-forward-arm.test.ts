import { expect } from 'chai';
import path from 'node:path';
import { weekdaysEndingAt } from '../../core/domain/weekdays';
import { comparable, runCliAsync, tempDir, writeSyntheticCsvs } from '../helpers';
import type { Signal } from '../../core/domain/domain';

const SYMBOLS = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF', 'GGG', 'HHH'];
const DATES = weekdaysEndingAt('2021-12-31', 780);

/** Bar CSVs of every symbol up to `end` in a fresh folder: the same bars, the data ending sooner or later. */
function dataUpTo(end: string): string {
  return writeSyntheticCsvs(tempDir(), SYMBOLS, DATES, end);
}

const WALK_FORWARD = 'learning.walkForward.enabled=true,learning.walkForward.trainDates=150,learning.walkForward.testDates=60,learning.minSamples=100,consensus.minConfidence=0';

async function lab(data: string, db: string, extra: string[] = []) {
  const args = ['ab', '--data', data, '--symbols', SYMBOLS.join(','), '--from', '2020-01-01', '--to', '2020-12-31', '--json'];
  const result = await runCliAsync([...args, '--arm', 'fixed:consensus.minConfidence=75', '--arm', `refit:${WALK_FORWARD},storage.plugin=sqlite,storage.path=${db}`, ...extra]);
  return { ...result, report: result.code === 0 ? JSON.parse(result.stdout) : undefined };
}

async function signals(db: string) {
  const result = await runCliAsync(['signals', '--db', db, '--json']);
  expect(result.code, result.stderr).to.equal(0);
  return JSON.parse(result.stdout) as Signal[];
}

describe('A/B lab: walk-forward arms', function () {
  this.timeout(240_000);
  const dir = tempDir();

  it("refits before each test window; a window's signals are the same whether the data ends with the lab's range or a year later", async () => {
    const [later, sooner] = await Promise.all([lab(dataUpTo('2021-12-31'), path.join(dir, 'later.db')), lab(dataUpTo('2020-12-31'), path.join(dir, 'sooner.db'))]);
    expect(later.code, later.stderr).to.equal(0);
    expect(sooner.code, sooner.stderr).to.equal(0);
    const refit = later.report.arms[1];
    expect(refit.walkForward.map((w: { testFrom: string }) => w.testFrom)).to.deep.equal(['2020-01-01', '2020-03-25', '2020-06-17', '2020-09-09', '2020-12-02']);
    expect(refit.walkForward.every((w: { calibration: string | null }) => w.calibration !== null)).to.equal(true);
    // Each fit saw only outcomes resolved before its window: the data's end changes none of them.
    expect(sooner.report.arms[1].walkForward).to.deep.equal(refit.walkForward);

    const [a, b] = await Promise.all([signals(path.join(dir, 'later.db')), signals(path.join(dir, 'sooner.db'))]);
    expect(a.length).to.be.greaterThan(100);
    expect(comparable(b)).to.deep.equal(comparable(a));
    // Every signal carries the probability of its window's fit.
    for (const signal of a) {
      const window = refit.walkForward.findLast((w: { testFrom: string }) => w.testFrom <= signal.asOf);
      expect(signal.calibration, signal.asOf).to.equal(window.calibration);
      expect(signal.probability).to.be.within(0, 1);
    }

    // Brier, ECE and Rank IC beside win rate and mean R, compared with the baseline's by the paired bootstrap.
    for (const arm of later.report.arms) {
      expect(arm.quality.judged).to.be.greaterThan(0);
      expect(arm.quality.brier).to.be.within(0, 1);
      expect(arm.quality.ece).to.be.within(0, 1);
    }
    for (const metric of ['brier', 'ece', 'rankIc', 'winRate', 'meanR']) {
      const d = refit.differences[metric];
      expect(d.ci95[0], metric).to.be.at.most(d.ci95[1]);
      expect(d.pHolm, metric).to.be.at.least(d.p);
    }
    expect(refit.differences.brier.estimate).to.be.closeTo(refit.quality.brier - later.report.arms[0].quality.brier, 1e-9);
  });

  it('refuses a walk-forward arm with no trading date before --from, or sharded', async () => {
    const data = dataUpTo('2021-12-31');
    const early = await runCliAsync(['ab', '--data', data, '--symbols', 'AAA', '--from', '2000-01-01', '--to', '2019-06-30', '--arm', 'a:consensus.minConfidence=75', '--arm', `b:${WALK_FORWARD}`]);
    expect(early.code).to.equal(2);
    expect(early.stderr).to.match(/learning\.walkForward: no trading date before --from 2000-01-01 to train on \(the data starts 2019-01-07\)/);
    const sharded = await runCliAsync(['ab', '--data', data, '--symbols', 'AAA', '--from', '2020-01-01', '--to', '2020-03-31', '--processes', '1', '--arm', 'a:consensus.minConfidence=75', '--arm', `b:${WALK_FORWARD}`]);
    expect(sharded.code).to.equal(2);
    expect(sharded.stderr).to.match(/arm b: learning\.walkForward replays the arm in this process/);
  });
});
