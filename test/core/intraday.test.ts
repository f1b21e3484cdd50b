import { expect } from 'chai';
import path from 'node:path';
import { loadConfig } from '../../core/config/config-loader';
import { BarView } from '../../core/domain/bar-view';
import { parseBarsCsv } from '../../core/domain/bars-csv';
import type { Bar } from '../../core/domain/domain';
import { Run } from '../../core/engine/run';
import type { Source } from '../../core/plugin-system/plugin-contracts';
import { testContext } from '../../core/testing/test-context';
import { createLogger } from '../../core/util/logger';
import alpacaBars from '../../plugins/market-data/providers/alpaca-bars';
import syntheticBarsPlugin from '../../plugins/market-data/synthetic-bars';
import { builtinPlugins } from '../../plugins';
import { alpacaServer } from '../../bench/providers/provider-servers';
import { builtinRegistry, runCli, tempDir } from '../helpers';
import type { MarketData } from '../../core/plugin-system/plugin-contracts';

const HEADER = 'datetime,open,high,low,close,volume';

/** 5-minute bars of `symbol` from the generator, as the run would load them. */
async function fiveMinuteBars(symbol: string, count: number): Promise<Bar[]> {
  const data = (await syntheticBarsPlugin.create(testContext(syntheticBarsPlugin, { options: { days: count, endDate: '2024-06-28' }, timeframe: '5m' }))) as MarketData;
  return [...(await data.load(symbol)).bars];
}

describe('intraday bars (data.timeframe)', function () {
  this.timeout(60_000);

  it('reads a CSV datetime column as UTC timestamps on the timeframe grid; a daily run takes the date of the same column', () => {
    const csv = [
      HEADER,
      '2024-06-03 13:30,10,11,9,10.5,100',
      '2024-06-03T13:35:00Z,10.5,11,10,10.8,100',
      '2024-06-03T09:40:00-04:00,10.8,11,10,10.9,100',
      '2024-06-03 13:47,10,11,9,10,100',
      'not a time,10,11,9,10,100',
    ].join('\n');
    const { bars, malformedRows } = parseBarsCsv(csv, 'x.csv', '5m');
    expect(bars.map((b) => b.date)).to.deep.equal(['2024-06-03T13:30:00Z', '2024-06-03T13:35:00Z', '2024-06-03T13:40:00Z']);
    expect(malformedRows, '13:47 is off the 5-minute grid; "not a time" is no time').to.equal(2);
    const daily = parseBarsCsv(['date,open,high,low,close,volume', '2024-06-03 16:00,10,11,9,10,100'].join('\n'), 'd.csv');
    expect(daily.bars.map((b) => b.date)).to.deep.equal(['2024-06-03']);
  });

  it('replays 5-minute bars bar by bar: signals as of ISO-8601 UTC timestamps, stored and queried by day', async () => {
    const dir = tempDir();
    const values = { 'data.timeframe': '5m', 'data.days': 900, 'data.endDate': '2024-06-28', 'consensus.minConfidence': 50, 'storage.path': path.join(dir, 's.db') };
    const run = await Run.create(loadConfig(builtinRegistry(), { values }), createLogger('silent'));
    const { results, stats } = await run.replay({ from: '2024-06-28', to: '2024-06-28', keepResults: true });
    await run.close();
    // One cycle a bar: a day of 5-minute bars around the clock is 288.
    expect(stats.cycles).to.equal(288);
    expect(results[0].asOf).to.equal('2024-06-28T00:00:00Z');
    expect(results.at(-1)!.asOf).to.equal('2024-06-28T23:55:00Z');
    const signals = results.filter((r) => r.signal !== null);
    expect(signals.length).to.be.greaterThan(0);
    expect(signals.every((r) => /^2024-06-28T\d{2}:\d{2}:00Z$/.test(r.signal!.asOf))).to.equal(true);
    const listed = runCli(['signals', '--db', path.join(dir, 's.db'), '--from', '2024-06-28', '--to', '2024-06-28', '--limit', '10000', '--json']);
    expect(listed.code, listed.stderr).to.equal(0);
    expect(JSON.parse(listed.stdout)).to.have.length(stats.signals);
  });

  it('never looks ahead on 5-minute bars: every technical source answers alike on a series that ends at that bar', async () => {
    const bars = await fiveMinuteBars('ACME', 400);
    const full = { symbol: 'ACME', bars, malformedRows: 0 };
    for (const definition of builtinPlugins.filter((p) => p.kind === 'source' && p.name.startsWith('technical-'))) {
      const make = async () => (await definition.create(testContext(definition, { timeframe: '5m' }))) as Source;
      const onFull = await make();
      for (const at of [60, 150, 250, 399]) {
        const cut = { symbol: 'ACME', bars: bars.slice(0, at + 1), malformedRows: 0 };
        const ask = (source: Source, series: typeof full) => source.opinion({ symbol: 'ACME', asOf: bars[at].date, bars: BarView.upTo(series, at), signal: new AbortController().signal });
        expect(await ask(onFull, full), `${definition.name} at ${bars[at].date}`).to.deep.equal(await ask(await make(), cut));
      }
    }
  });

  it('fetches intraday bars from a provider (alpaca-bars, timeframe 5Min) with the same keys as the generator', async () => {
    const bars = await fiveMinuteBars('ACME', 500);
    const server = await alpacaServer(new Map([['ACME', bars]]), 200, { id: 'k', secret: 's' });
    try {
      const data = (await alpacaBars.create(
        testContext(alpacaBars, { options: { baseUrl: server.url, start: '2024-01-01', retryBaseMs: 5 }, env: { APCA_API_KEY_ID: 'k', APCA_API_SECRET_KEY: 's' }, timeframe: '5m' }),
      )) as MarketData;
      const loaded = await data.load('ACME');
      expect(loaded.bars).to.deep.equal(bars);
      expect(new URL(server.requests[0].url, server.url).searchParams.get('timeframe')).to.equal('5Min');
      const after = await data.loadAfter!('ACME', bars[400]);
      expect(new URL(server.requests.at(-1)!.url, server.url).searchParams.get('start')).to.equal(bars[401].date);
      expect(after!.bars).to.deep.equal(bars.slice(401));
    } finally {
      await server.close();
    }
  });
});
