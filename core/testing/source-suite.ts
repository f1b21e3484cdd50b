import assert from 'node:assert/strict';
import path from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { Worker } from 'node:worker_threads';
import type { BarSeries } from '../domain/domain';
import { checkOpinion } from '../engine/source-caller';
import type { PluginDefinition } from '../plugin-system/define-plugin';
import type { Source } from '../plugin-system/plugin-contracts';
import { optionsCheck } from './options-check';
import { answersOn, type DayAnswer } from './source-answers';
import { barViewOf, sampleSeries } from './sample-data';
import type { SourceWorkerData } from './source-worker';
import type { TestApi } from './test-api';
import { testContext, type TestContextOptions } from './test-context';

/** How the source suite builds and checks a source. */
export interface SourceSuiteOptions extends Omit<TestContextOptions, 'seed'> {
  /** The series to answer (default: the shipped sample); pass real bars with `barsFromCsv`. */
  readonly series?: readonly BarSeries[];
  /** How long an aborted call may take to settle, in ms (a source entry's timeoutMs). */
  readonly timeoutMs?: number;
  /** For an offloadable source: its module specifier (a path or a package name), for building it in a worker thread. */
  readonly specifier?: string;
  /** The folder `specifier` resolves from (default: the working directory). */
  readonly baseDir?: string;
  /** False leaves out the worker-thread check of an offloadable source (a plugin known only by a registered name has no module to load there). */
  readonly workerCheck?: boolean;
}

/**
 * The conformance suite of a source plugin: options refuse wrong formats; every answer on the
 * sample is a valid opinion; it never looks ahead (the same answer on a series that ends that
 * day); the same seed gives the same answers; an aborted call settles within the timeout; an
 * offloadable source answers the same in a worker thread.
 */
export function sourceSuite(api: TestApi, definition: PluginDefinition<'source'>, suite: SourceSuiteOptions = {}): void {
  const series = suite.series ?? sampleSeries();
  const build = (seed = 7): Promise<Source> => Promise.resolve(definition.create(testContext(definition, { ...suite, seed })));
  const valid = (answers: readonly DayAnswer[], symbol: string) => {
    for (const a of answers) {
      if ('error' in a) assert.fail(`${symbol} day ${a.day}: the source threw: ${a.error}`);
      const checked = checkOpinion(a.answer);
      if (typeof checked === 'string') assert.fail(`${symbol} day ${a.day}: ${checked}`);
    }
  };

  api.describe(`source plugin "${definition.name}" (argo-signals/testing)`, () => {
    optionsCheck(api, definition, suite.options);

    api.it('answers a valid opinion (direction, confidence 0..100, finite features) every day of the sample', async () => {
      const source = await build();
      for (const s of series) valid(await answersOn(source, s), s.symbol);
    });

    api.it('never looks ahead: the same answers on a series that ends that day', async () => {
      const full = await build();
      const answers: DayAnswer[][] = [];
      for (const s of series) answers.push(await answersOn(full, s));
      // With a specifier the cut series are answered in a fresh worker thread, so state a module
      // keeps across instances (a cache by symbol that ignores the date) cannot hide a look-ahead.
      const cuts = series.flatMap((s, index) => [Math.floor(s.bars.length / 3), Math.floor((2 * s.bars.length) / 3)].map((day) => ({ index, series: { ...s, bars: s.bars.slice(0, day + 1) } })));
      const cutSeries = cuts.map((cut) => cut.series);
      const cutAnswers = suite.specifier === undefined ? await Promise.all(cutSeries.map(async (cut) => answersOn(await build(), cut))) : await inWorker(cutSeries);
      for (const [i, { index, series: cut }] of cuts.entries()) {
        const changed = cutAnswers[i].findIndex((answer, day) => !isDeepStrictEqual(answer, answers[index][day]));
        assert.equal(changed, -1, `${cut.symbol} day ${changed}: the answer changed when the bars after day ${cut.bars.length - 1} were removed`);
      }
    });

    api.it('gives the same answers for the same seed', async () => {
      for (const s of series) assert.deepEqual(await answersOn(await build(3), s), await answersOn(await build(3), s), s.symbol);
    });

    api.it('settles a call within its timeout once its AbortSignal is aborted', async () => {
      const timeoutMs = suite.timeoutMs ?? 1000;
      const source = await build();
      const s = series[0];
      const bars = barViewOf(s);
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error('timeout')), 10).unref();
      const settled = Promise.resolve()
        .then(() => source.opinion({ symbol: s.symbol, asOf: bars.asOf, bars, signal: controller.signal }))
        .then(
          () => 'settled',
          () => 'settled',
        );
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<string>((resolve) => (timer = setTimeout(resolve, timeoutMs, 'still running')));
      try {
        assert.equal(await Promise.race([settled, late]), 'settled', `an aborted call was still running after ${timeoutMs} ms: pass request.signal to your I/O`);
      } finally {
        clearTimeout(timer);
      }
    });

    if (definition.offloadable === true && suite.workerCheck !== false) {
      api.it('answers the same in a worker thread (it is marked offloadable)', async () => {
        assert.ok(suite.specifier, 'an offloadable source needs `specifier` (its module path or package name) so the suite can build it in a worker');
        const source = await build();
        const inline = await Promise.all(series.map((s) => answersOn(source, s)));
        assert.deepEqual(await inWorker(series), inline);
      });
    }
  });

  /** The answers of the source built in a fresh worker thread from `suite.specifier`, one list per series. */
  async function inWorker(list: readonly BarSeries[]): Promise<DayAnswer[][]> {
    const data: SourceWorkerData = {
      specifier: suite.specifier!,
      baseDir: suite.baseDir ?? process.cwd(),
      options: suite.options ?? {},
      seed: 7,
      series: list.map((s) => ({ ...s, bars: [...s.bars] })),
    };
    const worker = new Worker(path.join(__dirname, 'source-worker.js'), { workerData: data });
    try {
      const reply = await new Promise<{ answers?: DayAnswer[][]; error?: string }>((resolve, reject) => worker.once('message', resolve).once('error', reject));
      assert.equal(reply.error, undefined, `building or asking it in a worker failed: ${reply.error}`);
      return reply.answers!;
    } finally {
      await worker.terminate();
    }
  }
}
