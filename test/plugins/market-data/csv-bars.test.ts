import { expect } from 'chai';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ArgoError } from '../../../core/errors/errors';
import type { MarketData } from '../../../core/plugin-system/plugin-contracts';
import { parseBarsCsv } from '../../../core/domain/bars-csv';
import csvBars from '../../../plugins/market-data/csv-bars';
import { argoErrorOf, findRealData, runCli, tempDir } from '../../helpers';

async function open(dir: string): Promise<MarketData> {
  return csvBars.create({ options: { dir }, resolvePath: (p: string) => path.resolve(p) } as never) as Promise<MarketData>;
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  return (await argoErrorOf(() => promise)).code;
}

describe('csv-bars market data', () => {
  it('reads columns in any order and case, ignores extra columns, sorts rows by date', () => {
    const csv = ['Name,VOLUME,Close,timestamp,Low,High,Open,adj_close', 'X,100,11,2020-01-03,9,12,10,11', 'X,200,10,2020-01-02T00:00:00Z,9,11,10,10'].join('\n');
    const { bars, malformedRows } = parseBarsCsv(csv, 'x.csv');
    expect(malformedRows).to.equal(0);
    expect(bars).to.deep.equal([
      { date: '2020-01-02', open: 10, high: 11, low: 9, close: 10, volume: 200 },
      { date: '2020-01-03', open: 10, high: 12, low: 9, close: 11, volume: 100 },
    ]);
  });

  it('skips and counts malformed rows: empty or non-numeric fields, high below low, bad and duplicate dates', () => {
    const csv = [
      'date,open,high,low,close,volume',
      '2020-01-02,10,11,9,10,100',
      '2020-01-03,,,,10,3',
      '2020-01-06,10,abc,9,10,100',
      '2020-01-07,10,8,9,10,100',
      '2020-13-40,10,11,9,10,100',
      '2020-01-02,10,11,9,10,999',
      '2020-01-08,10,11,9,10',
      '2020-01-09,10,11,9,10,100',
    ].join('\n');
    const { bars, malformedRows } = parseBarsCsv(csv, 'x.csv');
    expect(bars.map((b) => b.date)).to.deep.equal(['2020-01-02', '2020-01-09']);
    expect(bars[0].volume).to.equal(100);
    expect(malformedRows).to.equal(6);
  });

  it('fails with the file named when the header lacks a column', () => {
    try {
      parseBarsCsv('date,open,high,low,close\n2020-01-02,1,1,1,1', 'NOVOL.csv');
      expect.fail('should throw');
    } catch (error) {
      expect((error as ArgoError).code).to.equal('ARGO_ERR_DATA_HEADER');
      expect((error as Error).message).to.contain('NOVOL.csv').and.contain('volume');
    }
  });

  it('lists symbols from file names and loads a dotted symbol', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'BRK.B.csv'), 'date,open,high,low,close,volume\n2020-01-02,1,2,1,2,5\n');
    writeFileSync(path.join(dir, 'notes.txt'), 'not data');
    const data = await open(dir);
    expect(await data.symbols()).to.deep.equal(['BRK.B']);
    expect((await data.load('BRK.B')).bars).to.have.length(1);
    expect(await codeOf(data.load('MISSING'))).to.equal('ARGO_ERR_DATA_SYMBOL_MISSING');
  });

  it('refuses a missing folder', async () => {
    expect(await codeOf(open(path.join(tempDir(), 'nope')))).to.equal('ARGO_ERR_DATA_NOT_FOUND');
  });

  it('loads the real data, counting the malformed BHF row', async function () {
    const dir = findRealData();
    if (dir === undefined) {
      console.log('    (../shared/data absent: skipped)');
      this.skip();
    }
    const data = await open(dir!);
    const symbols = await data.symbols();
    expect(symbols).to.have.length(100);
    expect(symbols).to.include.members(['BF.B', 'BRK.B', 'AAPL']);
    const bhf = await data.load('BHF');
    expect(bhf.malformedRows).to.equal(1);
    expect((await data.load('AAPL')).bars).to.have.length(1259);
  });
});

describe('csv-bars parsing of quoted files', () => {
  it('reads quoted fields with commas, a BOM and CRLF line ends', () => {
    const csv = '\uFEFFdate,open,high,low,close,volume,name\r\n2020-01-02,10,11,9,10,100,"Acme, Inc."\r\n';
    const { bars, malformedRows } = parseBarsCsv(csv, 'q.csv');
    expect(malformedRows).to.equal(0);
    expect(bars).to.deep.equal([{ date: '2020-01-02', open: 10, high: 11, low: 9, close: 10, volume: 100 }]);
    expect(parseBarsCsv(csv.replace(',"Acme, Inc."', ''), 'u.csv').bars).to.deep.equal(bars);
  });

  it('refuses a symbolic link to a file outside data.dir, naming the link and never echoing the target', async () => {
    const dir = tempDir();
    symlinkSync('/etc/passwd', path.join(dir, 'PW.csv'));
    writeFileSync(path.join(dir, 'OK.csv'), 'date,open,high,low,close,volume\n2020-01-02,10,11,9,10,100\n');
    mkdirSync(path.join(dir, 'real'));
    writeFileSync(path.join(dir, 'real', 'IN.csv'), 'date,open,high,low,close,volume\n2020-01-02,10,11,9,10,100\n');
    symlinkSync(path.join(dir, 'real', 'IN.csv'), path.join(dir, 'IN.csv'));
    const data = await open(dir);
    const error = await argoErrorOf(() => data.load('PW'));
    expect(error.code).to.equal('ARGO_ERR_DATA_OUTSIDE');
    expect(error.message).to.contain(path.join(dir, 'PW.csv')).and.not.contain('root:');
    expect((await data.load('IN')).bars).to.have.length(1);
  });

  it('quotes at most a short escaped excerpt of a binary or huge header', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'BIN.csv'), Buffer.concat([Buffer.from([0x1b, 0x5b, 0x32, 0x4a, 0x07, 0x00, 0x7f]), Buffer.alloc(500, 0x41)]));
    const error = await argoErrorOf(async () => (await open(dir)).load('BIN'));
    expect(error.code).to.equal('ARGO_ERR_DATA_HEADER');
    // eslint-disable-next-line no-control-regex
    expect(error.message).to.not.match(/[\x00-\x08\x0b-\x1f\x7f]/);
    expect(error.message).to.contain('\\x1b[2J\\x07\\x00\\x7f');
    expect(error.message.length).to.be.below(400);
  });

  it('reads files with CR-only line endings as it reads LF and CRLF ones', () => {
    const rows = ['date,open,high,low,close,volume', '2020-01-02,10,11,9,10,100', '2020-01-03,10,12,9,11,100'];
    for (const ending of ['\r', '\r\n', '\n']) {
      expect(parseBarsCsv(rows.join(ending), 'x.csv').bars, JSON.stringify(ending)).to.have.length(2);
      expect(parseBarsCsv(`${rows.join(ending)}\n"q",1`, 'x.csv').bars, `quoted, ${JSON.stringify(ending)}`).to.have.length(2);
    }
  });

  it('reports a symbol with a header-only file as having no bars, counted and warned, and evaluates the others once each', async () => {
    const dir = tempDir();
    writeFileSync(path.join(dir, 'EMPTY.csv'), 'date,open,high,low,close,volume\n');
    writeFileSync(path.join(dir, 'OK.csv'), ['date,open,high,low,close,volume', ...Array.from({ length: 40 }, (_, i) => `2020-02-${String(i % 28 + 1).padStart(2, '0')},10,11,9,10,100`)].join('\n'));
    const { code, stdout, stderr } = runCli(['replay', '--data', dir, '--from', '2020-01-01', '--to', '2020-12-31', '--symbols', 'OK,EMPTY,OK', '--set', 'storage.plugin=memory', '--json']);
    expect(code, stderr).to.equal(0);
    const stats = JSON.parse(stdout);
    expect(stats.symbolsWithoutBars).to.deep.equal(['EMPTY']);
    expect(stats.symbolsEvaluated).to.equal(28);
    expect(stderr).to.contain('symbol has no bars').and.contain('EMPTY').and.contain('evaluated once');
  });
});
