import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchmarkContext } from '../core/cli/cli';
import { loadConfig } from '../core/config/config-loader';
import { weekdaysEndingAt } from '../core/domain/weekdays';
import { Run } from '../core/engine/run';
import { serve } from '../core/service/serve-command';
import { createLogger } from '../core/util/logger';
import { quantile } from '../core/util/quantile';
import { syntheticBars } from '../plugins/market-data/synthetic-bars';
import { median } from './median';
import { SYNTHETIC_STAND_IN, findRealData } from './real-data';
import revealingBars from './serve/revealing-bars';

const SECONDS = 10;
const CONNECTIONS = 10;
const HISTORY_FROM = '2016-01-04';
const START = '2017-01-03';

/** CSV files of the synthetic stand-in, in a temporary folder, when the real data is absent. */
function syntheticCsvDir(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'argo-bench-serve-data-'));
  const symbols = SYNTHETIC_STAND_IN['data.symbols'] as string[];
  const dates = weekdaysEndingAt(SYNTHETIC_STAND_IN['data.endDate'] as string, SYNTHETIC_STAND_IN['data.days'] as number);
  for (const symbol of symbols) {
    const rows = syntheticBars(symbol, 7, dates).map((b) => [b.date, b.open, b.high, b.low, b.close, b.volume].join(','));
    writeFileSync(path.join(dir, `${symbol}.csv`), ['date,open,high,low,close,volume', ...rows].join('\n'));
  }
  return dir;
}

interface LoadResult {
  requestsPerSecond: number;
  requests: number;
  latencyMs: { p50: number; p99: number };
  errors: number;
  non2xx: number;
  receipts: [string, number][];
}

function runLoad(url: string, symbols: readonly string[]): Promise<LoadResult> {
  const child = spawn(process.execPath, [path.join(__dirname, 'serve', 'load-child.js'), url, String(SECONDS), String(CONNECTIONS), symbols.join(',')]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) =>
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(stdout) as LoadResult) : reject(new Error(`the load process failed (${code}): ${stderr}`)))),
  );
}

/** One measurement: a service over a year of stored signals, a cycle a second, under load for SECONDS. */
async function measure(context: BenchmarkContext, dataDir: string, pageCacheBytes: number): Promise<{ load: LoadResult; sse: number[]; cycles: number; stored: number }> {
  const dir = mkdtempSync(path.join(tmpdir(), 'argo-bench-serve-'));
  const values = {
    'data.plugin': 'bench-revealing-bars',
    'data.dir': dataDir,
    'data.startDate': START,
    'data.revealEveryMs': 1000,
    'storage.path': path.join(dir, 'signals.db'),
    'service.port': 0,
    'service.schedule.every': '1s',
    'service.pageCache.maxBytes': pageCacheBytes,
    'log.level': 'error',
  };
  const config = loadConfig(context.registry, { values });
  const logger = createLogger('error');
  try {
    // A year of history in the database first, so every symbol has pages of signals to serve.
    const history = await Run.create(config, logger);
    await history.replay({ from: HISTORY_FROM, to: START });
    await history.close();

    const run = await Run.create(loadConfig(context.registry, { values }), logger);
    const durable = new Map<string, number>();
    run.events.on('stored', (signal) => durable.set(signal.id, performance.timeOrigin + performance.now()));
    let url!: (address: string) => void;
    const listening = new Promise<string>((resolve) => (url = resolve));
    const serving = serve(run, { loadConfig: () => config, createRun: (c) => Run.create(c, logger), println: (line) => url(line.replace('listening on ', '')) });
    const address = await listening;
    const symbols = [...new Set((await run.storage.querySignals({})).map((s) => s.symbol))];
    const load = await runLoad(address, symbols);
    run.requestStop();
    await serving;
    const cycles = run.stats.report().cycles;
    await run.close();
    const sse = load.receipts.flatMap(([id, at]) => (durable.has(id) ? [at - durable.get(id)!] : []));
    return { load, sse, cycles, stored: durable.size };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * `bench serve`: the service on the real data, a cycle a second (each revealing one more
 * trading day, so each writes new signals), while autocannon in another process asks for one
 * symbol's last 50 signals over 10 connections and an event-stream client notes when each
 * signal arrives. Reports requests/s, p50/p99 latency, and the delay from durable (the
 * storage's acknowledgement) to received.
 */
export async function serveBench(context: BenchmarkContext): Promise<unknown> {
  context.registry.register(revealingBars, 'bench serve');
  const real = findRealData(context.dataDir);
  if (real === undefined) context.print('real data not found: using 100 synthetic symbols written to a temporary folder instead');
  const dataDir = real ?? syntheticCsvDir();
  const runs = [];
  const uncached = [];
  try {
    for (let i = 0; i < context.runs; i++) {
      context.print(`  run ${i + 1} of ${context.runs}…`);
      runs.push(await measure(context, dataDir, 32 * 1024 * 1024));
      uncached.push(await measure(context, dataDir, 0));
    }
  } finally {
    if (real === undefined) rmSync(dataDir, { recursive: true, force: true });
  }
  const round = (n: number) => Math.round(n * 100) / 100;
  const figures = {
    data: real ?? 'synthetic stand-in',
    seconds: SECONDS,
    connections: CONNECTIONS,
    runs: context.runs,
    requestsPerSecond: round(median(runs.map((r) => r.load.requestsPerSecond))),
    latencyMs: { p50: median(runs.map((r) => r.load.latencyMs.p50)), p99: median(runs.map((r) => r.load.latencyMs.p99)) },
    errors: runs.reduce((n, r) => n + r.load.errors + r.load.non2xx, 0),
    withoutPageCache: {
      requestsPerSecond: round(median(uncached.map((r) => r.load.requestsPerSecond))),
      latencyMs: { p50: median(uncached.map((r) => r.load.latencyMs.p50)), p99: median(uncached.map((r) => r.load.latencyMs.p99)) },
    },
    cyclesPerRun: median(runs.map((r) => r.cycles)),
    sse: {
      signalsReceived: median(runs.map((r) => r.sse.length)),
      signalsStored: median(runs.map((r) => r.stored)),
      p50Ms: round(median(runs.map((r) => quantile(r.sse, 0.5)))),
      p95Ms: round(median(runs.map((r) => quantile(r.sse, 0.95)))),
    },
    targets: { atLeast3000RequestsPerSecond: false, p99Under25Ms: false, ssep95Under50Ms: false },
  };
  figures.targets = {
    atLeast3000RequestsPerSecond: figures.requestsPerSecond >= 3000,
    p99Under25Ms: figures.latencyMs.p99 < 25,
    ssep95Under50Ms: figures.sse.p95Ms < 50,
  };
  context.print(`serve benchmark: ${SECONDS} s per run, ${CONNECTIONS} connections, GET /v1/signals?symbol=…&limit=50, a cycle a second on ${figures.data}; medians of ${context.runs} run(s)`);
  context.print(`requests/s ${figures.requestsPerSecond}  latency p50 ${figures.latencyMs.p50} ms  p99 ${figures.latencyMs.p99} ms  errors ${figures.errors}  cycles ${figures.cyclesPerRun}`);
  context.print(
    `without the page cache (service.pageCache.maxBytes 0): requests/s ${figures.withoutPageCache.requestsPerSecond}  p50 ${figures.withoutPageCache.latencyMs.p50} ms  p99 ${figures.withoutPageCache.latencyMs.p99} ms (${round(figures.requestsPerSecond / figures.withoutPageCache.requestsPerSecond)}x fewer requests/s)`,
  );
  context.print(`event stream: ${figures.sse.signalsReceived} of ${figures.sse.signalsStored} signals received, durable to received p50 ${figures.sse.p50Ms} ms  p95 ${figures.sse.p95Ms} ms`);
  context.print(`targets: >= 3000 requests/s ${figures.targets.atLeast3000RequestsPerSecond}, p99 < 25 ms ${figures.targets.p99Under25Ms}, event p95 < 50 ms ${figures.targets.ssep95Under50Ms}`);
  return figures;
}
