import type { SourceOutcome } from './domain';

/** The pipeline stages whose time is measured. */
export type Stage = 'plan' | 'fetch' | 'consensus' | 'levels' | 'reasoning' | 'storage';

const STAGES: readonly Stage[] = ['plan', 'fetch', 'consensus', 'levels', 'reasoning', 'storage'];

/** Source calls of one source, or of all. */
export interface CallCounts {
  made: number;
  skipped: number;
  failed: number;
  timeouts: number;
  malformed: number;
}

/** The statistics of one or more cycles, as printed by `--json`. */
export interface StatsReport {
  cycles: number;
  symbolsEvaluated: number;
  signals: number;
  rejections: Record<string, number>;
  sourceCalls: CallCounts & { bySource: Record<string, CallCounts> };
  malformedRows: number;
  /** Early-exited symbols fetched in full anyway (`earlyExit.shadowRate`), and how many of them would have become signals. */
  shadow: { checked: number; missed: number; missRate: number | null; sourceCalls: number };
  /** Signals acknowledged as stored, and signals the storage failed to store. */
  storage: { acknowledged: number; failed: number };
  stageMs: Record<Stage, number>;
  time: { wallMs: number; virtualMs: number };
}

function emptyCounts(): CallCounts {
  return { made: 0, skipped: 0, failed: 0, timeouts: 0, malformed: 0 };
}

function addCounts(into: CallCounts, from: CallCounts): void {
  into.made += from.made;
  into.skipped += from.skipped;
  into.failed += from.failed;
  into.timeouts += from.timeouts;
  into.malformed += from.malformed;
}

/** Counts what cycles did: every failure is counted here, never swallowed. */
export class CycleStats {
  cycles = 0;
  symbolsEvaluated = 0;
  signals = 0;
  malformedRows = 0;
  storageAcknowledged = 0;
  storageFailed = 0;
  shadowChecked = 0;
  shadowMissed = 0;
  shadowSourceCalls = 0;
  wallMs = 0;
  virtualMs = 0;
  readonly rejections = new Map<string, number>();
  readonly bySource = new Map<string, CallCounts>();
  readonly stageMs = new Map<Stage, number>(STAGES.map((stage) => [stage, 0]));

  #source(name: string): CallCounts {
    let counts = this.bySource.get(name);
    if (counts === undefined) {
      counts = emptyCounts();
      this.bySource.set(name, counts);
    }
    return counts;
  }

  /** Counts one source call and how it ended. */
  recordCall(outcome: SourceOutcome): void {
    const counts = this.#source(outcome.source);
    counts.made++;
    if (outcome.ok) return;
    counts.failed++;
    if (outcome.failure === 'timeout') counts.timeouts++;
    if (outcome.failure === 'malformed') counts.malformed++;
  }

  /** Counts sources an early exit never called. */
  recordSkipped(sources: readonly string[]): void {
    for (const name of sources) this.#source(name).skipped++;
  }

  /** Counts a symbol rejected for `reason`. */
  reject(reason: string): void {
    this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + 1);
  }

  /** Adds `ms` to the time of `stage`. */
  time(stage: Stage, ms: number): void {
    this.stageMs.set(stage, this.stageMs.get(stage)! + ms);
  }

  /** Adds another set of statistics into this one. */
  merge(other: CycleStats): void {
    this.cycles += other.cycles;
    this.symbolsEvaluated += other.symbolsEvaluated;
    this.signals += other.signals;
    this.malformedRows += other.malformedRows;
    this.storageAcknowledged += other.storageAcknowledged;
    this.storageFailed += other.storageFailed;
    this.shadowChecked += other.shadowChecked;
    this.shadowMissed += other.shadowMissed;
    this.shadowSourceCalls += other.shadowSourceCalls;
    this.wallMs += other.wallMs;
    this.virtualMs += other.virtualMs;
    for (const [reason, count] of other.rejections) this.rejections.set(reason, (this.rejections.get(reason) ?? 0) + count);
    for (const [name, counts] of other.bySource) addCounts(this.#source(name), counts);
    for (const [stage, ms] of other.stageMs) this.time(stage, ms);
  }

  /** A plain-object report, sorted for stable output. */
  report(): StatsReport {
    const total = emptyCounts();
    const bySource: Record<string, CallCounts> = {};
    for (const name of [...this.bySource.keys()].sort()) {
      const counts = this.bySource.get(name)!;
      bySource[name] = { ...counts };
      addCounts(total, counts);
    }
    return {
      cycles: this.cycles,
      symbolsEvaluated: this.symbolsEvaluated,
      signals: this.signals,
      rejections: Object.fromEntries([...this.rejections.entries()].sort(([a], [b]) => a.localeCompare(b))),
      sourceCalls: { ...total, bySource },
      malformedRows: this.malformedRows,
      shadow: {
        checked: this.shadowChecked,
        missed: this.shadowMissed,
        missRate: this.shadowChecked === 0 ? null : this.shadowMissed / this.shadowChecked,
        sourceCalls: this.shadowSourceCalls,
      },
      storage: { acknowledged: this.storageAcknowledged, failed: this.storageFailed },
      stageMs: Object.fromEntries(STAGES.map((stage) => [stage, round(this.stageMs.get(stage)!)])) as Record<Stage, number>,
      time: { wallMs: round(this.wallMs), virtualMs: round(this.virtualMs) },
    };
  }
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000;
}
