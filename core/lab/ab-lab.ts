/**
 * The A/B lab: replays the same symbol-days under several configurations ("arms"), each in a
 * run of its own (its own child container), and compares them with a baseline arm: source
 * calls, virtual latency, agreement of the signals, and how good the signals were.
 */
import { bootstrapDifference, holm, type BootstrapDifference } from './ab-statistics';
import { quantile } from '../util/quantile';
import { loadConfig, type ConfigInput } from '../config/config-loader';
import { virtualCycleMs } from '../engine/cycle-runner';
import type { StatsReport } from '../engine/cycle-stats';
import type { Signal } from '../domain/domain';
import { ArgoError } from '../errors/errors';
import type { Logger } from '../util/logger';
import { scoreSignal } from '../learning/outcome-scoring';
import type { PluginRegistry } from '../plugin-system/plugin-registry';
import { Run } from '../engine/run';
import type { Cassette } from '../engine/run-tape';
import type { SymbolResult } from '../engine/symbol-pipeline';
import type { ShardPlan } from '../engine/shard-contract';
import { firstTouches, forwardReturns, signed } from '../learning/evaluation-dataset';
import { dateIc, expectedCalibrationError, meanOf } from '../learning/tear-sheet';
import { planWalkForward, type DatasetCache, type WalkForwardFit } from './walk-forward-arm';

/** One arm: a name and the `key=value` settings it adds to the base configuration. */
export interface ArmSpec {
  readonly name: string;
  readonly sets: readonly string[];
}

/** What the lab runs. */
export interface AbOptions {
  readonly registry: PluginRegistry;
  /** The configuration every arm starts from. */
  readonly base: ConfigInput;
  readonly from: string;
  readonly to: string;
  readonly arms: readonly ArmSpec[];
  /** The arm the others are compared with; the first by default. */
  readonly baseline?: string;
  readonly logger: Logger;
  /** Called after each cycle of each arm (progress bars). */
  readonly onCycle?: (arm: string, date: string, cyclesPerArm: number) => void;
  /**
   * A recorded live run: every arm replays its cycles with the recorded bars and answers
   * (`from` and `to` then only label the report); a source an arm asks that the live run did not
   * is counted in the arm's `sourceCalls.unrecorded`.
   */
  readonly cassette?: Cassette;
  /** Every arm's replay sharded over these workers; the arms then run at once. */
  readonly shards?: ShardPlan;
}

/** Buckets of the reliability of the signals' probabilities: 10 of equal width. */
const BUCKETS = 10;

/** Per-day totals of one arm: what the bootstrap resamples. */
interface DayRow {
  readonly symbols: number;
  readonly calls: number;
  readonly signals: number;
  readonly scored: number;
  readonly wins: number;
  readonly sumR: number;
  readonly sumReturn: number;
  /** Signals whose direction was judged by the `learning.horizon` return, and their squared probability errors. */
  readonly judged: number;
  readonly squaredError: number;
  /** By probability bucket: the signals' summed probabilities, and how many were right. */
  readonly buckets: readonly { readonly p: number; readonly right: number }[];
  /** The Rank IC of the day's signals against their returns (NaN with too few). */
  readonly rankIc: number;
}

type Total = { [K in keyof DayRow]: DayRow[K] extends number ? K : never }[keyof DayRow];

const ratio = (num: number, den: number) => (den === 0 ? Number.NaN : num / den);
const sum = (rows: readonly DayRow[], key: Total) => rows.reduce((total, row) => total + row[key], 0);

/** Expected calibration error of the signals of `rows`: their days' buckets summed, bucket by bucket. */
function rowsEce(rows: readonly DayRow[]): number {
  const buckets = Array.from({ length: BUCKETS }, (_, b) => ({
    predicted: rows.reduce((total, row) => total + row.buckets[b].p, 0),
    right: rows.reduce((total, row) => total + row.buckets[b].right, 0),
  }));
  return expectedCalibrationError(buckets, sum(rows, 'judged'));
}

/** The metrics compared with the baseline, each a statistic of per-day rows. */
const METRICS: Readonly<Record<string, (rows: readonly DayRow[]) => number>> = {
  callsPerSymbol: (rows) => ratio(sum(rows, 'calls'), sum(rows, 'symbols')),
  signalsPerDay: (rows) => ratio(sum(rows, 'signals'), rows.length),
  winRate: (rows) => ratio(sum(rows, 'wins'), sum(rows, 'scored')),
  meanR: (rows) => ratio(sum(rows, 'sumR'), sum(rows, 'scored')),
  brier: (rows) => ratio(sum(rows, 'squaredError'), sum(rows, 'judged')),
  ece: rowsEce,
  rankIc: (rows) => meanOf(rows.map((row) => row.rankIc)),
};

/**
 * What a signal says of its direction, as a probability that it is right: its calibrated
 * `probability`, or its confidence read as one. Signed for ranking: by P(rise) when calibrated,
 * by the signed confidence otherwise (as the tear sheet ranks them).
 */
function prediction(signal: Signal): { right: number; rank: number } {
  if (signal.probability === undefined) return { right: signal.confidence / 100, rank: signed(signal.direction, signal.confidence) };
  return { right: signal.probability, rank: signal.direction === 'LONG' ? signal.probability : 1 - signal.probability };
}

/** A day's calibration totals of `signals` against what decided them (`returnOf`, signed as a move up). */
function judge(signals: readonly Signal[], returnOf: (signal: Signal) => number | null): Pick<DayRow, 'judged' | 'squaredError' | 'buckets' | 'rankIc'> {
  const buckets = Array.from({ length: BUCKETS }, () => ({ p: 0, right: 0 }));
  const ranks: number[] = [];
  const returns: number[] = [];
  let judged = 0;
  let squaredError = 0;
  for (const signal of signals) {
    const forward = returnOf(signal);
    if (forward === null || forward === 0) continue;
    const { right: p, rank } = prediction(signal);
    const right = Math.sign(forward) === (signal.direction === 'LONG' ? 1 : -1) ? 1 : 0;
    judged++;
    squaredError += (p - right) ** 2;
    const bucket = buckets[Math.min(BUCKETS - 1, Math.floor(p * BUCKETS))];
    bucket.p += p;
    bucket.right += right;
    ranks.push(rank);
    returns.push(forward);
  }
  return { judged, squaredError, buckets, rankIc: dateIc(ranks, returns, true) };
}

/** A compared metric: the difference from the baseline with its interval, raw and Holm-adjusted p. */
export interface MetricDifference extends BootstrapDifference {
  readonly pHolm: number;
}

/** Everything measured for one arm. */
export interface ArmReport {
  readonly name: string;
  readonly sets: readonly string[];
  readonly configHash: string;
  readonly sourceCalls: { made: number; skipped: number; savedPercent: number; failed: number; unrecorded: number };
  readonly latencyMs: { perSymbol: { p50: number; p95: number }; perCycle: { p50: number; p95: number } };
  readonly wallMs: number;
  readonly signals: number;
  readonly agreement: { precision: number; recall: number; jaccard: number };
  readonly outcomes: { scored: number; wins: number; losses: number; expired: number; winRate: number; meanR: number; meanReturn: number };
  /**
   * How well the signals' probabilities (their confidence read as one without a calibration)
   * foretold their direction at `learning.horizon` bars: Brier score, expected calibration
   * error (10 buckets), and the mean Rank IC of the days with at least 5 signals.
   */
  readonly quality: { judged: number; brier: number; ece: number; rankIc: number };
  /** A walk-forward arm's test windows and the calibration each was given. */
  readonly walkForward?: readonly WalkForwardFit[];
  readonly shadow: StatsReport['shadow'];
  readonly rejections: Record<string, number>;
  /** Differences from the baseline (empty for the baseline itself). */
  readonly differences: Record<string, MetricDifference>;
}

/** The lab's answer. */
export interface AbReport {
  readonly from: string;
  readonly to: string;
  readonly baseline: string;
  readonly days: number;
  readonly symbolDays: number;
  readonly resamples: number;
  readonly arms: ArmReport[];
}

interface ArmRun {
  readonly spec: ArmSpec;
  readonly configHash: string;
  readonly stats: StatsReport;
  readonly wallMs: number;
  readonly signals: Signal[];
  readonly outcomes: ReturnType<typeof scoreSignal>[];
  readonly symbolMs: number[];
  readonly cycleMs: number[];
  readonly days: Map<string, DayRow>;
  readonly symbolDays: number;
  readonly seed: number;
  readonly resamples: number;
  readonly walkForward?: readonly WalkForwardFit[];
}

async function runArm(options: AbOptions, spec: ArmSpec, datasets: DatasetCache): Promise<ArmRun> {
  // Arms keep their signals in memory unless an arm names a storage: the lab compares, it does not persist. The
  // file's storage section (a live config's SQLite path) is then left out, as the memory storage has no such keys.
  const sets = [...(options.base.sets ?? []), ...spec.sets];
  const ownStorage = sets.some((set) => set.startsWith('storage.'));
  const input = { ...options.base, ...(ownStorage ? {} : { without: ['storage'] }), sets: ['storage.plugin=memory', ...sets] };
  const config = loadConfig(options.registry, input);
  let walkForward: Awaited<ReturnType<typeof planWalkForward>> | undefined;
  if (config.values.learning.walkForward.enabled) {
    if (options.cassette !== undefined || options.shards !== undefined) {
      throw new ArgoError('ARGO_ERR_USAGE', `arm ${spec.name}: learning.walkForward replays the arm in this process; it works with neither --cassette nor --processes/--threads/--distributed`);
    }
    walkForward = await planWalkForward(options.registry, input, config, { from: options.from, to: options.to }, options.logger, datasets);
  }
  const run = await Run.create(config, options.logger, options.cassette === undefined ? { shards: options.shards } : { cassette: options.cassette });
  const byDay = new Map<string, { symbols: number; calls: number; ms: number[]; signals: Signal[] }>();
  const symbolMs: number[] = [];
  const started = performance.now();
  let report;
  const onResult = (result: SymbolResult) => {
    const day = byDay.get(result.asOf) ?? { symbols: 0, calls: 0, ms: [], signals: [] };
    day.symbols++;
    day.calls += result.calls;
    day.ms.push(result.virtualMs);
    if (result.signal !== null) day.signals.push(result.signal);
    byDay.set(result.asOf, day);
    symbolMs.push(result.virtualMs);
  };
  try {
    report =
      options.cassette === undefined
        ? await run.replay({
            from: options.from,
            to: options.to,
            onResult,
            onCycle: (date, total) => options.onCycle?.(spec.name, date, total),
            beforeCycle: (date) => {
              const fit = walkForward?.byTestFrom.get(date);
              if (fit !== undefined) run.calibration.stage(fit);
            },
          })
        : await run.replayCassette(options.cassette, { onResult });
    // A sharded arm's bars were loaded by its workers; scoring needs them here.
    if (options.shards !== undefined) await run.loadHistory();
  } finally {
    await run.close();
  }
  const wallMs = performance.now() - started;
  const horizon = config.values.evaluation.horizonDays;
  const { event, horizon: learningHorizon } = config.values.learning;
  // What decided a signal under learning.event, as a move up: its forward return, or which level came first (+1, -1, null).
  const returnOf = (signal: Signal) => {
    const series = run.seriesOf(signal.symbol);
    const decide = event === 'direction' ? forwardReturns(series, signal.asOf, [learningHorizon]) : firstTouches(series, signal.asOf, config.values.levels, [learningHorizon]);
    return decide.returns[0];
  };
  const signals: Signal[] = [];
  const outcomes: ReturnType<typeof scoreSignal>[] = [];
  const days = new Map<string, DayRow>();
  const cycleMs: number[] = [];
  for (const [date, day] of byDay) {
    let scored = 0;
    let wins = 0;
    let sumR = 0;
    let sumReturn = 0;
    for (const signal of day.signals) {
      const outcome = scoreSignal(signal, run.seriesOf(signal.symbol)!, horizon);
      signals.push(signal);
      outcomes.push(outcome);
      if (outcome.kind === 'open') continue;
      scored++;
      if (outcome.kind === 'win') wins++;
      sumR += outcome.rMultiple;
      sumReturn += outcome.return;
    }
    days.set(date, { symbols: day.symbols, calls: day.calls, signals: day.signals.length, scored, wins, sumR, sumReturn, ...judge(day.signals, returnOf) });
    cycleMs.push(virtualCycleMs(day.ms, config.values.concurrency));
  }
  return {
    spec,
    configHash: config.hash,
    stats: report.stats,
    wallMs,
    signals,
    outcomes,
    symbolMs,
    cycleMs,
    days,
    symbolDays: report.stats.symbolsEvaluated,
    seed: config.values.seed,
    resamples: config.values.evaluation.resamples,
    walkForward: walkForward?.fits,
  };
}

const signalKey = (s: Signal) => `${s.symbol}|${s.asOf}|${s.action}`;

function agreement(arm: readonly Signal[], baseline: readonly Signal[]): ArmReport['agreement'] {
  const a = new Set(arm.map(signalKey));
  const b = new Set(baseline.map(signalKey));
  const both = [...a].filter((key) => b.has(key)).length;
  const either = new Set([...a, ...b]).size;
  return { precision: a.size === 0 ? 1 : both / a.size, recall: b.size === 0 ? 1 : both / b.size, jaccard: either === 0 ? 1 : both / either };
}

function describe(run: ArmRun, baseline: ArmRun): Omit<ArmReport, 'differences'> {
  const { made, skipped, failed, unrecorded } = run.stats.sourceCalls;
  const scored = run.outcomes.filter((o) => o.kind !== 'open');
  const rows = [...run.days.values()];
  const count = (kind: string) => scored.filter((o) => o.kind === kind).length;
  return {
    name: run.spec.name,
    sets: run.spec.sets,
    configHash: run.configHash,
    sourceCalls: { made, skipped, failed, unrecorded, savedPercent: made + skipped === 0 ? 0 : (100 * skipped) / (made + skipped) },
    latencyMs: {
      perSymbol: { p50: quantile(run.symbolMs, 0.5), p95: quantile(run.symbolMs, 0.95) },
      perCycle: { p50: quantile(run.cycleMs, 0.5), p95: quantile(run.cycleMs, 0.95) },
    },
    wallMs: run.wallMs,
    signals: run.signals.length,
    agreement: agreement(run.signals, baseline.signals),
    outcomes: {
      scored: scored.length,
      wins: count('win'),
      losses: count('loss'),
      expired: count('expired'),
      winRate: ratio(count('win'), scored.length),
      meanR: ratio(scored.reduce((t, o) => t + o.rMultiple, 0), scored.length),
      meanReturn: ratio(scored.reduce((t, o) => t + o.return, 0), scored.length),
    },
    quality: { judged: sum(rows, 'judged'), brier: METRICS.brier(rows), ece: METRICS.ece(rows), rankIc: METRICS.rankIc(rows) },
    shadow: run.stats.shadow,
    rejections: run.stats.rejections,
    ...(run.walkForward === undefined ? {} : { walkForward: run.walkForward }),
  };
}

/** Runs every arm on the same symbol-days and compares each with the baseline. */
export async function runAbTest(options: AbOptions): Promise<AbReport> {
  const names = options.arms.map((arm) => arm.name);
  if (names.length < 2) throw new ArgoError('ARGO_ERR_USAGE', `an A/B test needs at least two arms, got ${names.length}`);
  if (new Set(names).size !== names.length) throw new ArgoError('ARGO_ERR_USAGE', `arm names must differ: ${names.join(', ')}`);
  const baselineName = options.baseline ?? names[0];
  if (!names.includes(baselineName)) throw new ArgoError('ARGO_ERR_USAGE', `--baseline ${baselineName} is not an arm (${names.join(', ')})`);

  const runs: ArmRun[] = [];
  const datasets: DatasetCache = new Map();
  if (options.shards !== undefined) runs.push(...(await Promise.all(options.arms.map((arm) => runArm(options, arm, datasets)))));
  else for (const arm of options.arms) runs.push(await runArm(options, arm, datasets));
  const baseline = runs[names.indexOf(baselineName)];
  const dates = [...baseline.days.keys()];
  const rowsOf = (run: ArmRun) => dates.map((date) => run.days.get(date)!);
  for (const run of runs) {
    if (run.days.size !== baseline.days.size || dates.some((date) => run.days.get(date)?.symbols !== baseline.days.get(date)!.symbols)) {
      throw new ArgoError('ARGO_ERR_USAGE', `arm ${run.spec.name} evaluated other symbol-days than ${baselineName}: arms must differ in settings, not in data`);
    }
  }

  const others = runs.filter((run) => run !== baseline);
  const differences = new Map<ArmRun, Record<string, MetricDifference>>(others.map((run) => [run, {}]));
  for (const [metric, statistic] of Object.entries(METRICS)) {
    const raw = others.map((run) =>
      bootstrapDifference(rowsOf(run), rowsOf(baseline), statistic, { resamples: baseline.resamples, seed: baseline.seed, label: `${run.spec.name}:${metric}` }),
    );
    const adjusted = holm(raw.map((d) => d.p));
    others.forEach((run, i) => (differences.get(run)![metric] = { ...raw[i], pHolm: adjusted[i] }));
  }

  return {
    from: options.from,
    to: options.to,
    baseline: baselineName,
    days: dates.length,
    symbolDays: baseline.symbolDays,
    resamples: baseline.resamples,
    arms: runs.map((run) => ({ ...describe(run, baseline), differences: differences.get(run) ?? {} })),
  };
}
