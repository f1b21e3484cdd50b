import pLimit from 'p-limit';
import type { LoadedConfig } from '../config/config-loader';
import type { Bar, BarSeries } from '../domain/domain';
import { PackedSeries } from '../domain/packed-series';
import { assertSymbol } from '../domain/symbols';
import { ArgoError, isArgoError } from '../errors/errors';
import type { MarketData } from '../plugin-system/plugin-contracts';
import type { Logger } from '../util/logger';
import type { CycleStats } from './cycle-stats';

/** A symbol's answer from the market data: bars after the last held, its whole history, or the error it gave. */
type Fetched = { kind: 'newer' | 'loaded'; bars: BarSeries } | { kind: 'failed'; error: unknown };

/**
 * A run's bars: the universe it evaluates and each symbol's history, loaded whole the first
 * time and extended by what follows the last bar held (`loadAfter`) on later loads, so the
 * state sources keep by series carries over from cycle to cycle.
 */
export class SeriesLoader {
  readonly #series = new Map<string, PackedSeries>();
  /** One string per date for every series of the run. */
  readonly #dates = new Map<string, string>();
  /** Symbols skipped for want of bars that were said so: warned once a run, not once a cycle. */
  readonly #toldMissing = new Set<string>();

  constructor(
    private readonly config: LoadedConfig,
    private readonly marketData: MarketData,
    private readonly stats: CycleStats,
    private readonly logger: Logger,
    /** The symbols to evaluate instead of the configured universe (a shard's). */
    private readonly symbols: readonly string[] | undefined,
  ) {}

  /** The symbols the run evaluates, each once, in configured (or market data) order. */
  async universe(): Promise<string[]> {
    if (this.symbols !== undefined) return [...this.symbols];
    const configured = this.config.values.symbols;
    const symbols = [...new Set(configured.length > 0 ? configured : await this.marketData.symbols())];
    if (configured.length > symbols.length) {
      const twice = configured.filter((symbol, i) => configured.indexOf(symbol) !== i);
      this.logger.warn({ symbols: [...new Set(twice)] }, 'symbols listed more than once are evaluated once');
    }
    return symbols;
  }

  /** The full history of a symbol loaded so far. */
  seriesOf(symbol: string): PackedSeries | undefined {
    return this.#series.get(symbol);
  }

  /** Every trading date of the loaded history, ascending. */
  tradingDates(): string[] {
    return [...this.#dates.keys()].sort();
  }

  /** Loads (or extends) every symbol's history; symbols without bars are skipped, counted and said once a run, all of them is a coded error. */
  async load(): Promise<PackedSeries[]> {
    const { marketData, logger } = this;
    const series: PackedSeries[] = [];
    const universe = await this.universe();
    this.stats.symbolsWithoutBars.clear();
    let firstMissing: ArgoError | undefined;
    /** The newest bar the run holds of `symbol` when only what follows it is to be loaded; null for a full load. */
    const resumeFrom = (symbol: string): Bar | null => {
      const known = this.#series.get(symbol);
      return known !== undefined && known.length > 0 && marketData.loadAfter !== undefined ? known.at(known.length - 1) : null;
    };
    const requests = universe.map((symbol) => ({ symbol, after: resumeFrom(symbol) }));
    // A provider answering many symbols a request fetches the whole universe at once (one paged request a cycle, not one a symbol).
    await marketData.prepare?.(requests);
    // Symbols are read as many at once as the plugin takes (csv-bars: one file's reads overlap
    // another's parsing; read one at a time, the event loop sat idle a third of a 100-file load); their bars are taken in order.
    const limit = pLimit(this.#concurrentLoads());
    const answers = requests.map(({ symbol, after }) => limit(() => this.#fetch(symbol, after)));
    try {
      for (let i = 0; i < universe.length; i++) {
        const symbol = universe[i];
        const known = this.#series.get(symbol);
        const answer = await answers[i];
        if (answer.kind === 'newer') {
          this.#appendBars(known!, answer.bars.bars);
          this.stats.malformedRows += answer.bars.malformedRows;
          series.push(known!);
          continue;
        }
        if (answer.kind === 'failed') {
          if (!isArgoError(answer.error, 'ARGO_ERR_DATA_SYMBOL_MISSING')) throw answer.error;
          // One unknown symbol fails only itself: skipped, listed in the statistics, said once a run.
          const error = answer.error;
          firstMissing ??= error;
          this.#withoutBars(symbol, () => logger.warn({ symbol, err: error.message }, 'symbol skipped: the market data has no bars for it'));
          this.#series.delete(symbol);
          continue;
        }
        const loaded = answer.bars;
        this.stats.malformedRows += loaded.malformedRows;
        if (loaded.bars.length === 0) {
          this.#withoutBars(symbol, () => logger.warn({ symbol, malformedRows: loaded.malformedRows }, 'symbol has no bars (an empty or header-only file, or only malformed rows); it is not evaluated'));
        } else {
          this.#toldMissing.delete(symbol);
        }
        // Unchanged bars keep their series, so the state sources keep by it carries over to the next cycle.
        const packed = known !== undefined && known.holds(loaded) ? known : PackedSeries.of(loaded, this.#dates);
        this.#series.set(symbol, packed);
        series.push(packed);
      }
    } finally {
      // A load that failed the run leaves the reads not yet started unstarted.
      limit.clearQueue();
    }
    if (universe.length > 0 && this.stats.symbolsWithoutBars.size === universe.length) {
      const why = firstMissing === undefined ? 'every one has an empty file' : firstMissing.message.slice(`${firstMissing.code}: `.length);
      throw new ArgoError('ARGO_ERR_DATA_SYMBOL_MISSING', `none of the ${universe.length} symbols of the universe has bars (${why}); check symbols and data.dir`);
    }
    return series;
  }

  /** Counts `symbol` among this load's symbols without bars, and says so (`warn`) the first time this run. */
  #withoutBars(symbol: string, warn: () => void): void {
    this.stats.symbolsWithoutBars.add(symbol);
    if (!this.#toldMissing.has(symbol)) warn();
    this.#toldMissing.add(symbol);
  }

  /** How many loads the plugin takes at once, checked. */
  #concurrentLoads(): number {
    const concurrent = this.marketData.concurrentLoads ?? 1;
    if (Number.isInteger(concurrent) && concurrent >= 1) return concurrent;
    throw new ArgoError('ARGO_ERR_PLUGIN_CONTRACT', `market-data plugin "${this.#pluginName}": concurrentLoads is ${JSON.stringify(concurrent)}; expected a whole number from 1`);
  }

  get #pluginName(): string {
    return this.config.slots['market-data'].definition.name;
  }

  /** What the market data answers for `symbol`: the bars after `last` when they continue the series, else its whole history, or why not. */
  async #fetch(symbol: string, last: Bar | null): Promise<Fetched> {
    try {
      const newer = last === null ? null : await this.marketData.loadAfter!(symbol, last);
      if (newer !== null) return { kind: 'newer', bars: newer };
      return { kind: 'loaded', bars: await this.marketData.load(assertSymbol(symbol, 'symbols')) };
    } catch (error) {
      return { kind: 'failed', error };
    }
  }

  /** Adds the bars `loadAfter` gave, refusing any not dated after the last one held (they would break every view's order). */
  #appendBars(series: PackedSeries, bars: readonly Bar[]): void {
    let last = series.date(series.length - 1);
    for (const bar of bars) {
      if (!(bar.date > last)) {
        throw new ArgoError('ARGO_ERR_PLUGIN_CONTRACT', `market-data plugin "${this.#pluginName}": loadAfter(${series.symbol}) gave a bar dated ${bar.date}, not after ${last}`);
      }
      last = bar.date;
    }
    series.append(bars);
  }
}
