import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../core/config/config-loader';
import { parseBarsCsv } from '../../../core/domain/bars-csv';
import type { Bar } from '../../../core/domain/domain';
import { Run } from '../../../core/engine/run';
import type { PluginDefinition } from '../../../core/plugin-system/define-plugin';
import type { MarketData } from '../../../core/plugin-system/plugin-contracts';
import { testContext } from '../../../core/testing/test-context';
import { createLogger } from '../../../core/util/logger';
import { weekdaysEndingAt } from '../../../core/domain/weekdays';
import alpacaBars from '../../../plugins/market-data/providers/alpaca-bars';
import binanceKlines from '../../../plugins/market-data/providers/binance-klines';
import massiveAggs from '../../../plugins/market-data/providers/massive-aggs';
import { syntheticBars } from '../../../plugins/market-data/synthetic-bars';
import { BarCache, withBarCache } from '../../../plugins/market-data/providers/bar-cache';
import { argoErrorOf, builtinRegistry, findRealData, runCliAsync, tempDir } from '../../helpers';
import { alpacaServer, binanceServer, massiveServer, type ProviderServer } from '../../../bench/providers/provider-servers';

const SYMBOLS = ['AAPL', 'ABBV', 'ADBE'];
const KEYS = { id: 'PKTEST0123456789', secret: 'sk-alpaca-secret-5f2e9c1d7a' };
const MASSIVE_KEY = 'mk-massive-key-8c41b2e7f0';
const ENV = { APCA_API_KEY_ID: KEYS.id, APCA_API_SECRET_KEY: KEYS.secret, MASSIVE_API_KEY: MASSIVE_KEY };
/** Fast retries for tests; the limits stay far above what a test asks. */
const POLICY = { perMinute: 100_000, retryBaseMs: 10, timeoutMs: 300 };

/** The bars of SYMBOLS: the real files when ../shared/data is there, generated ones (written as CSV) otherwise. */
function sourceBars(): { dir: string; bars: Map<string, Bar[]>; first: string } {
  const real = findRealData();
  const dir = real ?? tempDir();
  const bars = new Map<string, Bar[]>();
  for (const symbol of SYMBOLS) {
    if (real === undefined) {
      const generated = syntheticBars(symbol, 3, weekdaysEndingAt('2018-02-07', 1259));
      writeFileSync(path.join(dir, `${symbol}.csv`), ['date,open,high,low,close,volume', ...generated.map((b) => [b.date, b.open, b.high, b.low, b.close, b.volume].join(','))].join('\n'));
    }
    bars.set(symbol, parseBarsCsv(readFileSync(path.join(dir, `${symbol}.csv`), 'utf8'), symbol).bars);
  }
  return { dir, bars, first: bars.get('AAPL')![0].date };
}

const { dir: CSV_DIR, bars: BARS, first: FIRST } = sourceBars();

async function open(definition: PluginDefinition<'market-data'>, options: Record<string, unknown>, env: Record<string, string> = ENV): Promise<MarketData> {
  return (await definition.create(testContext(definition, { options: { ...POLICY, start: FIRST, ...options }, env }))) as MarketData;
}

describe('market data from provider APIs (local servers speaking their documented JSON)', function () {
  this.timeout(60_000);
  const servers: ProviderServer[] = [];
  const serve = async (server: Promise<ProviderServer>) => {
    const started = await server;
    servers.push(started);
    return started;
  };
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });

  it('alpaca-bars: fetches the universe together over many pages, a symbol continuing across pages, with its keys in headers', async () => {
    const server = await serve(alpacaServer(BARS, 700, KEYS));
    const data = await open(alpacaBars, { baseUrl: server.url, symbols: SYMBOLS });
    for (const symbol of SYMBOLS) expect((await data.load(symbol)).bars, symbol).to.deep.equal(BARS.get(symbol));
    const total = SYMBOLS.reduce((n, s) => n + BARS.get(s)!.length, 0);
    expect(server.requests).to.have.length(Math.ceil(total / 700));
    expect(server.requests.length).to.be.at.least(3);
    // 700 is not a multiple of any symbol's bar count: some page ends in the middle of a symbol.
    expect(BARS.get('AAPL')!.length % 700).to.not.equal(0);
    expect(new URL(server.requests[0].url, server.url).searchParams.get('symbols')).to.equal(SYMBOLS.join(','));
  });

  it('binance-klines: pages by startTime over arrays with prices as strings', async () => {
    const server = await serve(binanceServer(BARS));
    const data = await open(binanceKlines, { baseUrl: server.url, pageLimit: 400 });
    expect((await data.load('AAPL')).bars).to.deep.equal(BARS.get('AAPL'));
    expect(server.requests.length).to.equal(Math.floor(BARS.get('AAPL')!.length / 400) + 1);
    const starts = server.requests.map((r) => Number(new URL(r.url, server.url).searchParams.get('startTime')));
    expect(starts).to.deep.equal([...starts].sort((a, b) => a - b));
  });

  it('massive-aggs: follows next_url with the key added, and never prints the key', async () => {
    const server = await serve(massiveServer(BARS, 500, MASSIVE_KEY));
    const data = await open(massiveAggs, { baseUrl: server.url });
    expect((await data.load('ABBV')).bars).to.deep.equal(BARS.get('ABBV'));
    expect(server.requests.length).to.be.at.least(3);
    expect(server.requests.every((r) => r.url.includes(`apiKey=${MASSIVE_KEY}`))).to.equal(true);
    server.faults.push({ status: 500 }, { status: 500 }, { status: 500 }, { status: 500 }, { status: 500 });
    const error = await argoErrorOf(() => open(massiveAggs, { baseUrl: server.url, retries: 4 }).then((d) => d.load('ABBV')));
    expect(error.code).to.equal('ARGO_ERR_DATA_PROVIDER');
    expect(error.message).to.contain('massive-aggs').and.contain(server.url).and.contain('HTTP 500').and.not.contain(MASSIVE_KEY);
  });

  it('waits as long as Retry-After asks after a 429 (no request before it), and retries a 500', async () => {
    const server = await serve(alpacaServer(BARS, 100_000, KEYS));
    const data = await open(alpacaBars, { baseUrl: server.url });
    server.faults.push({ status: 429, retryAfter: '1' }, { status: 500 });
    expect((await data.load('ADBE')).bars).to.deep.equal(BARS.get('ADBE'));
    const [limited, failed, answered] = server.requests;
    expect(failed.at - limited.at, 'the retry after the 429').to.be.at.least(1000);
    expect(answered.at).to.be.at.least(failed.at);
    expect(server.requests).to.have.length(3);
  });

  it('retries a cut-off body and a request that hangs past its timeout', async () => {
    const server = await serve(alpacaServer(BARS, 100_000, KEYS));
    const data = await open(alpacaBars, { baseUrl: server.url });
    server.faults.push('truncate', 'hang');
    expect((await data.load('AAPL')).bars).to.deep.equal(BARS.get('AAPL'));
    expect(server.requests).to.have.length(3);
    server.faults.push('hang', 'hang');
    const error = await argoErrorOf(() => open(alpacaBars, { baseUrl: server.url, retries: 1 }).then((d) => d.load('AAPL')));
    expect(error.message).to.contain('alpaca-bars').and.contain('no answer within 300 ms').and.not.contain(KEYS.secret);
  });

  it('skips and counts a bar with high below low; an unknown symbol has no bars (binance: a coded error naming it)', async () => {
    const broken = new Map(BARS);
    const aapl = [...BARS.get('AAPL')!];
    aapl[10] = { ...aapl[10], high: aapl[10].low - 1 };
    broken.set('AAPL', aapl);
    const server = await serve(massiveServer(broken, 100_000, MASSIVE_KEY));
    const loaded = await (await open(massiveAggs, { baseUrl: server.url })).load('AAPL');
    expect(loaded.malformedRows).to.equal(1);
    expect(loaded.bars).to.deep.equal(BARS.get('AAPL')!.filter((_, i) => i !== 10));
    expect((await (await open(massiveAggs, { baseUrl: server.url })).load('NOPE')).bars).to.deep.equal([]);
    const alpaca = await serve(alpacaServer(BARS, 1000, KEYS));
    expect((await (await open(alpacaBars, { baseUrl: alpaca.url })).load('NOPE')).bars).to.deep.equal([]);
    const binance = await serve(binanceServer(BARS));
    const error = await argoErrorOf(() => open(binanceKlines, { baseUrl: binance.url }).then((d) => d.load('NOPE')));
    expect(error.message).to.contain('binance-klines').and.contain('symbol=NOPE').and.contain('Invalid symbol');
  });

  it('keeps finished bars in a local cache: after a restart only the bars after the last cached one are asked for', async () => {
    const cache = path.join(tempDir(), 'bars', 'cache.db');
    const shorter = new Map([...BARS].map(([symbol, bars]) => [symbol, bars.slice(0, -5)]));
    const before = await serve(alpacaServer(shorter, 1000, KEYS));
    const cold = await open(alpacaBars, { baseUrl: before.url, symbols: SYMBOLS, cache: { path: cache } });
    for (const symbol of SYMBOLS) expect((await cold.load(symbol)).bars).to.deep.equal(shorter.get(symbol));
    await cold.close!();
    // A restart on the next days: five more bars a symbol on the server.
    const after = await serve(alpacaServer(BARS, 1000, KEYS));
    const warm = await open(alpacaBars, { baseUrl: after.url, symbols: SYMBOLS, cache: { path: cache } });
    for (const symbol of SYMBOLS) expect((await warm.load(symbol)).bars, symbol).to.deep.equal(BARS.get(symbol));
    expect(after.requests.map((r) => r.url), 'one request a symbol').to.have.length(SYMBOLS.length);
    const starts = after.requests.map((r) => new URL(r.url, after.url).searchParams.get('start'));
    expect(starts[0]! > shorter.get('AAPL')!.at(-1)!.date, 'asks only after the last cached bar').to.equal(true);
    await warm.close!();
    // Another feed is another cache: nothing of the iex bars is served for sip.
    const sip = await open(alpacaBars, { baseUrl: after.url, symbols: ['AAPL'], feed: 'sip', cache: { path: cache } });
    await sip.load('AAPL');
    expect(new URL(after.requests.at(-1)!.url, after.url).searchParams.get('start')).to.equal(FIRST);
    await sip.close!();
  });

  it('alpaca-bars asks for the whole universe in one paged request when the run prepares its loads: warm from the cache, and each live cycle', async () => {
    const cache = path.join(tempDir(), 'bars', 'cache.db');
    const older = new Map([...BARS].map(([symbol, bars]) => [symbol, bars.slice(0, -10)]));
    const first = await serve(alpacaServer(older, 1000, KEYS));
    const run = async (url: string, body: (run: Run) => Promise<void>) => {
      const values = { symbols: SYMBOLS, 'storage.plugin': 'memory', 'data.plugin': 'alpaca-bars', 'data.baseUrl': url, 'data.symbols': SYMBOLS, 'data.start': FIRST, 'data.cache.path': cache, 'data.perMinute': 100_000 };
      const live = await Run.create(loadConfig(builtinRegistry(), { values, env: ENV }), createLogger('silent'));
      try {
        await body(live);
      } finally {
        await live.close();
      }
    };
    await run(first.url, (live) => live.cycle().then(() => undefined));
    // A restart five days on, from the cache: one request for the three symbols, after the last cached bar.
    const five = new Map([...BARS].map(([symbol, bars]) => [symbol, bars.slice(0, -5)]));
    const warm = await serve(alpacaServer(five, 1000, KEYS));
    await run(warm.url, async (live) => {
      await live.cycle();
      expect(warm.requests, 'one request for the universe').to.have.length(1);
      const query = new URL(warm.requests[0].url, warm.url).searchParams;
      expect(query.get('symbols')).to.equal(SYMBOLS.join(','));
      expect(query.get('start')! > older.get('AAPL')!.at(-1)!.date).to.equal(true);
      for (const symbol of SYMBOLS) expect(live.seriesOf(symbol)!.length).to.equal(five.get(symbol)!.length);
      // The next cycle asks once more for the universe, after the bars it holds.
      await live.cycle();
      expect(warm.requests).to.have.length(2);
    });
  });

  it('fails on a page that is JSON but not the documented shape, naming the provider and the URL without credentials', async () => {
    const massive = await serve(massiveServer(BARS, 1000, MASSIVE_KEY));
    massive.faults.push({ body: { status: 'OK', results: 'not a list' } });
    const error = await argoErrorOf(() => open(massiveAggs, { baseUrl: massive.url }).then((d) => d.load('AAPL')));
    expect(error.code).to.equal('ARGO_ERR_DATA_PROVIDER');
    expect(error.message).to.contain('massive-aggs').and.contain('not the documented shape').and.contain('apiKey=REDACTED').and.not.contain(MASSIVE_KEY);
    const alpaca = await serve(alpacaServer(BARS, 1000, KEYS));
    alpaca.faults.push({ body: { bars: { AAPL: 'x' } } });
    const other = await argoErrorOf(() => open(alpacaBars, { baseUrl: alpaca.url }).then((d) => d.load('AAPL')));
    expect(other.message).to.contain('alpaca-bars').and.contain('"bars.AAPL" is not a list').and.not.contain(KEYS.secret);
    const binance = await serve(binanceServer(BARS));
    binance.faults.push({ body: { code: 0 } });
    expect((await argoErrorOf(() => open(binanceKlines, { baseUrl: binance.url }).then((d) => d.load('AAPL')))).message).to.contain('not a list of klines');
  });

  it('follows a redirect on its own host only: one to another host fails coded and receives no request, so no key goes there', async () => {
    const elsewhere = await serve(alpacaServer(BARS, 1000, KEYS));
    const other = elsewhere.url.replace('127.0.0.1', 'localhost');
    const alpaca = await serve(alpacaServer(BARS, 1000, KEYS));
    alpaca.faults.push({ status: 302, location: `${other}/v2/stocks/bars?symbols=AAPL` });
    const error = await argoErrorOf(() => open(alpacaBars, { baseUrl: alpaca.url }).then((d) => d.load('AAPL')));
    expect(error.code).to.equal('ARGO_ERR_DATA_REDIRECT');
    expect(error.message).to.contain('alpaca-bars').and.contain(new URL(other).origin).and.not.contain(KEYS.secret);
    const massive = await serve(massiveServer(BARS, 100_000, MASSIVE_KEY));
    massive.faults.push({ status: 307, location: `${other}/v2/aggs?apiKey=${MASSIVE_KEY}` });
    const coded = await argoErrorOf(() => open(massiveAggs, { baseUrl: massive.url }).then((d) => d.load('AAPL')));
    expect(coded.code).to.equal('ARGO_ERR_DATA_REDIRECT');
    expect(coded.message).to.not.contain(MASSIVE_KEY);
    expect(elsewhere.requests, 'the other host was never asked').to.deep.equal([]);
    // On the same host a redirect is followed, with the keys.
    const moved = await serve(alpacaServer(BARS, 100_000, KEYS));
    moved.faults.push({ status: 301, location: '/v2/stocks/bars?' + new URLSearchParams({ symbols: 'AAPL', timeframe: '1Day', start: FIRST, limit: '10000', adjustment: 'all', feed: 'iex' }) });
    expect((await (await open(alpacaBars, { baseUrl: moved.url })).load('AAPL')).bars).to.deep.equal(BARS.get('AAPL'));
    expect(moved.requests.map((r) => r.headers['apca-api-secret-key'])).to.deep.equal([KEYS.secret, KEYS.secret]);
  });

  it('fails coded and at once, without retrying, on a page over maxBodyBytes and a Retry-After over maxRetryWaitMs', async () => {
    const server = await serve(binanceServer(BARS));
    server.faults.push({ bytes: 4 * 1024 * 1024 });
    const large = await argoErrorOf(() => open(binanceKlines, { baseUrl: server.url, maxBodyBytes: 1024 * 1024 }).then((d) => d.load('AAPL')));
    expect(large.code).to.equal('ARGO_ERR_BODY_TOO_LARGE');
    expect(large.message).to.contain('binance-klines').and.contain('data.maxBodyBytes').and.contain('1048576');
    expect(server.requests).to.have.length(1);
    server.faults.push({ status: 429, retryAfter: '86400' });
    const started = Date.now();
    const patient = await argoErrorOf(() => open(binanceKlines, { baseUrl: server.url }).then((d) => d.load('AAPL')));
    expect(patient.code).to.equal('ARGO_ERR_DATA_PROVIDER');
    expect(patient.message).to.contain('86400 s').and.contain('data.maxRetryWaitMs');
    expect(server.requests).to.have.length(2);
    expect(Date.now() - started, 'no wait at all').to.be.below(5000);
  });

  it('stops paging, coded, when a provider repeats a next page it already gave', async () => {
    const alpaca = await serve(alpacaServer(BARS, 1000, KEYS));
    alpaca.faults.push({ body: { bars: {}, next_page_token: 'again' } }, { body: { bars: {}, next_page_token: 'again' } });
    const error = await argoErrorOf(() => open(alpacaBars, { baseUrl: alpaca.url }).then((d) => d.load('AAPL')));
    expect(error.message).to.contain('alpaca-bars').and.contain('repeats').and.not.contain(KEYS.secret);
    expect(alpaca.requests).to.have.length(2);
    const massive = await serve(massiveServer(BARS, 1000, MASSIVE_KEY));
    const same = `${massive.url}/v2/aggs/ticker/AAPL/range/1/day/0/1?cursor=x`;
    massive.faults.push({ body: { status: 'OK', results: [], next_url: same } }, { body: { status: 'OK', results: [], next_url: same } });
    expect((await argoErrorOf(() => open(massiveAggs, { baseUrl: massive.url }).then((d) => d.load('AAPL')))).message).to.contain('repeats');
    const binance = await serve(binanceServer(BARS));
    binance.faults.push({ body: Array.from({ length: 1000 }, () => [0, '1', '1', '1', '1', '1', 1]) });
    expect((await argoErrorOf(() => open(binanceKlines, { baseUrl: binance.url }).then((d) => d.load('AAPL')))).message).to.contain('paging stopped');
  });

  it('keeps the bar cache in order: bars a provider gives again or out of order are dropped and counted, and a disordered cache is loaded afresh', async () => {
    const file = path.join(tempDir(), 'cache.db');
    const bars = BARS.get('AAPL')!;
    let after: Bar[] = [];
    let loads = 0;
    const inner: MarketData = {
      symbols: async () => ['AAPL'],
      load: async () => (loads++, { symbol: 'AAPL', bars: bars.slice(0, 100), malformedRows: 0 }),
      loadAfter: async () => ({ symbol: 'AAPL', bars: after, malformedRows: 0 }),
    };
    const first = withBarCache(inner, await BarCache.open(file, 'test', {}));
    await first.load('AAPL');
    after = [bars[99], bars[50], bars[100], bars[100], bars[101]];
    const next = await first.loadAfter!('AAPL', bars[99]);
    expect(next).to.deep.equal({ symbol: 'AAPL', bars: [bars[100], bars[101]], malformedRows: 3 });
    await first.close!();
    after = [bars[101], bars[102]];
    const reopened = withBarCache(inner, await BarCache.open(file, 'test', {}));
    const loaded = await reopened.load('AAPL');
    expect(loaded.bars).to.deep.equal(bars.slice(0, 103));
    expect(loaded.malformedRows).to.equal(1);
    // A cache written out of order (by a version without these checks) is replaced by a full load.
    const cache = await BarCache.open(file, 'test', {});
    await cache.store('AAPL', [bars[10]]);
    after = [];
    const healed = withBarCache(inner, cache);
    expect((await healed.load('AAPL')).bars).to.deep.equal(bars.slice(0, 100));
    expect(loads).to.equal(2);
    await healed.close!();
  });

  it('keeps the keys out of the log and the error of a command whose provider keeps failing', async () => {
    const server = await serve(massiveServer(BARS, 1000, MASSIVE_KEY));
    server.faults.push(...Array.from({ length: 10 }, () => ({ status: 503 })));
    const dir = tempDir();
    const sets = ['data.plugin=massive-aggs', `data.baseUrl=${server.url}`, 'data.retries=2', 'data.retryBaseMs=5', 'symbols=AAPL', 'log.level=debug', 'storage.plugin=memory'];
    const child = await runCliAsync(['replay', '--from', '2017-01-01', '--to', '2017-01-31', ...sets.flatMap((s) => ['--set', s])], { cwd: dir, env: { MASSIVE_API_KEY: MASSIVE_KEY } });
    expect(child.code, child.stderr).to.equal(1);
    expect(child.stderr).to.contain('ARGO_ERR_DATA_PROVIDER').and.contain('apiKey=REDACTED');
    expect(child.stderr + child.stdout).to.not.contain(MASSIVE_KEY);
  });

  it('refuses to start without its credentials, naming the variable', async () => {
    expect((await argoErrorOf(() => open(alpacaBars, {}, { APCA_API_KEY_ID: 'x' }))).message).to.contain('APCA_API_SECRET_KEY');
    const error = await argoErrorOf(() => open(massiveAggs, { apiKeyEnv: 'MY_MASSIVE_KEY' }, {}));
    expect([error.code, error.exitCode]).to.deep.equal(['ARGO_ERR_DATA_CREDENTIALS', 2]);
    expect(error.message).to.contain('MY_MASSIVE_KEY').and.contain('data.apiKeyEnv');
  });

  it('a replay through each provider gives the same signals as the CSV replay of the same bars', async () => {
    const replay = async (values: Record<string, unknown>) => {
      const run = await Run.create(
        loadConfig(builtinRegistry(), { values: { symbols: SYMBOLS, 'storage.plugin': 'memory', 'consensus.minConfidence': 60, ...values }, env: ENV }),
        createLogger('silent'),
      );
      try {
        const { results } = await run.replay({ from: '2017-01-01', to: '2017-12-31', keepResults: true });
        return results.map((r) => `${r.symbol} ${r.asOf} ${r.signal?.id ?? r.rejection}`);
      } finally {
        await run.close();
      }
    };
    const csv = await replay({ 'data.dir': CSV_DIR });
    expect(csv.filter((line) => !line.includes('early-exit') && !line.includes('below')).length).to.be.greaterThan(10);
    const alpaca = await serve(alpacaServer(BARS, 1000, KEYS));
    const binance = await serve(binanceServer(BARS));
    const massive = await serve(massiveServer(BARS, 1000, MASSIVE_KEY));
    const common = { ...POLICY, 'data.start': FIRST };
    const prefixed = (values: Record<string, unknown>) => Object.fromEntries(Object.entries({ ...common, ...values }).map(([k, v]) => [k.startsWith('data.') ? k : `data.${k}`, v]));
    expect(await replay(prefixed({ 'data.plugin': 'alpaca-bars', 'data.baseUrl': alpaca.url, 'data.symbols': SYMBOLS }))).to.deep.equal(csv);
    expect(await replay(prefixed({ 'data.plugin': 'binance-klines', 'data.baseUrl': binance.url }))).to.deep.equal(csv);
    expect(await replay(prefixed({ 'data.plugin': 'massive-aggs', 'data.baseUrl': massive.url }))).to.deep.equal(csv);
  });
});
