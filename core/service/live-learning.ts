/**
 * `serve` learning from its own outcomes (docs/learning.md): after each cycle the outcomes of
 * stored signals whose deciding bars have arrived are resolved and stored, and the rolling hit
 * rate, Brier score and ECE of the signals and of each source are recomputed over the latest
 * `learning.rolling.outcomes`; a drift warning while the signals' rolling ECE exceeds
 * `learning.drift.maxEce`. On `learning.refit.cron` (or POST /v1/learning/refit) a calibration
 * is fitted on the resolved outcomes of the last `learning.refit.trainDates` dates and staged on
 * the run, which takes it up as its next cycle starts; a refit that fails or has fewer than
 * `learning.minSamples` outcomes keeps the calibration in use.
 */
import { Cron } from 'croner';
import type { ResolvedOutcome } from '../domain/domain';
import { dayOf } from '../domain/timeframe';
import type { Run } from '../engine/run';
import { isArgoError, messageOf } from '../errors/errors';
import { calibrationId, fitCalibration, sourcesHash, type CalibrationFile } from '../learning/calibration';
import { outcomesAsDataset } from '../learning/outcome-dataset';
import { resolveOutcomes } from '../learning/outcome-resolver';
import { rollingQuality, type RollingQuality } from '../learning/rolling-quality';
import type { Storage } from '../plugin-system/plugin-contracts';
import type { Logger } from '../util/logger';
import type { LiveService } from './live-service';

type OutcomeStorage = Storage & Required<Pick<Storage, 'saveOutcomes' | 'queryOutcomes' | 'signalsAwaitingOutcome'>>;

/** What a refit did. */
export interface RefitResult {
  readonly at: string;
  /** `staged`: fitted and taken up at the next cycle; `too-few`: fewer outcomes than `learning.minSamples`; `failed`: an error. */
  readonly result: 'staged' | 'too-few' | 'failed';
  readonly samples: number;
  readonly calibration: string | null;
  readonly error: string | null;
}

/** What GET /v1/learning answers. */
export interface LearningState {
  /** Null while outcomes are kept; else why not (a storage that keeps none). */
  readonly unavailable: string | null;
  readonly horizon: number;
  /** Outcomes resolved by this process, and when the last pass ended. */
  readonly resolved: number;
  readonly lastPass: string | null;
  readonly lastError: string | null;
  readonly rolling: RollingQuality;
  readonly drift: { readonly ece: number | null; readonly maxEce: number; readonly drifting: boolean; readonly since: string | null };
  readonly calibration: { readonly active: string | null; readonly staged: boolean };
  readonly refit: { readonly cron: string; readonly next: string | null; readonly last: RefitResult | null; readonly counts: Readonly<Record<RefitResult['result'], number>> };
}

function outcomeStorage(storage: Storage): OutcomeStorage | null {
  return storage.saveOutcomes !== undefined && storage.queryOutcomes !== undefined && storage.signalsAwaitingOutcome !== undefined ? (storage as OutcomeStorage) : null;
}

export class LiveLearning {
  #rolling: RollingQuality = { outcomes: 0, from: null, to: null, predictors: [] };
  #resolved = 0;
  #lastPass: string | null = null;
  #lastError: string | null = null;
  #driftSince: string | null = null;
  #lastRefit: RefitResult | null = null;
  readonly #counts: Record<RefitResult['result'], number> = { staged: 0, 'too-few': 0, failed: 0 };
  /** The last calibration a refit produced, staged again on a run a reload swaps in. */
  #lastGood: CalibrationFile | null = null;
  #cron: Cron | null = null;
  /** One pass or refit at a time. */
  #busy: Promise<unknown> = Promise.resolve();
  readonly #stops: (() => void)[] = [];

  constructor(
    private readonly service: LiveService,
    private readonly logger: Logger,
  ) {}

  get #run(): Run {
    return this.service.run;
  }

  get #settings() {
    return this.#run.config.values.learning;
  }

  /** Resolves after every cycle, refits on the schedule, and keeps a refit across reloads. */
  start(): void {
    this.#stops.push(this.service.onCycle(() => void this.resolveNow()));
    this.#stops.push(
      this.service.onRun((run) => {
        if (this.#lastGood !== null && this.#lastGood.sourcesHash === sourcesHash(run.config.values.sources)) run.calibration.stage(this.#lastGood);
      }),
    );
    const { cron } = this.#settings.refit;
    if (cron !== '') {
      this.#cron = new Cron(cron, { timezone: this.#run.config.values.service.schedule.timezone, protect: true }, () => void this.refitNow());
    }
  }

  /** Stops the schedule and listening, and waits for a pass or refit under way (it writes to the storage the run then closes). */
  async stop(): Promise<void> {
    this.#cron?.stop();
    for (const stop of this.#stops.splice(0)) stop();
    await this.#busy;
  }

  #exclusive<T>(work: () => Promise<T>): Promise<T> {
    const next = this.#busy.then(work, work);
    this.#busy = next.catch(() => undefined);
    return next;
  }

  /** Resolves the outcomes whose bars have arrived, stores them, and recomputes the rolling figures; never throws (a failure is logged and shown). */
  resolveNow(): Promise<void> {
    return this.#exclusive(async () => {
      const run = this.#run;
      const storage = outcomeStorage(run.storage);
      if (storage === null) return;
      const { horizon, rolling, event } = this.#settings;
      try {
        // A sharded run's bars live in its workers: load them here to judge by.
        if (run.shards !== undefined) await run.loadHistory();
        const resolved = await resolveOutcomes(storage, (symbol) => run.seriesOf(symbol), run.tradingDates(), { horizon, levels: run.config.values.levels });
        this.#resolved += resolved.length;
        const window = await storage.queryOutcomes({ horizon, limit: rolling.outcomes });
        this.#rolling = rollingQuality(window, run.config.values.sources.map((s) => s.name), horizon, event);
        this.#lastPass = new Date().toISOString();
        this.#lastError = null;
        this.#checkDrift();
      } catch (error) {
        this.#lastError = isArgoError(error) ? error.message : `unexpected failure: ${messageOf(error)}`;
        this.logger.error({ err: this.#lastError }, 'outcomes could not be resolved; the next cycle tries again');
      }
    });
  }

  /** The signals' rolling ECE, once the window holds `learning.minSamples` outcomes; null before. */
  #rollingEce(): number | null {
    const signals = this.#rolling.predictors.find((p) => p.name === 'signals');
    return signals === undefined || signals.samples < this.#settings.minSamples ? null : signals.ece;
  }

  #checkDrift(): void {
    const ece = this.#rollingEce();
    const { maxEce } = this.#settings.drift;
    const drifting = ece !== null && ece > maxEce;
    if (drifting && this.#driftSince === null) {
      this.#driftSince = new Date().toISOString();
      this.logger.warn({ ece, maxEce, outcomes: this.#rolling.outcomes }, 'drift: the rolling calibration error of the signals exceeds learning.drift.maxEce; their probabilities no longer mean what they say (refit, or check the sources)');
    } else if (!drifting && this.#driftSince !== null) {
      this.#driftSince = null;
      this.logger.info({ ece, maxEce }, 'drift over: the rolling calibration error is within learning.drift.maxEce again');
    }
  }

  /** Fits a calibration on the resolved outcomes of the last `learning.refit.trainDates` dates and stages it; keeps the one in use when it cannot. */
  refitNow(): Promise<RefitResult> {
    return this.#exclusive(async () => {
      const run = this.#run;
      const at = new Date().toISOString();
      let result: RefitResult;
      try {
        result = await this.#refit(run, at);
      } catch (error) {
        result = { at, result: 'failed', samples: 0, calibration: null, error: isArgoError(error) ? error.message : messageOf(error) };
      }
      this.#counts[result.result]++;
      this.#lastRefit = result;
      if (result.result === 'staged') this.logger.info({ calibration: result.calibration, samples: result.samples }, 'refit: a new calibration applies from the next cycle');
      else this.logger.warn({ result: result.result, samples: result.samples, err: result.error }, 'refit: no new calibration; the one in use stays');
      return result;
    });
  }

  async #refit(run: Run, at: string): Promise<RefitResult> {
    const storage = outcomeStorage(run.storage);
    if (storage === null) return { at, result: 'failed', samples: 0, calibration: null, error: this.#unavailable(run) };
    const { horizon, minSamples, refit, event } = this.#settings;
    // A run a reload just swapped in has loaded no bars before its first cycle.
    if (run.tradingDates().length === 0) await run.loadHistory();
    const dates = run.tradingDates();
    if (dates.length === 0) return { at, result: 'too-few', samples: 0, calibration: null, error: 'the market data has no bars yet' };
    const from = dayOf(dates[Math.max(0, dates.length - refit.trainDates)]);
    const to = dayOf(dates[dates.length - 1]);
    const outcomes: ResolvedOutcome[] = await storage.queryOutcomes({ horizon, from });
    const sources = run.config.values.sources;
    const file = fitCalibration(outcomesAsDataset(outcomes, sources.map((s) => s.name), horizon, event), { from, to, horizon, sourcesHash: sourcesHash(sources) });
    if (file.samples < minSamples) return { at, result: 'too-few', samples: file.samples, calibration: null, error: `${file.samples} resolved outcomes from ${from}, fewer than learning.minSamples (${minSamples})` };
    const weights = [file.combiner.intercept, ...Object.values(file.combiner.weights)];
    if (!weights.every(Number.isFinite)) return { at, result: 'failed', samples: file.samples, calibration: null, error: 'the fit did not converge (a weight is not finite)' };
    run.calibration.stage(file);
    this.#lastGood = file;
    return { at, result: 'staged', samples: file.samples, calibration: calibrationId(file), error: null };
  }

  #unavailable(run: Run): string {
    return `storage.plugin "${run.config.values.storage.plugin}" keeps no outcomes (saveOutcomes, queryOutcomes, signalsAwaitingOutcome); use sqlite, postgres or memory`;
  }

  state(): LearningState {
    const run = this.#run;
    const { horizon, drift, refit } = this.#settings;
    const ece = this.#rollingEce();
    return {
      unavailable: outcomeStorage(run.storage) === null ? this.#unavailable(run) : null,
      horizon,
      resolved: this.#resolved,
      lastPass: this.#lastPass,
      lastError: this.#lastError,
      rolling: this.#rolling,
      drift: { ece, maxEce: drift.maxEce, drifting: this.#driftSince !== null, since: this.#driftSince },
      calibration: { active: run.calibration.current?.id ?? null, staged: run.calibration.hasStaged },
      refit: { cron: refit.cron, next: this.#cron?.nextRun()?.toISOString() ?? null, last: this.#lastRefit, counts: { ...this.#counts } },
    };
  }
}
