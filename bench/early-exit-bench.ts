import path from 'node:path';
import type { BenchmarkContext } from '../core/cli/cli';
import { runAbTest, type AbReport } from '../core/lab/ab-lab';
import { createLogger } from '../core/util/logger';
import { loadConfig } from '../core/config/config-loader';
import { Run } from '../core/engine/run';
import weighted from '../plugins/consensus/weighted';
import { oracleCalls } from './early-exit-oracle';
import { median } from './median';
import { SYNTHETIC_STAND_IN, findRealData } from './real-data';

/** The five technical sources with the simulated latencies of config/examples/ab-simulated-latency.json. */
const CONFIG = path.resolve(__dirname, '..', '..', 'config', 'examples', 'ab-simulated-latency.json');
const STRATEGIES = ['none', 'staged', 'incremental', 'bound'];

/**
 * Every early-exit strategy at its defaults on the 100 real symbols over one year, each
 * against `none`: source calls saved, recall of none's signals, virtual time per cycle.
 * Target: `bound` saves at least 30% of the calls with recall 1.0 at minConfidence 75.
 */
export async function earlyExitBench(context: BenchmarkContext): Promise<unknown> {
  const dir = findRealData(context.dataDir);
  if (dir === undefined) context.print('real data not found: using 100 synthetic symbols over the same dates instead');
  const values = dir === undefined ? { ...SYNTHETIC_STAND_IN } : { 'data.dir': dir };
  const reports: AbReport[] = [];
  for (let run = 0; run < context.runs; run++) {
    reports.push(
      await runAbTest({
        registry: context.registry,
        base: { file: CONFIG, values: { ...values, 'earlyExit.shadowRate': 0 } },
        from: '2017-02-08',
        to: '2018-02-07',
        arms: STRATEGIES.map((strategy) => ({ name: strategy, sets: [`earlyExit.strategy=${strategy}`] })),
        logger: createLogger('error'),
      }),
    );
  }
  const oracle = await oracleSaving(context, values);
  const [first] = reports;
  const strategies = first.arms.map((arm, i) => ({
    strategy: arm.name,
    sourceCalls: arm.sourceCalls.made,
    savedPercent: arm.sourceCalls.savedPercent,
    recall: arm.agreement.recall,
    precision: arm.agreement.precision,
    signals: arm.signals,
    virtualMsPerCycle: arm.latencyMs.perCycle,
    wallMsMedian: median(reports.map((r) => r.arms[i].wallMs)),
  }));
  const bound = strategies.find((s) => s.strategy === 'bound')!;
  const figures = {
    data: dir ?? 'synthetic stand-in',
    from: first.from,
    to: first.to,
    symbolDays: first.symbolDays,
    minConfidence: 75,
    runs: context.runs,
    strategies,
    oracle,
    target: {
      boundSavesAtLeast30PercentWithRecall1: bound.savedPercent >= 30 && bound.recall === 1,
      boundWithin10PercentOfOracle: bound.recall === 1 && bound.savedPercent >= 0.9 * oracle.savedPercent,
    },
  };
  context.print(`early-exit benchmark: ${figures.symbolDays} symbol-days (${figures.from} to ${figures.to}), simulated source latencies, ${context.runs} run(s)`);
  context.print('strategy      calls  saved   recall  precision  signals  virtual ms/cycle p50  p95   wall ms');
  for (const s of strategies) {
    context.print(
      `${s.strategy.padEnd(12)} ${String(s.sourceCalls).padStart(6)}  ${s.savedPercent.toFixed(1).padStart(5)}%  ${s.recall.toFixed(3)}   ${s.precision.toFixed(3)}    ${String(s.signals).padStart(6)}  ${s.virtualMsPerCycle.p50.toFixed(0).padStart(20)} ${s.virtualMsPerCycle.p95.toFixed(0).padStart(5)}  ${s.wallMsMedian.toFixed(0).padStart(7)}`,
    );
  }
  context.print(`${'oracle'.padEnd(12)} ${String(oracle.calls).padStart(6)}  ${oracle.savedPercent.toFixed(1).padStart(5)}%  1.000   1.000    (the fewest calls deciding every symbol-day as none does, with hindsight)`);
  context.print(`target: bound saves >= 30% with recall 1.0: ${figures.target.boundSavesAtLeast30PercentWithRecall1 ? 'met' : 'NOT met'}`);
  context.print(`target: bound's saving within 10% of the oracle's (${bound.savedPercent.toFixed(1)}% of ${oracle.savedPercent.toFixed(1)}%, ${((100 * bound.savedPercent) / oracle.savedPercent).toFixed(0)}%): ${figures.target.boundWithin10PercentOfOracle ? 'met' : 'NOT met'}`);
  return figures;
}

/** The oracle's calls over the same symbol-days: a replay with every source asked, each symbol-day's answers judged with hindsight. */
async function oracleSaving(context: BenchmarkContext, values: Record<string, unknown>): Promise<{ calls: number; noneCalls: number; savedPercent: number }> {
  const config = loadConfig(context.registry, { file: CONFIG, values: { ...values, 'earlyExit.shadowRate': 0, 'earlyExit.strategy': 'none', 'storage.plugin': 'memory' }, without: ['storage'] });
  const run = await Run.create(config, createLogger('error'));
  const consensus = await weighted.create({} as never);
  const sources = config.values.sources.map(({ name, weight }) => ({ name, weight }));
  let calls = 0;
  let noneCalls = 0;
  const stop = run.events.on('evaluated', ({ opinions, consensus: full }) => {
    noneCalls += sources.length;
    calls += oracleCalls(consensus, sources, opinions, full, config.values.consensus.minConfidence);
  });
  try {
    await run.replay({ from: '2017-02-08', to: '2018-02-07' });
  } finally {
    stop();
    await run.close();
  }
  return { calls, noneCalls, savedPercent: (100 * (noneCalls - calls)) / noneCalls };
}
