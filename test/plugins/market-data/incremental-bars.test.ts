import { expect } from 'chai';
import { appendFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../../core/config/config-loader';
import type { Bar } from '../../../core/domain/domain';
import { Run } from '../../../core/engine/run';
import type { MarketData } from '../../../core/plugin-system/plugin-contracts';
import { ManualClock } from '../../../core/testing/manual-clock';
import { testContext } from '../../../core/testing/test-context';
import { createLogger } from '../../../core/util/logger';
import csvBars from '../../../plugins/market-data/csv-bars';
import syntheticBarsPlugin, { syntheticBars } from '../../../plugins/market-data/synthetic-bars';
import { builtinRegistry, tempDir } from '../../helpers';

const HEADER = 'date,open,high,low,close,volume';
const row = (bar: Bar) => [bar.date, bar.open, bar.high, bar.low, bar.close, bar.volume].join(',');

/** `count` synthetic bars of `symbol`, all but the last written as a CSV file in `dir`. */
function csvOf(dir: string, symbol: string, count: number): Bar[] {
  const bars = syntheticBars(symbol, 3, Array.from({ length: count }, (_, i) => new Date(Date.UTC(2020, 0, 1) + i * 86_400_000).toISOString().slice(0, 10)));
  writeFileSync(path.join(dir, `${symbol}.csv`), [HEADER, ...bars.slice(0, count - 1).map(row)].join('\n') + '\n');
  return bars;
}

describe('market data that loads only what is new (loadAfter)', () => {
  it('csv-bars: nothing without reading while size and mtime are unchanged; only the appended rows; null when an earlier bar was revised', async () => {
    const dir = tempDir();
    const bars = csvOf(dir, 'ACME', 300);
    const file = path.join(dir, 'ACME.csv');
    // A whole second, so that setting it again gives the very same mtime (sub-millisecond parts do not survive utimes).
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    const data = (await csvBars.create(testContext(csvBars, { options: { dir } }))) as MarketData;
    const loaded = await data.load('ACME');
    const last = loaded.bars.at(-1)!;
    expect(loaded.bars).to.have.length(299);
    expect((await data.loadAfter!('ACME', last))!.bars).to.deep.equal([]);
    // Same size and mtime, different bytes: not read again (what the size-and-mtime rule promises, and costs).
    const text = `${HEADER}\n${bars.slice(0, 299).map(row).join('\n')}\n`;
    writeFileSync(file, text.replace(/(\d)\n$/, (_, digit) => `${(Number(digit) + 1) % 10}\n`));
    utimesSync(file, 1_700_000_000, 1_700_000_000);
    expect((await data.loadAfter!('ACME', last))!.bars).to.deep.equal([]);
    writeFileSync(file, text);
    appendFileSync(file, `${row(bars[299])}\n`);
    expect((await data.loadAfter!('ACME', last))!.bars).to.deep.equal([bars[299]]);
    writeFileSync(file, text.replace(row(last), row({ ...last, close: last.close + 1 })));
    expect(await data.loadAfter!('ACME', last), 'the bar it continues from changed').to.equal(null);
  });

  it('synthetic-bars: one more trading day each barEveryMs of the run clock, continuing the same seeded series', async () => {
    const clock = new ManualClock();
    const data = (await syntheticBarsPlugin.create(testContext(syntheticBarsPlugin, { options: { days: 50, endDate: '2024-12-27', barEveryMs: 1000 }, now: clock.now, seed: 5 }))) as MarketData;
    const first = await data.load('ACME');
    expect(first.bars.at(-1)!.date).to.equal('2024-12-27');
    clock.advance(999);
    expect((await data.loadAfter!('ACME', first.bars.at(-1)!))!.bars).to.deep.equal([]);
    clock.advance(2001);
    const next = (await data.loadAfter!('ACME', first.bars.at(-1)!))!.bars;
    // Friday, then Monday and Tuesday: weekends skipped.
    expect(next.map((b) => b.date)).to.deep.equal(['2024-12-30', '2024-12-31', '2025-01-01']);
    const whole = syntheticBars('ACME', 5, [...first.bars.map((b) => b.date), ...next.map((b) => b.date)]);
    expect([...first.bars, ...next]).to.deep.equal(whole);
    expect(await data.loadAfter!('ACME', first.bars[10]), 'asked to continue from a bar it is not at').to.equal(null);
  });

  it('a run keeps each series across cycles and feeds the indicators only the new bar: the same signals as a fresh run on the whole file', async () => {
    const dir = tempDir();
    const symbols = ['ACME', 'BOLT', 'CRUX'];
    const all = symbols.map((symbol) => csvOf(dir, symbol, 300));
    const config = loadConfig(builtinRegistry(), { values: { 'data.dir': dir, 'storage.plugin': 'memory', 'consensus.minConfidence': 1, 'earlyExit.strategy': 'none' } });
    const live = await Run.create(config, createLogger('silent'));
    try {
      await live.cycle();
      const before = live.seriesOf('ACME');
      symbols.forEach((symbol, i) => appendFileSync(path.join(dir, `${symbol}.csv`), `${row(all[i][299])}\n`));
      const second = await live.cycle();
      expect(live.seriesOf('ACME'), 'the same series object, so incremental state carries over').to.equal(before);
      expect(before!.length).to.equal(300);
      const fresh = await Run.create(config, createLogger('silent'));
      try {
        const once = await fresh.cycle();
        expect(second.results.map((r) => [r.symbol, r.asOf, r.signal?.id ?? r.rejection])).to.deep.equal(once.results.map((r) => [r.symbol, r.asOf, r.signal?.id ?? r.rejection]));
      } finally {
        await fresh.close();
      }
    } finally {
      await live.close();
    }
  });

  it('refuses a loadAfter bar that is not after the last one held, naming the plugin', async () => {
    const registry = builtinRegistry();
    const bars = syntheticBars('ACME', 1, ['2024-01-01', '2024-01-02', '2024-01-03']);
    registry.register({
      ...syntheticBarsPlugin,
      name: 'backwards-bars',
      options: {},
      create: () => ({ symbols: async () => ['ACME'], load: async () => ({ symbol: 'ACME', bars, malformedRows: 0 }), loadAfter: async () => ({ symbol: 'ACME', bars: [bars[0]], malformedRows: 0 }) }),
    });
    const run = await Run.create(loadConfig(registry, { values: { 'data.plugin': 'backwards-bars', 'storage.plugin': 'memory' } }), createLogger('silent'));
    try {
      await run.cycle();
      const error = await run.cycle().catch((e: unknown) => e as Error);
      expect(error).to.have.property('code', 'ARGO_ERR_PLUGIN_CONTRACT');
      expect((error as Error).message).to.contain('backwards-bars').and.contain('2024-01-01');
    } finally {
      await run.close();
    }
  });

  it('loads as many symbols at once as the plugin takes, never more, and keeps the universe order whatever order they finish in', async () => {
    const registry = builtinRegistry();
    const symbols = ['AAA', 'BBB', 'CCC', 'DDD', 'EEE', 'FFF'];
    const dates = Array.from({ length: 80 }, (_, i) => new Date(Date.UTC(2024, 0, 1) + i * 86_400_000).toISOString().slice(0, 10));
    let inFlight = 0;
    let most = 0;
    const waiting: (() => void)[] = [];
    registry.register({
      ...syntheticBarsPlugin,
      name: 'parallel-bars',
      options: {},
      create: () => ({
        concurrentLoads: 3,
        symbols: async () => symbols,
        async load(symbol: string) {
          most = Math.max(most, ++inFlight);
          // Loads wait for each other three at a time (six symbols), then finish last first.
          await new Promise<void>((resolve) => {
            waiting.push(resolve);
            if (waiting.length === 3) while (waiting.length > 0) waiting.pop()!();
          });
          inFlight--;
          return { symbol, bars: syntheticBars(symbol, 7, dates), malformedRows: 0 };
        },
      }),
    });
    const run = await Run.create(loadConfig(registry, { values: { 'data.plugin': 'parallel-bars', 'storage.plugin': 'memory' } }), createLogger('silent'));
    try {
      const { results } = await run.cycle();
      expect(most, 'loads in flight at once').to.equal(3);
      expect(results.map((r) => r.symbol)).to.deep.equal(symbols);
      for (const symbol of symbols) expect(run.seriesOf(symbol)!.length, symbol).to.equal(dates.length);
    } finally {
      await run.close();
    }
  });

  it('refuses a concurrentLoads that is not a whole number from 1, naming the plugin', async () => {
    const registry = builtinRegistry();
    registry.register({
      ...syntheticBarsPlugin,
      name: 'greedy-bars',
      options: {},
      create: () => ({ concurrentLoads: 0.5, symbols: async () => ['ACME'], load: async () => ({ symbol: 'ACME', bars: [], malformedRows: 0 }) }),
    });
    const run = await Run.create(loadConfig(registry, { values: { 'data.plugin': 'greedy-bars', 'storage.plugin': 'memory' } }), createLogger('silent'));
    try {
      const error = await run.cycle().catch((e: unknown) => e as Error);
      expect(error).to.have.property('code', 'ARGO_ERR_PLUGIN_CONTRACT');
      expect((error as Error).message).to.contain('greedy-bars').and.contain('concurrentLoads');
    } finally {
      await run.close();
    }
  });
});
