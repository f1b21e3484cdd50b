import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchmarkContext } from '../core/cli/cli';
import { loadConfig } from '../core/config/config-loader';
import { statsSince } from '../core/engine/cycle-stats';
import { Run } from '../core/engine/run';
import type { PluginRegistry } from '../core/plugin-system/plugin-registry';
import { createLogger } from '../core/util/logger';
import { quantile } from '../core/util/quantile';
import { benchState, connectionPerWrite, httpExplainer, httpSource } from './cycle/cycle-plugins';
import { MODEL_SOURCES, modelOpinion, startLatencyServer } from './cycle/latency-server';
import { median } from './median';

type Optimization = 'batchedStorage' | 'reasoning' | 'pooledConnections' | 'earlyExit' | 'consensusCache';
const ALL: readonly Optimization[] = ['batchedStorage', 'reasoning', 'pooledConnections', 'earlyExit', 'consensusCache'];

const ARMS: readonly { name: string; on: readonly Optimization[] }[] = [
  { name: 'incumbent', on: [] },
  { name: '+ batched storage', on: ['batchedStorage'] },
  { name: '+ cached reasoning', on: ['reasoning'] },
  { name: '+ pooled connections', on: ['pooledConnections'] },
  { name: '+ early exit', on: ['earlyExit'] },
  { name: '+ consensus cache', on: ['consensusCache'] },
  { name: 'all five', on: ALL },
];

/** The seed's figures for the incumbent ("current") and its projection, in ms. */
const SEED = {
  current: { oneSymbol: [600, 1200], sixSymbols: [1500, 2500], databaseMs: [60, 120], reasoningMs: [600, 1800] },
  projected: { oneSymbol: [300, 600], sixSymbols: [800, 1500], databaseMs: [5, 10], reasoningMs: [100, 500] },
} as const;

const SEED_NUMBER = 11;
const WARM_UP_CYCLES = 2;

/** The config of an arm: the incumbent's choices, with the optimizations in `on` switched on. */
function armValues(on: readonly Optimization[], symbols: readonly string[], database: string): Record<string, unknown> {
  const has = (o: Optimization) => on.includes(o);
  const storage = has('pooledConnections')
    ? // The storage plugin: one connection kept open; batches of 10 or, pooled alone, a commit per signal.
      { 'storage.plugin': 'sqlite', 'storage.path': database, ...(has('batchedStorage') ? {} : { 'storage.batchSize': 1, 'storage.flushMs': 0 }) }
    : { 'storage.plugin': 'bench-connection-per-write', 'storage.path': database, 'storage.batched': has('batchedStorage') };
  // The incumbent asked market data first, then the rest at once, and never stopped early.
  const earlyExit = has('earlyExit')
    ? { 'earlyExit.strategy': 'bound', 'earlyExit.waveSize': 3 }
    : { 'earlyExit.strategy': 'incremental', 'earlyExit.groups': [['market'], MODEL_SOURCES.slice(1).map((s) => s.name)], 'earlyExit.minToContinue': 0 };
  // Alone, reasoning is cached (the incumbent's storage cannot update a text later); with everything, deferred.
  const reasoning = !has('reasoning')
    ? { 'reasoning.mode': 'sync', 'reasoning.options.oneAtATime': true }
    : { 'reasoning.mode': has('pooledConnections') ? 'deferred' : 'cached', 'reasoning.maxWaitMs': 0, 'reasoning.options.oneAtATime': false };
  return {
    symbols,
    sources: MODEL_SOURCES.map((s) => ({ name: s.name, plugin: 'bench-http-source', weight: s.weight, timeoutMs: 5000, options: { source: s.name } })),
    'data.plugin': 'synthetic-bars',
    'data.days': 300,
    concurrency: 8,
    seed: SEED_NUMBER,
    'reasoning.explainer': 'bench-http-explainer',
    'consensus.cache.enabled': has('consensusCache'),
    'earlyExit.shadowRate': 0,
    ...storage,
    ...earlyExit,
    ...reasoning,
  };
}

/** Total length of the union of `[start, end]` intervals. */
function unionMs(intervals: [number, number][]): number {
  let total = 0;
  let reach = -Infinity;
  for (const [start, end] of [...intervals].sort((a, b) => a[0] - b[0])) {
    if (end <= reach) continue;
    total += end - Math.max(start, reach);
    reach = end;
  }
  return total;
}

interface CycleSample {
  wallMs: number;
  criticalPathMs: number;
  databaseMs: number;
  reasoningMs: number;
  sourceCalls: number;
  signals: number;
}

/** `cycles` measured cycles (after warm-up) of one arm on `symbols`, each against the model server. */
async function measureArm(registry: PluginRegistry, on: readonly Optimization[], symbols: readonly string[], cycles: number): Promise<CycleSample[]> {
  const dir = mkdtempSync(path.join(tmpdir(), 'argo-bench-cycle-'));
  const run = await Run.create(loadConfig(registry, { values: armValues(on, symbols, path.join(dir, 'signals.db')) }), createLogger('error'));
  const reasoningIntervals: [number, number][] = [];
  run.stats.onStage = (stage, ms) => {
    if (stage === 'reasoning') reasoningIntervals.push([performance.now() - ms, performance.now()]);
  };
  run.storage.onCommit?.((batch) => (benchState.databaseMs += batch.ms));
  const samples: CycleSample[] = [];
  try {
    // Every arm sees the same latency draws: cycle numbers start over.
    for (let cycle = 0; cycle < WARM_UP_CYCLES + cycles; cycle++) {
      benchState.cycle = cycle;
      benchState.databaseMs = 0;
      reasoningIntervals.length = 0;
      const before = run.stats.report();
      const started = performance.now();
      const { stats } = await run.cycle();
      const wallMs = performance.now() - started;
      const since = statsSince(before, stats);
      if (cycle < WARM_UP_CYCLES) continue;
      samples.push({
        wallMs,
        criticalPathMs: since.time.virtualMs,
        databaseMs: benchState.databaseMs,
        reasoningMs: unionMs(reasoningIntervals),
        sourceCalls: since.sourceCalls.made,
        signals: since.signals,
      });
    }
  } finally {
    await run.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}

/** Symbols for the universe: the first `clear` ones the model makes clear and `mixed` mixed, in name order. */
function universe(clear: number, mixed: number): string[] {
  const picked: string[] = [];
  let wantClear = clear;
  let wantMixed = mixed;
  for (let i = 0; wantClear + wantMixed > 0; i++) {
    const symbol = `SYM${String(i).padStart(3, '0')}`;
    const isClear = MODEL_SOURCES.every((s) => modelOpinion(s, symbol, SEED_NUMBER).confidence > 80);
    if (isClear && wantClear > 0) (picked.push(symbol), wantClear--);
    else if (!isClear && wantMixed > 0) (picked.push(symbol), wantMixed--);
  }
  return picked;
}

const round = (ms: number) => Math.round(ms * 10) / 10;
const range = ([lo, hi]: readonly number[]) => `${lo}-${hi}`;

/**
 * `bench cycle`: wall-clock cycles of 1 and 6 symbols against a local model server (six
 * network-like sources and a 100-300 ms explainer), for the incumbent, each optimization
 * alone on top of it, and all five. Warm cycles: a live service's steady state.
 */
export async function cycleBench(context: BenchmarkContext): Promise<unknown> {
  for (const plugin of [httpSource, httpExplainer, connectionPerWrite]) context.registry.register(plugin, 'bench cycle');
  const server = await startLatencyServer(SEED_NUMBER);
  benchState.url = server.url;
  const one = universe(1, 0);
  // Five of six become signals: the incumbent wrote a text per signal, 600-1,800 ms a cycle.
  const six = universe(5, 1);
  const cycles = Math.max(5, 4 * context.runs);
  const arms = [];
  try {
    for (const arm of ARMS) {
      context.print(`  ${arm.name}…`);
      const single = await measureArm(context.registry, arm.on, one, cycles);
      const many = await measureArm(context.registry, arm.on, six, cycles);
      const q = (samples: CycleSample[], pick: (s: CycleSample) => number, at: number) => round(quantile(samples.map(pick), at));
      arms.push({
        arm: arm.name,
        optimizations: arm.on,
        oneSymbol: { p50: q(single, (s) => s.wallMs, 0.5), p95: q(single, (s) => s.wallMs, 0.95) },
        sixSymbols: { p50: q(many, (s) => s.wallMs, 0.5), p95: q(many, (s) => s.wallMs, 0.95) },
        criticalPathMs: { p50: q(many, (s) => s.criticalPathMs, 0.5) },
        databaseMsPerCycle: round(median(many.map((s) => s.databaseMs))),
        reasoningMsPerCycle: round(median(many.map((s) => s.reasoningMs))),
        sourceCallsPerCycle: round(median(many.map((s) => s.sourceCalls))),
        signalsPerCycle: median(many.map((s) => s.signals)),
      });
    }
  } finally {
    await server.close();
  }
  const incumbent = arms[0];
  const all = arms.at(-1)!;
  const speedup = incumbent.sixSymbols.p50 / all.sixSymbols.p50;
  const figures = {
    universe: { oneSymbol: one, sixSymbols: six },
    measuredCycles: cycles,
    warmUpCycles: WARM_UP_CYCLES,
    seed: SEED,
    arms: arms.map((a) => ({ ...a, sixSymbolSpeedup: round(incumbent.sixSymbols.p50 / a.sixSymbols.p50) })),
    targets: {
      sixSymbolSpeedupAtLeast2_5: speedup >= 2.5,
      withinOnePointOneOfCriticalPath: all.sixSymbols.p50 <= 1.1 * all.criticalPathMs.p50,
      databaseUnder2Ms: all.databaseMsPerCycle < 2,
      reasoningUnder50Ms: all.reasoningMsPerCycle < 50,
    },
  };
  context.print(`cycle benchmark: ${cycles} warm cycles per arm (after ${WARM_UP_CYCLES}), 1 symbol (${one.join(',')}) and 6 (${six.join(',')}), model server on loopback`);
  context.print('arm                     1 sym p50   p95   6 sym p50   p95  crit.path  db ms  reason ms  calls  speedup');
  for (const a of figures.arms) {
    context.print(
      `${a.arm.padEnd(22)} ${String(a.oneSymbol.p50).padStart(10)} ${String(a.oneSymbol.p95).padStart(5)} ${String(a.sixSymbols.p50).padStart(11)} ${String(a.sixSymbols.p95).padStart(5)} ${String(a.criticalPathMs.p50).padStart(10)} ${String(a.databaseMsPerCycle).padStart(6)} ${String(a.reasoningMsPerCycle).padStart(10)} ${String(a.sourceCallsPerCycle).padStart(6)} ${a.sixSymbolSpeedup.toFixed(2).padStart(7)}x`,
    );
  }
  context.print(`seed, current:   1 sym ${range(SEED.current.oneSymbol)}, 6 sym ${range(SEED.current.sixSymbols)}, db ${range(SEED.current.databaseMs)}, reasoning ${range(SEED.current.reasoningMs)}`);
  context.print(`seed, projected: 1 sym ${range(SEED.projected.oneSymbol)}, 6 sym ${range(SEED.projected.sixSymbols)}, db ${range(SEED.projected.databaseMs)}, reasoning ${range(SEED.projected.reasoningMs)} (about 1.7x)`);
  context.print(
    `targets (all five): 6-symbol p50 ${speedup.toFixed(2)}x the incumbent's (>= 2.5), ${(all.sixSymbols.p50 / all.criticalPathMs.p50).toFixed(2)}x its critical path (<= 1.1), db ${all.databaseMsPerCycle} ms (< 2), reasoning ${all.reasoningMsPerCycle} ms (< 50)`,
  );
  return figures;
}
