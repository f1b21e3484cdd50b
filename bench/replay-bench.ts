import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchmarkContext } from '../core/cli/cli';
import { parseBarsCsv } from '../core/domain/bars-csv';
import type { Bar } from '../core/domain/domain';
import { alpacaServer } from './providers/provider-servers';
import { SYNTHETIC_STAND_IN, findRealData } from './real-data';
import { timedReplays } from './timed-replay';
import { bareLoop } from './bare-loop';
import { median } from './median';
import { ProcessShardRunner, ThreadShardRunner } from '../core/scale/local-shards';
import type { ShardPlan } from '../core/engine/shard-contract';

interface ReplayFigures {
  from: string;
  to: string;
  symbolDays: number;
  signals: number;
  medianMs: number;
  runsMs: number[];
  symbolDaysPerSecond: number;
}

async function timeReplay(context: BenchmarkContext, values: Record<string, unknown>, from: string, to: string): Promise<ReplayFigures> {
  const { runsMs, medianMs, stats } = await timedReplays(context, values, from, to);
  const symbolDays = stats.symbolsEvaluated;
  return { from, to, symbolDays, signals: stats.signals, medianMs, runsMs, symbolDaysPerSecond: (symbolDays / medianMs) * 1000 };
}

/** Single runs as one figure: every run's time, their median, the last run's counts. */
function medianOf(runs: readonly ReplayFigures[]): ReplayFigures {
  const last = runs[runs.length - 1];
  const runsMs = runs.map((run) => run.medianMs);
  const medianMs = median(runsMs);
  return { ...last, runsMs, medianMs, symbolDaysPerSecond: (last.symbolDays / medianMs) * 1000 };
}

const KEYS = { id: 'bench-key-id', secret: 'bench-secret-key' };

/**
 * The one-year replay of the real symbols through `alpaca-bars` against a local server
 * serving the same CSV bars, with a cold bar cache (a new file each run: every bar fetched
 * over HTTP, 10,000 a page) and a warm one (filled by a run before: one request a symbol for
 * the bars after the last cached one, here none).
 */
async function providerArms(context: BenchmarkContext, dir: string, from: string, to: string): Promise<{ coldMs: number; warmMs: number; requests: { cold: number; warm: number } }> {
  const bars = new Map<string, Bar[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.csv'))) bars.set(file.slice(0, -4), parseBarsCsv(readFileSync(path.join(dir, file), 'utf8'), file).bars);
  const symbols = [...bars.keys()].sort();
  const first = [...bars.values()].reduce((min, b) => (b[0].date < min ? b[0].date : min), '9999');
  const server = await alpacaServer(bars, 10_000, KEYS);
  const cacheDir = mkdtempSync(path.join(tmpdir(), 'argo-bench-bar-cache-'));
  const env = { APCA_API_KEY_ID: KEYS.id, APCA_API_SECRET_KEY: KEYS.secret };
  const values = (cache: string) => ({ 'data.plugin': 'alpaca-bars', 'data.baseUrl': server.url, 'data.symbols': symbols, 'data.start': first, 'data.perMinute': 1_000_000, 'data.cache.path': cache });
  try {
    const cold = await timedReplays(context, (run) => values(path.join(cacheDir, `cold-${run}.db`)), from, to, env);
    const coldRequests = server.requests.length;
    const warmCache = path.join(cacheDir, 'warm.db');
    await timedReplays({ ...context, runs: 1 }, values(warmCache), from, to, env);
    const before = server.requests.length;
    const warm = await timedReplays(context, values(warmCache), from, to, env);
    return { coldMs: cold.medianMs, warmMs: warm.medianMs, requests: { cold: coldRequests / context.runs, warm: (server.requests.length - before) / context.runs } };
  } finally {
    await server.close();
    rmSync(cacheDir, { recursive: true, force: true });
  }
}

/** The replay's own wall time (`time.wallMs`) of `argo-signals replay` in a fresh process: a cold process, as a shard's child is. */
function replayInProcess(dir: string, from: string, to: string): Promise<number> {
  const bin = path.join(__dirname, '..', '..', 'bin', 'argo-signals.js');
  const args = [bin, 'replay', '--data', dir, '--from', from, '--to', to, '--set', 'storage.plugin=memory', '--json'];
  return new Promise((resolve, reject) =>
    execFile(process.execPath, args, { cwd: tmpdir(), maxBuffer: 1 << 24 }, (error, stdout) => (error === null ? resolve((JSON.parse(stdout) as { time: { wallMs: number } }).time.wallMs) : reject(error))),
  );
}

/**
 * What the machine gives two processes at once, to tell it from the code: the same replay in
 * a fresh process alone, and two of them side by side (each its own whole replay). Two free
 * cores run the pair as fast as one alone; `parallelism` is 2 x alone / the slower of the pair.
 */
async function sideBySide(context: BenchmarkContext, dir: string, from: string, to: string): Promise<{ aloneMs: number; pairMs: number; parallelism: number }> {
  const alone: number[] = [];
  const pair: number[] = [];
  for (let i = 0; i < context.runs; i++) {
    alone.push(await replayInProcess(dir, from, to));
    pair.push(Math.max(...(await Promise.all([replayInProcess(dir, from, to), replayInProcess(dir, from, to)]))));
  }
  const aloneMs = median(alone);
  const pairMs = median(pair);
  return { aloneMs, pairMs, parallelism: (2 * aloneMs) / pairMs };
}

/**
 * Replays the 100 real symbols with the five technical sources over the last year and over
 * all five years. Incremental indicators make the cost linear in days: the 5y/1y time ratio
 * should be near the ratio of symbol-days (about 5).
 */
export async function replayBench(context: BenchmarkContext): Promise<unknown> {
  const loadAtStart = loadavg()[0];
  const dir = findRealData(context.dataDir);
  if (dir === undefined) context.print('real data not found: replaying 100 synthetic symbols over the same dates instead');
  const values = dir === undefined ? { ...SYNTHETIC_STAND_IN } : { 'data.dir': dir };
  const oneYear = await timeReplay(context, values, '2017-02-08', '2018-02-07');
  // The five years, the same five years with almost no signals (a bar almost no consensus
  // reaches: the difference is what the signals themselves cost) and the bare loop (real data
  // only: it reads the CSV files) take turns, so a busy spell of the machine slows all three.
  const rounds = { fiveYears: [] as ReplayFigures[], withoutSignals: [] as ReplayFigures[], bareMs: [] as number[] };
  for (let i = 0; i < context.runs; i++) {
    const once = { ...context, runs: 1 };
    rounds.fiveYears.push(await timeReplay(once, values, '2013-02-08', '2018-02-07'));
    if (dir === undefined) continue;
    rounds.withoutSignals.push(await timeReplay(once, { ...values, 'consensus.minConfidence': 100 }, '2013-02-08', '2018-02-07'));
    const started = performance.now();
    bareLoop(dir, '2013-02-08', '2018-02-07');
    rounds.bareMs.push(performance.now() - started);
  }
  const fiveYears = medianOf(rounds.fiveYears);
  const withoutSignals = dir === undefined ? null : medianOf(rounds.withoutSignals);
  const bareMs = dir === undefined ? null : median(rounds.bareMs);
  const provider = dir === undefined ? null : await providerArms(context, dir, '2017-02-08', '2018-02-07');
  // The same five years in shards: child processes (each starts, loads its bars and answers) and worker threads.
  const sharded = async (plan: () => ShardPlan) => (await timedReplays(context, values, '2013-02-08', '2018-02-07', {}, plan)).medianMs;
  const oneProcess = await sharded(() => ({ runner: new ProcessShardRunner(1, 600_000), count: 1 }));
  const twoProcesses = await sharded(() => ({ runner: new ProcessShardRunner(2, 600_000), count: 2 }));
  const twoThreads = await sharded(() => ({ runner: new ThreadShardRunner(2, 600_000), count: 2 }));
  const machine = dir === undefined ? null : { loadAverage1m: loadAtStart, ...(await sideBySide(context, dir, '2013-02-08', '2018-02-07')) };
  const figures = {
    data: dir ?? 'synthetic stand-in',
    runs: context.runs,
    oneYear,
    fiveYears,
    timeRatio5yTo1y: fiveYears.medianMs / oneYear.medianMs,
    symbolDayRatio5yTo1y: fiveYears.symbolDays / oneYear.symbolDays,
    targetFiveYearsUnderMs: 15000,
    targetMet: fiveYears.medianMs < 15000,
    bareLoop:
      bareMs === null || withoutSignals === null
        ? null
        : {
            medianMs: bareMs,
            engineToBare: fiveYears.medianMs / bareMs,
            target: 2.5,
            targetMet: fiveYears.medianMs / bareMs <= 2.5,
            withoutSignals: { medianMs: withoutSignals.medianMs, signals: withoutSignals.signals, engineToBare: withoutSignals.medianMs / bareMs },
          },
    fiveYearsSharded: {
      oneProcessMs: oneProcess,
      twoProcessesMs: twoProcesses,
      twoThreadsMs: twoThreads,
      twoToOneProcess: oneProcess / twoProcesses,
      twoProcessesToInProcess: fiveYears.medianMs / twoProcesses,
      twoThreadsToInProcess: fiveYears.medianMs / twoThreads,
      oneProcessToInProcess: fiveYears.medianMs / oneProcess,
      targetOneProcessWithin: 1.1,
      targetTwoProcessesToInProcess: 1.5,
      targetMet: oneProcess <= 1.1 * fiveYears.medianMs && fiveYears.medianMs / twoProcesses >= 1.5,
      machine,
    },
    alpacaOneYear:
      provider === null
        ? null
        : { ...provider, coldToCsv: provider.coldMs / oneYear.medianMs, warmToCsv: provider.warmMs / oneYear.medianMs, warmWithin1_2xOfCsv: provider.warmMs <= 1.2 * oneYear.medianMs },
  };
  const line = (name: string, f: ReplayFigures) =>
    `${name.padEnd(8)} ${String(f.symbolDays).padStart(7)} symbol-days  median ${(f.medianMs / 1000).toFixed(2)} s  ${Math.round(f.symbolDaysPerSecond)} symbol-days/s`;
  context.print(`replay benchmark, ${context.runs} run(s) each, medians (data: ${figures.data})`);
  context.print(line('1 year', oneYear));
  context.print(line('5 years', fiveYears));
  context.print(
    `5y/1y time ratio ${figures.timeRatio5yTo1y.toFixed(2)} (symbol-day ratio ${figures.symbolDayRatio5yTo1y.toFixed(2)}); target 5 years < 15 s: ${figures.targetMet ? 'met' : 'NOT met'}`,
  );
  if (figures.bareLoop !== null) {
    const bare = figures.bareLoop;
    context.print(`5 years against the bare loop (same CSV files and indicators, no engine): bare ${(bare.medianMs / 1000).toFixed(2)} s, engine ${bare.engineToBare.toFixed(2)}x; target at most 2.5x: ${bare.targetMet ? 'met' : 'NOT met'}`);
    context.print(
      `  of which the signals: with consensus.minConfidence=100 (${bare.withoutSignals.signals} signals instead of ${fiveYears.signals}) the engine takes ${(bare.withoutSignals.medianMs / 1000).toFixed(2)} s, ${bare.withoutSignals.engineToBare.toFixed(2)}x the bare loop; the signals' levels, texts, ids and storage cost the rest`,
    );
  }
  const s = figures.fiveYearsSharded;
  context.print(
    `5 years sharded: 1 process ${(s.oneProcessMs / 1000).toFixed(2)} s (${s.oneProcessToInProcess.toFixed(2)}x of in-process), 2 processes ${(s.twoProcessesMs / 1000).toFixed(2)} s (${s.twoProcessesToInProcess.toFixed(2)}x of in-process, ${s.twoToOneProcess.toFixed(2)}x of 1 process), 2 threads ${(s.twoThreadsMs / 1000).toFixed(2)} s (${s.twoThreadsToInProcess.toFixed(2)}x of in-process); target 1 process within 1.1x and 2 processes >= 1.5x of in-process: ${s.targetMet ? 'met' : 'NOT met'}`,
  );
  if (s.machine !== null) {
    const m = s.machine;
    context.print(
      `the machine (load ${m.loadAverage1m.toFixed(2)} at the start): a 5-year replay in a fresh process ${(m.aloneMs / 1000).toFixed(2)} s alone, two side by side ${(m.pairMs / 1000).toFixed(2)} s: it runs two processes ${m.parallelism.toFixed(2)}x as fast as one (2.00 on two free cores)`,
    );
  }
  const alpaca = figures.alpacaOneYear;
  if (alpaca === null) context.print('alpaca-bars arms: skipped (they serve the real CSV files)');
  else
    context.print(
      `1 year through alpaca-bars (local server): cold cache ${(alpaca.coldMs / 1000).toFixed(2)} s (${alpaca.coldToCsv.toFixed(2)}x CSV, ${alpaca.requests.cold} requests), warm ${(alpaca.warmMs / 1000).toFixed(2)} s (${alpaca.warmToCsv.toFixed(2)}x CSV, ${alpaca.requests.warm} requests); target warm within 1.2x: ${alpaca.warmWithin1_2xOfCsv ? 'met' : 'NOT met'}`,
    );
  return figures;
}
