/**
 * Recordings of live runs ("cassettes"), so a day whose network answers will not repeat can
 * be examined again. A recording is one JSON-lines file per run (`<dir>/<start time>-<random>.jsonl`),
 * append-only: the bars market data handed over (after validation), every source outcome
 * (opinion or failure, with its latency), every reasoning text, and the symbols and dates each
 * cycle evaluated. JSON lines because a line is written whole or not at all (the project's
 * appender), so a kill -9 leaves at most a torn last line, which the reader drops and counts.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { Bar, SourceOutcome } from '../domain/domain';
import type { Explainer, MarketData } from '../plugin-system/plugin-contracts';
import type { RunEvents } from './run-events';
import { checkedBar } from '../domain/bar-check';
import { checkOpinion } from './source-caller';
import { ArgoError } from '../errors/errors';
import { InFlight } from '../util/in-flight';
import { JsonLinesAppender, readJsonLines } from '../util/json-lines';

/** One line of a recording. */
export type TapeRecord =
  | { readonly type: 'start'; readonly configHash: string; readonly startedAt: string }
  | { readonly type: 'bars'; readonly symbol: string; readonly mode: 'load' | 'append'; readonly bars: readonly Bar[] }
  | { readonly type: 'outcome'; readonly symbol: string; readonly asOf: string; readonly outcome: SourceOutcome }
  | { readonly type: 'text'; readonly symbol: string; readonly asOf: string; readonly text: string }
  | { readonly type: 'cycle'; readonly items: readonly (readonly [string, string])[] };

/** Appends a run's recording; writes are not awaited one by one, `close` waits for them all. */
export class TapeRecorder {
  readonly #writes = new InFlight();
  #failure: unknown;

  private constructor(
    private readonly appender: JsonLinesAppender,
    readonly file: string,
  ) {}

  /** A new recording in `dir`, named by its start time (and a random tail, for two starts in one millisecond). */
  static async open(dir: string, configHash: string): Promise<TapeRecorder> {
    const startedAt = new Date().toISOString();
    const file = path.join(dir, `${startedAt.replace(/[:.]/g, '-')}-${randomUUID().slice(0, 8)}.jsonl`);
    let appender: JsonLinesAppender;
    try {
      mkdirSync(dir, { recursive: true });
      appender = await JsonLinesAppender.open(file);
    } catch (error) {
      throw new ArgoError('ARGO_ERR_STORAGE_OPEN', `--record: ${file} cannot be written: ${String(error)}`, { cause: error });
    }
    const recorder = new TapeRecorder(appender, file);
    recorder.write({ type: 'start', configHash, startedAt });
    return recorder;
  }

  write(record: TapeRecord): void {
    this.#writes.track(this.appender.append(record).catch((error: unknown) => (this.#failure ??= error)));
  }

  /** Waits for every line, closes the file; a failed write is reported here, naming the file. */
  async close(): Promise<void> {
    await this.#writes.idle();
    await this.appender.close();
    if (this.#failure !== undefined) throw new ArgoError('ARGO_ERR_STORAGE_WRITE', `--record: ${this.file}: the recording is incomplete: ${String(this.#failure)}`, { cause: this.#failure });
  }
}

const isText = (value: unknown): value is string => typeof value === 'string' && value !== '';
const FAILURES: readonly string[] = ['error', 'timeout', 'malformed', 'circuit-open', 'unrecorded'];

/** What is wrong with a recorded source outcome, or null: it must be one a live call could have given. */
function outcomeProblem(outcome: Record<string, unknown>): string | null {
  if (!isText(outcome.source)) return 'an outcome without its source';
  if (typeof outcome.latencyMs !== 'number' || !Number.isFinite(outcome.latencyMs)) return `outcome of ${outcome.source}: latencyMs is not a number`;
  if (outcome.ok === true) {
    const opinion = checkOpinion(outcome.opinion);
    return typeof opinion === 'string' ? `outcome of ${outcome.source}: ${opinion}` : null;
  }
  if (outcome.ok !== false || !FAILURES.includes(outcome.failure as string) || !isText(outcome.code) || typeof outcome.message !== 'string') {
    return `outcome of ${outcome.source}: neither an opinion (ok true) nor a failure (ok false, failure ${FAILURES.join('|')}, code, message)`;
  }
  return null;
}

/** What is wrong with one line of a recording, or null when a replay can trust it. */
export function tapeRecordProblem(value: unknown): string | null {
  if (value === null || typeof value !== 'object') return 'not a record object';
  const record = value as Record<string, unknown>;
  switch (record.type) {
    case 'start':
      return null;
    case 'bars': {
      if (!isText(record.symbol) || !Array.isArray(record.bars)) return '"bars" needs a symbol and a list of bars';
      const bad = (record.bars as Record<string, unknown>[]).findIndex((bar) => bar === null || typeof bar !== 'object' || checkedBar(String(bar.date), [bar.open, bar.high, bar.low, bar.close, bar.volume]) === null);
      return bad < 0 ? null : `bar ${bad} of ${record.symbol} is not a valid bar`;
    }
    case 'outcome':
      if (!isText(record.symbol) || !isText(record.asOf) || record.outcome === null || typeof record.outcome !== 'object') return '"outcome" needs a symbol, an asOf and an outcome';
      return outcomeProblem(record.outcome as Record<string, unknown>);
    case 'text':
      return isText(record.symbol) && isText(record.asOf) && typeof record.text === 'string' ? null : '"text" needs a symbol, an asOf and a text';
    case 'cycle':
      return Array.isArray(record.items) && record.items.every((item) => Array.isArray(item) && item.length === 2 && isText(item[0]) && isText(item[1])) ? null : '"cycle" needs a list of [symbol, asOf] items';
    default:
      return `unknown record type ${JSON.stringify(record.type)}`;
  }
}

const key = (symbol: string, asOf: string, source = '') => `${symbol}\u0000${asOf}\u0000${source}`;

/** A recording read back: everything it holds, by what a replay asks. */
export class Cassette {
  /** Each symbol's bars, loads and appends in order. */
  readonly bars = new Map<string, Bar[]>();
  readonly cycles: (readonly (readonly [string, string])[])[] = [];
  readonly #outcomes = new Map<string, SourceOutcome>();
  readonly #texts = new Map<string, string>();
  /** Torn last lines dropped (a recording cut by a kill). */
  tornLines = 0;
  files: string[] = [];

  /** Reads every recording in `dir` (the `.jsonl` files, in name order). */
  static read(dir: string): Cassette {
    let names: string[];
    try {
      names = readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
    } catch (error) {
      throw new ArgoError('ARGO_ERR_USAGE', `--cassette: ${dir} is not a readable folder: ${String(error)}`, { cause: error });
    }
    if (names.length === 0) throw new ArgoError('ARGO_ERR_USAGE', `--cassette: ${dir} holds no recording (*.jsonl written by --record)`);
    const cassette = new Cassette();
    for (const name of names) {
      const file = path.join(dir, name);
      const { values, tornLines } = readJsonLines<TapeRecord>(file, tapeRecordProblem);
      cassette.tornLines += tornLines;
      cassette.files.push(file);
      for (const record of values) cassette.#add(record);
    }
    return cassette;
  }

  #add(record: TapeRecord): void {
    if (record.type === 'bars') {
      const known = this.bars.get(record.symbol) ?? [];
      const last = known.at(-1)?.date ?? '';
      // A load after a restart repeats what an earlier recording holds: only later bars continue the series.
      this.bars.set(record.symbol, [...known, ...record.bars.filter((b) => b.date > last)]);
    } else if (record.type === 'outcome') {
      this.#outcomes.set(key(record.symbol, record.asOf, record.outcome.source), record.outcome);
    } else if (record.type === 'text') {
      this.#texts.set(key(record.symbol, record.asOf), record.text);
    } else if (record.type === 'cycle') {
      this.cycles.push(record.items);
    }
  }

  /** What `source` answered for `symbol` as of `asOf`, if the live run asked it. */
  outcome(symbol: string, asOf: string, source: string): SourceOutcome | undefined {
    return this.#outcomes.get(key(symbol, asOf, source));
  }

  /** The reasoning text recorded for the signal of `symbol` as of `asOf`. */
  text(symbol: string, asOf: string): string | undefined {
    return this.#texts.get(key(symbol, asOf));
  }
}

/** The market data of a cassette replay: every symbol's recorded bars, nothing asked of a network. */
export function cassetteMarketData(cassette: Cassette): MarketData {
  return {
    symbols: async () => [...cassette.bars.keys()].sort(),
    load: async (symbol) => ({ symbol, bars: cassette.bars.get(symbol) ?? [], malformedRows: 0 }),
  };
}

/** `inner` with every bar it hands over recorded: whole loads and what `loadAfter` adds. */
export function recordedMarketData(inner: MarketData, recorder: TapeRecorder): MarketData {
  return {
    symbols: () => inner.symbols(),
    async load(symbol) {
      const series = await inner.load(symbol);
      recorder.write({ type: 'bars', symbol, mode: 'load', bars: series.bars });
      return series;
    },
    ...(inner.loadAfter === undefined
      ? {}
      : {
          async loadAfter(symbol: string, last: Bar) {
            const newer = await inner.loadAfter!(symbol, last);
            if (newer !== null && newer.bars.length > 0) recorder.write({ type: 'bars', symbol, mode: 'append', bars: newer.bars });
            return newer;
          },
        }),
    ...(inner.close === undefined ? {} : { close: () => inner.close!() }),
  };
}

/** Records each signal's final reasoning text by symbol and date: at once when stored done, or when a deferred text lands. */
export function recordTexts(events: RunEvents, recorder: TapeRecorder): void {
  const pending = new Map<string, readonly [string, string]>();
  events.on('stored', (signal) => {
    if (signal.reasoningStatus === 'pending') pending.set(signal.id, [signal.symbol, signal.asOf]);
    else recorder.write({ type: 'text', symbol: signal.symbol, asOf: signal.asOf, text: signal.reasoning });
  });
  events.on('reasoning', (update) => {
    const at = pending.get(update.id);
    if (at === undefined) return;
    pending.delete(update.id);
    recorder.write({ type: 'text', symbol: at[0], asOf: at[1], text: update.reasoning });
  });
}

/** The explainer of a cassette replay: the text the live run stored for the signal of that symbol and day. */
export function cassetteExplainer(cassette: Cassette): Explainer {
  return {
    explain(request) {
      const text = cassette.text(request.symbol, request.asOf);
      if (text === undefined) throw new Error(`the recording holds no reasoning text for ${request.symbol} as of ${request.asOf}`);
      return text;
    },
  };
}
