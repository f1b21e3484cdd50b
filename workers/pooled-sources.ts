import type { Opinion } from '../core/domain/domain';
import type { Source, SourceRequest } from '../core/plugin-system/plugin-contracts';
import { OffloadedStage, type StageSetup } from './offloaded-stage';
import type { PluginRef } from '../core/engine/stage-executor';
import { INDICATOR_ITEM_FIELDS, type IndicatorAnswer, type ShippedBars } from './task-types';
import type { WorkerPool } from './worker-pool';

/** One source call waiting for the pool. */
interface SourceCall {
  readonly plugin: number;
  readonly inline: Source;
  readonly request: SourceRequest;
  /** Set on the second try after a worker said it lacked the bars. */
  readonly resent?: true;
}

/** A stable lane per symbol, so its bars and indicator state live in one worker. */
function laneOfSymbol(symbol: string): number {
  let hash = 0;
  for (let i = 0; i < symbol.length; i++) hash = (hash * 31 + symbol.charCodeAt(i)) | 0;
  return hash >>> 0;
}

/**
 * The indicators stage (`workers.mode.indicators`): the opinions of sources whose plugin is
 * marked `offloadable` computed on the pool (see {@link OffloadedStage}). A symbol always goes
 * to the same lane, whose worker keeps the symbol's bars and its indicators' incremental
 * state; each task ships only the bars that worker has not seen. A worker that was replaced
 * (or missed a failed chunk) answers "resync" and gets the whole series again.
 */
export class PooledSources {
  readonly #refs: PluginRef[] = [];
  readonly #seriesIds = new WeakMap<object, number>();
  #nextSeries = 0;
  /** Per lane: bars of each series sent to its worker so far. */
  readonly #shipped: Map<number, number>[];
  readonly #stage: OffloadedStage<SourceCall, Opinion>;
  /** Each wrapper with its plugin, so auto settling on inline can hand calls straight back. */
  readonly #wrapped: { wrapper: Source; inline: Source }[] = [];
  /** Per series, the sources auto mode has seen called on it: a first call catches up on the history. */
  readonly #called = new WeakMap<object, Set<number>>();

  constructor(
    private readonly pool: WorkerPool,
    setup: Omit<StageSetup<SourceCall>, 'laneOf' | 'untypical' | 'onInline'>,
  ) {
    this.#shipped = Array.from({ length: pool.lanes }, () => new Map());
    this.#stage = new OffloadedStage<SourceCall, Opinion>(
      {
        ...setup,
        laneOf: (call) => laneOfSymbol(call.request.symbol) % pool.lanes,
        untypical: (call) => this.#firstCall(call),
        onInline: () => {
          for (const { wrapper, inline } of this.#wrapped) wrapper.opinion = inline.opinion.bind(inline);
        },
      },
      (call) => call.inline.opinion(call.request),
      (calls, lane) => this.#send(calls, lane!),
    );
  }

  /** `inline` where the stage runs; `ref` builds the same source in a worker. */
  wrap(inline: Source, ref: PluginRef): Source {
    const plugin = this.#refs.push(ref) - 1;
    const wrapper: Source = { opinion: (request) => this.#stage.run({ plugin, inline, request }), close: inline.close?.bind(inline) };
    this.#wrapped.push({ wrapper, inline });
    return wrapper;
  }

  #firstCall({ plugin, request }: SourceCall): boolean {
    let called = this.#called.get(request.bars.seriesKey);
    if (called === undefined) this.#called.set(request.bars.seriesKey, (called = new Set()));
    if (called.has(plugin)) return false;
    called.add(plugin);
    return true;
  }

  #seriesId(key: object): number {
    let id = this.#seriesIds.get(key);
    if (id === undefined) {
      id = this.#nextSeries++;
      this.#seriesIds.set(key, id);
    }
    return id;
  }

  async #send(calls: readonly SourceCall[], lane: number): Promise<(Opinion | Promise<Opinion>)[]> {
    const shipped = this.#shipped[lane];
    const sent = new Map<number, number>();
    const bars: ShippedBars[] = [];
    const items = new Int32Array(calls.length * INDICATOR_ITEM_FIELDS);
    calls.forEach(({ plugin, request }, i) => {
      const series = this.#seriesId(request.bars.seriesKey);
      const { length } = request.bars;
      const have = sent.get(series) ?? shipped.get(series) ?? 0;
      if (length > have) {
        bars.push({ series, symbol: request.symbol, from: have, bars: request.bars.tail(length - have) });
        sent.set(series, length);
      }
      items.set([plugin, series, length], i * INDICATOR_ITEM_FIELDS);
    });
    // Counted as shipped before the answer: if the task fails, the worker says so next time (resync).
    for (const [series, length] of sent) shipped.set(series, length);
    const answers = await this.pool.run({ stage: 'indicators', plugins: this.#refs, bars, items }, lane);
    return answers.map((answer, i) => this.#settle(answer, calls[i], lane));
  }

  #settle(answer: IndicatorAnswer, call: SourceCall, lane: number): Opinion | Promise<Opinion> {
    if ('opinion' in answer) return answer.opinion;
    if ('error' in answer) return Promise.reject(new Error(answer.error));
    if (call.resent) return Promise.reject(new Error(`worker lane ${lane} lost the bars of ${call.request.symbol} twice`));
    this.#shipped[lane].delete(this.#seriesId(call.request.bars.seriesKey));
    return this.#stage.run({ ...call, resent: true });
  }
}
