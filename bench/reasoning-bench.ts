import type { BenchmarkContext } from '../core/cli/cli';
import { loadConfig } from '../core/config/config-loader';
import type { Signal, WeightedOpinion } from '../core/domain/domain';
import { cachedConsensus } from '../core/engine/consensus-cache';
import { CycleStats } from '../core/engine/cycle-stats';
import { Run } from '../core/engine/run';
import { quantile } from '../core/util/quantile';
import type { PluginDefinition } from '../core/plugin-system/define-plugin';
import type { Consensus, ExplainRequest, Explainer, ReasoningCache, Storage } from '../core/plugin-system/plugin-contracts';
import { validateOptions } from '../core/plugin-system/plugin-loader';
import { DeferredReasoner, ReasoningService, requestOfSignal } from '../core/reasoning/reasoning-service';
import { RunEvents } from '../core/engine/run-events';
import { createLogger } from '../core/util/logger';
import { SecretRedactor } from '../core/util/secret-redactor';
import heavyConsensus from './heavy-consensus';
import { median } from './median';
import { SYNTHETIC_STAND_IN, findRealData } from './real-data';

const logger = createLogger('error');
const CYCLE = 6;

async function create<T>(def: PluginDefinition, options: Record<string, unknown> = {}): Promise<T> {
  return (await def.create({ options: validateOptions(def, options, def.name), seed: 7, now: Date.now, env: {}, logger } as never)) as T;
}

function build<T>(context: BenchmarkContext, kind: 'explainer' | 'reasoning-cache' | 'consensus', name: string, options: Record<string, unknown> = {}): Promise<T> {
  return create<T>(context.registry.get(kind, name) as PluginDefinition, options);
}

/** The explain requests of a year of real signals, in date order. */
async function realRequests(context: BenchmarkContext): Promise<{ requests: ExplainRequest[]; data: string }> {
  const dir = findRealData(context.dataDir);
  const values = dir === undefined ? { ...SYNTHETIC_STAND_IN } : { 'data.dir': dir };
  const config = loadConfig(context.registry, { values: { ...values, 'storage.plugin': 'memory' } });
  const run = await Run.create(config, logger);
  const signals: Signal[] = [];
  await run.replay({ from: '2017-02-08', to: '2018-02-07', onResult: (r) => void (r.signal && signals.push(r.signal)) });
  await run.close();
  const weights = new Map(config.values.sources.map((s) => [s.name, s.weight]));
  return { requests: signals.map((s) => requestOfSignal(s, weights)), data: dir ?? 'synthetic stand-in' };
}

type Mode = 'sync' | 'cached' | 'deferred';

interface ModeFigures {
  explainer: string;
  mode: string;
  signals: number;
  perCycleMs: { p50: number; p95: number };
  per1000SignalsMs: number;
  backgroundMs: number;
  hitRate: number | null;
}

/** One way of running reasoning: the mode, a filled cache (`warm`), a wait limit. */
interface Variant {
  readonly mode: Mode;
  readonly warm?: boolean;
  readonly maxWaitMs?: number;
}

function labelOf({ mode, warm, maxWaitMs }: Variant): string {
  return warm ? `${mode}, warm` : maxWaitMs ? `${mode}, wait ${maxWaitMs}` : mode;
}

/**
 * Critical-path time of reasoning for consecutive 6-signal cycles in one variant, as the
 * pipeline asks (`ReasoningService.forSignal`, pending texts to the deferred reasoner).
 * `warm`: the same signals go through once untimed first, as when a replay is run again or
 * live questions recur, so the timed pass meets a filled cache.
 */
async function measureMode(context: BenchmarkContext, explainer: Explainer, explainerName: string, variant: Variant, requests: readonly ExplainRequest[]): Promise<ModeFigures> {
  const { mode, warm = false, maxWaitMs = 0 } = variant;
  const config = loadConfig(context.registry, { values: { 'reasoning.mode': mode, 'reasoning.maxWaitMs': maxWaitMs } }).values;
  const stats = new CycleStats();
  const cache = mode === 'sync' ? null : await build<ReasoningCache>(context, 'reasoning-cache', 'memory');
  const service = new ReasoningService(explainer, { name: explainerName, version: '1.0.0', options: {} }, cache, config, stats, logger, new SecretRedactor());
  const storage = { updateReasoning: async () => undefined } as unknown as Storage;
  const deferred = new DeferredReasoner(service, storage, config.reasoning.deferred.concurrency, stats, logger, new RunEvents());
  if (warm) for (let start = 0; start + CYCLE <= requests.length; start += CYCLE) await Promise.all(requests.slice(start, start + CYCLE).map((r) => service.reason(r)));
  const before = stats.report().caches.reasoning;
  const cycles: number[] = [];
  for (let start = 0; start + CYCLE <= requests.length; start += CYCLE) {
    const cycle = requests.slice(start, start + CYCLE);
    const began = performance.now();
    await Promise.all(
      cycle.map(async (request) => {
        const { now, later } = await service.forSignal(request);
        if (now.status === 'pending') deferred.enqueue('bench', request, { lookedUp: true, later });
      }),
    );
    cycles.push(performance.now() - began);
  }
  const backgroundStarted = performance.now();
  await deferred.drain(600_000);
  const after = stats.report().caches.reasoning;
  const hits = (after?.hits ?? 0) - (before?.hits ?? 0);
  const misses = (after?.misses ?? 0) - (before?.misses ?? 0);
  const total = cycles.reduce((a, b) => a + b, 0);
  return {
    explainer: explainerName,
    mode: labelOf(variant),
    signals: cycles.length * CYCLE,
    perCycleMs: { p50: quantile(cycles, 0.5), p95: quantile(cycles, 0.95) },
    per1000SignalsMs: (total / (cycles.length * CYCLE)) * 1000,
    backgroundMs: mode === 'deferred' || maxWaitMs > 0 ? performance.now() - backgroundStarted : 0,
    hitRate: after === null || hits + misses === 0 ? null : hits / (hits + misses),
  };
}

/** Microseconds per combine() over `inputs`, asked twice (the second pass can hit a cache). */
async function timeConsensus(consensus: Consensus, inputs: readonly WeightedOpinion[][]): Promise<number> {
  const began = performance.now();
  for (let pass = 0; pass < 2; pass++) for (const opinions of inputs) await consensus.combine(opinions);
  return ((performance.now() - began) * 1000) / (inputs.length * 2);
}

/**
 * Reasoning on the critical path of 6-signal cycles, in sync, cached and deferred mode, with
 * the template explainer and an LLM-like one (100 to 300 ms, seeded), over the real signals
 * of a year; plus the consensus cache against none for the weighted consensus and a heavy one.
 */
export async function reasoningBench(context: BenchmarkContext): Promise<unknown> {
  const { requests, data } = await realRequests(context);
  context.print(`reasoning benchmark on ${requests.length} real signals (${data}), cycles of ${CYCLE}, ${context.runs} run(s), medians`);
  const template = await build<Explainer>(context, 'explainer', 'template');
  const llmLike = await build<Explainer>(context, 'explainer', 'simulated-llm');
  const llmSignals = requests.slice(0, 240);
  const rows: ModeFigures[] = [];
  const variants: Variant[] = [{ mode: 'sync' }, { mode: 'cached' }, { mode: 'cached', warm: true }, { mode: 'cached', maxWaitMs: 40 }, { mode: 'deferred' }];
  for (const [name, explainer, input] of [
    ['template', template, requests],
    ['simulated-llm', llmLike, llmSignals],
  ] as const) {
    for (const variant of variants) {
      const runs: ModeFigures[] = [];
      for (let r = 0; r < context.runs; r++) runs.push(await measureMode(context, explainer, name, variant, input));
      const pick = (f: (x: ModeFigures) => number) => median(runs.map(f));
      rows.push({
        ...runs[0],
        perCycleMs: { p50: pick((x) => x.perCycleMs.p50), p95: pick((x) => x.perCycleMs.p95) },
        per1000SignalsMs: pick((x) => x.per1000SignalsMs),
        backgroundMs: pick((x) => x.backgroundMs),
      });
    }
  }
  context.print('explainer       mode             signals  cycle ms p50    p95   ms per 1000 signals  background ms  cache hit rate');
  for (const row of rows) {
    context.print(
      `${row.explainer.padEnd(15)} ${row.mode.padEnd(15)} ${String(row.signals).padStart(8)} ${row.perCycleMs.p50.toFixed(3).padStart(13)} ${row.perCycleMs.p95.toFixed(3).padStart(7)} ${row.per1000SignalsMs.toFixed(1).padStart(20)} ${row.backgroundMs.toFixed(0).padStart(14)}  ${row.hitRate === null ? '-' : `${(row.hitRate * 100).toFixed(1)}%`}`,
    );
  }

  const inputs = requests.map((r) => r.opinions.map((o) => ({ ...o })));
  const weighted = await build<Consensus>(context, 'consensus', 'weighted');
  const heavy = await create<Consensus>(heavyConsensus);
  const identity = { name: 'weighted', version: '1.0.0', options: {} };
  const cacheConfig = { maxEntries: 100000, ttlMs: 300000, bucket: 0 };
  const consensus = {
    weighted: { plainUs: await timeConsensus(weighted, inputs), cachedUs: await timeConsensus(cachedConsensus(weighted, identity, cacheConfig, Date.now, new CycleStats()), inputs) },
    heavy: {
      plainUs: await timeConsensus(heavy, inputs),
      cachedUs: await timeConsensus(cachedConsensus(heavy, identity, cacheConfig, Date.now, new CycleStats()), inputs),
    },
  };
  context.print(
    `consensus cache, each input asked twice: weighted ${consensus.weighted.plainUs.toFixed(2)} µs plain vs ${consensus.weighted.cachedUs.toFixed(2)} µs cached; ` +
      `heavy ${consensus.heavy.plainUs.toFixed(1)} µs plain vs ${consensus.heavy.cachedUs.toFixed(1)} µs cached`,
  );
  const llmRow = (mode: string) => rows.find((r) => r.explainer === 'simulated-llm' && r.mode === mode)!;
  const target = {
    llmCachedColdUnder50msPerCycle: llmRow('cached').perCycleMs.p50 < 50,
    llmCachedWarmUnder50msPerCycle: llmRow('cached, warm').perCycleMs.p50 < 50,
    llmCachedWait40Under50msPerCycleP95: llmRow('cached, wait 40').perCycleMs.p95 < 50,
    llmDeferredUnder50msPerCycle: llmRow('deferred').perCycleMs.p50 < 50,
  };
  context.print(
    `targets (LLM-like, median 6-signal cycle < 50 ms): cached, cold cache ${target.llmCachedColdUnder50msPerCycle ? 'met' : 'NOT met'}; ` +
      `cached, warm cache ${target.llmCachedWarmUnder50msPerCycle ? 'met' : 'NOT met'}; ` +
      `cached with reasoning.maxWaitMs 40, p95 ${target.llmCachedWait40Under50msPerCycleP95 ? 'met' : 'NOT met'}; deferred ${target.llmDeferredUnder50msPerCycle ? 'met' : 'NOT met'}`,
  );
  return { data, signals: requests.length, reasoning: rows, consensus, target };
}
