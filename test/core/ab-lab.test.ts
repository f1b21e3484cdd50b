import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, findRealData, runCli, tempDir } from '../helpers';

const DATA = findRealData();
const RANGE = DATA === undefined ? ['--from', '2024-01-01', '--to', '2024-12-31'] : ['--from', '2017-01-01', '--to', '2017-12-31'];
const DATA_ARGS = DATA === undefined ? [] : ['--data', DATA, '--symbols', 'AAPL,AMZN,BA,CAT,CHK,ABBV,ADBE,AIG'];
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((file) => existsSync(file));

function lab(args: string[]) {
  const result = runCli([...args, ...DATA_ARGS, ...RANGE]);
  return { ...result, report: result.code === 0 && args.includes('--json') ? JSON.parse(result.stdout) : undefined };
}

describe('A/B lab', function () {
  this.timeout(180000);

  it('ab compares arms on identical symbol-days: bound agrees fully with none, a lossy arm saves calls and loses recall', () => {
    const { code, stderr, report } = lab(['ab', '--json', '--arm', 'all:earlyExit.strategy=none', '--arm', 'bound:earlyExit.strategy=bound', '--arm', 'staged:earlyExit.strategy=staged,earlyExit.stage1Min=60']);
    expect(code, stderr).to.equal(0);
    expect(report.baseline).to.equal('all');
    const [all, bound, staged] = report.arms;
    expect(report.arms.map((a: { name: string }) => a.name)).to.deep.equal(['all', 'bound', 'staged']);
    expect(all.signals).to.be.greaterThan(10);
    expect(bound.agreement).to.deep.equal({ precision: 1, recall: 1, jaccard: 1 });
    expect(bound.sourceCalls.savedPercent).to.be.greaterThan(20);
    expect(bound.differences.meanR.estimate).to.equal(0);
    expect(staged.sourceCalls.savedPercent).to.be.greaterThan(0);
    expect(staged.agreement.recall).to.be.below(1);
    expect(staged.agreement.precision).to.equal(1);
    for (const metric of ['callsPerSymbol', 'signalsPerDay', 'winRate', 'meanR']) {
      const d = staged.differences[metric];
      expect(d.ci95[0], metric).to.be.at.most(d.ci95[1]);
      expect(d.pHolm, metric).to.be.at.least(d.p);
    }
    expect(all.differences).to.deep.equal({});
    expect(all.outcomes.scored).to.equal(all.outcomes.wins + all.outcomes.losses + all.outcomes.expired);
    expect(all.latencyMs.perCycle.p95).to.be.at.least(all.latencyMs.perCycle.p50);
  });

  it('ab and sweep take an ordinary config with a SQLite storage path: arms keep memory storage and write no file', () => {
    const dir = tempDir();
    const config = path.join(ROOT, 'config', 'examples', 'live-service.json');
    for (const args of [['ab', '--arm', 'a:consensus.minConfidence=60', '--arm', 'b:consensus.minConfidence=75'], ['sweep', '--param', 'consensus.minConfidence', '--values', '60,75']]) {
      const result = runCli([...args, '--config', config, '--json', ...DATA_ARGS, ...RANGE], { cwd: dir });
      expect(result.code, result.stderr).to.equal(0);
      expect(JSON.parse(result.stdout).arms).to.have.length(2);
    }
    expect(existsSync(path.join(ROOT, 'config', 'examples', 'data')), 'no database beside the example').to.equal(false);
  });

  it('sweep makes one arm per value; a higher threshold keeps a subset of the signals', () => {
    const { code, stderr, report } = lab(['sweep', '--json', '--param', 'consensus.minConfidence', '--values', '70,85']);
    expect(code, stderr).to.equal(0);
    const [low, high] = report.arms;
    expect(low.name).to.equal('consensus.minConfidence=70');
    expect(high.signals).to.be.below(low.signals);
    expect(high.agreement.precision).to.equal(1);
  });

  it('refuses malformed arms with exit code 2', () => {
    const cases: [string[], string][] = [
      [['ab', '--arm', 'only:earlyExit.strategy=none'], 'at least two arms'],
      [['ab', '--arm', 'a:earlyExit.strategy', '--arm', 'b:'], 'not key=value'],
      [['ab', '--arm', 'a:', '--arm', 'b:', '--baseline', 'c'], 'is not an arm'],
      [['ab', '--arm', 'a:', '--arm', 'a:'], 'must differ'],
      [['ab', '--arm', 'a:', '--arm', 'b:earlyExit.strategi=bound'], 'ARGO_ERR_CONFIG_INVALID'],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = lab(args);
      expect(code, args.join(' ')).to.equal(2);
      expect(stderr, args.join(' ')).to.contain(message);
    }
  });

  it('writes an HTML report whose five charts render in headless Chromium, without a settings column that repeats the arm names', function () {
    if (CHROMIUM === undefined) {
      console.log('    (chromium not installed: skipped; .ci/run installs it)');
      this.skip();
    }
    const dir = tempDir();
    const { code, stderr } = lab(['sweep', '--param', 'earlyExit.strategy', '--values', 'none,bound,incremental', '--report', dir]);
    expect(code, stderr).to.equal(0);
    expect(JSON.parse(readFileSync(path.join(dir, 'ab-report.json'), 'utf8')).arms).to.have.length(3);
    const browser = spawnSync(
      CHROMIUM!,
      [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        `--user-data-dir=${mkdtempSync(path.join(tmpdir(), 'argo-chromium-'))}`,
        '--dump-dom',
        `file://${path.join(dir, 'ab-report.html')}`,
      ],
      { encoding: 'utf8', timeout: 60000 },
    );
    expect(browser.stdout, browser.stderr).to.match(/data-charts-rendered="5"/);
    const ink = /data-chart-ink="([\d,]+)"/.exec(browser.stdout)![1].split(',').map(Number);
    expect(ink).to.have.length(5);
    expect(browser.stdout, 'a sweep names each arm by its setting: no column repeating it').to.not.contain('<th>settings</th>');
    for (const painted of ink) expect(painted).to.be.greaterThan(1000);
  });
});
