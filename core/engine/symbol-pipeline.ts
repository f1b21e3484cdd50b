/**
 * The pipeline for one symbol at one date: plan waves, fetch, maybe stop early, combine,
 * reject weak consensus, set regime and levels, explain, store.
 */
import 'reflect-metadata';
import { inject, injectable } from 'tsyringe';
import type { BarView } from '../domain/bar-view';
import type { EngineConfig } from '../config/config-schema';
import type { CycleStats } from './cycle-stats';
import type { RunEvents } from './run-events';
import { calibrationSentence, probabilityRight } from '../learning/calibration';
import type { CalibrationSlot } from '../learning/calibration-slot';
import { signed } from '../learning/evaluation-dataset';
import { isDirection, type ConsensusResult, type Signal, type SourceOutcome, type WeightedOpinion } from '../domain/domain';
import { ArgoError, messageOf } from '../errors/errors';
import { InFlight } from '../util/in-flight';
import type { Logger } from '../util/logger';
import { signalLevels } from './market-levels';
import { OpinionHistories, type OpinionHistory } from './opinion-history';
import type { Consensus, EarlyExitStrategy, ExplainRequest, SourceInfo, Storage } from '../plugin-system/plugin-contracts';
import type { DeferredReasoner, ReasoningService } from '../reasoning/reasoning-service';
import { callSource, isPromiseLike, type RunSource } from './source-caller';
import { StageClock } from './stage-clock';
import { seededRandom } from '../util/seeded-random';
import { hashOfText } from '../util/stable-hash';
import type { SecretRedactor } from '../util/secret-redactor';
import { TOKENS } from './tokens';
import type { WriteTracker } from './write-tracker';

/** What the pipeline made of one symbol. */
export interface SymbolResult {
  readonly symbol: string;
  readonly asOf: string;
  readonly signal: Signal | null;
  /** Why no signal: `early-exit:<reason>`, `no-opinions`, `neutral` or `below-min-confidence`. */
  readonly rejection: string | null;
  /** Simulated time the symbol took: the slowest source of each wave, summed over waves. */
  readonly virtualMs: number;
  /** Settles when storage has the signal: true once acknowledged, false if it failed. Null without a signal. */
  readonly stored: Promise<boolean> | null;
  /** Source calls made for this symbol on the critical path. */
  readonly calls: number;
}

/** Reasons a symbol is rejected after its consensus. */
export const REJECTIONS = {
  noOpinions: 'no-opinions',
  neutral: 'neutral',
  belowMinConfidence: 'below-min-confidence',
  belowMinProbability: 'below-min-probability',
  consensusFailed: 'consensus-failed',
} as const;

/** The consensus plugin threw for one symbol: that symbol is rejected and counted, the cycle goes on. */
class ConsensusFailed extends Error {}

/** No source names: a plan that asks every source leaves none out. */
const NONE: readonly string[] = [];

/** Rounding a bound may differ from the final confidence by without breaking the contract. */
const BOUND_TOLERANCE = 1e-9;

/** Counts the symbol-day when a source answered that it lacks history yet (`features.warmup` 1, the convention of the built-in indicators). */
function countWarmingUp(opinions: readonly WeightedOpinion[], stats: CycleStats): void {
  if (opinions.some((o) => o.opinion.features?.warmup === 1)) stats.warmingUp++;
}

@injectable()
export class SymbolPipeline {
  readonly #byName: ReadonlyMap<string, RunSource>;
  readonly #infos: readonly SourceInfo[];
  /** Configured position of each source: opinions are combined in this order whatever the waves were. */
  readonly #rank: ReadonlyMap<string, number>;
  readonly #shadows = new InFlight();
  /**
   * Following up early exits to check the consensus's upper bounds: `probing` while one is under
   * way, `done` once one could have failed (every source answered, a final confidence above 0).
   */
  #probe: 'idle' | 'probing' | 'done' = 'idle';
  /** Whether a broken bound of this run's consensus has been logged (once per plugin). */
  #boundViolationLogged = false;
  /** Earlier opinions per symbol, kept only when the consensus asks for them (`historyWindow`). */
  readonly #history: OpinionHistories | null;

  constructor(
    @inject(TOKENS.Config) private readonly config: EngineConfig,
    @inject(TOKENS.Sources) sources: RunSource[],
    @inject(TOKENS.Consensus) private readonly consensus: Consensus,
    @inject(TOKENS.EarlyExit) private readonly earlyExit: EarlyExitStrategy,
    @inject(TOKENS.Reasoning) private readonly reasoning: ReasoningService,
    @inject(TOKENS.Deferred) private readonly deferred: DeferredReasoner,
    @inject(TOKENS.Storage) private readonly storage: Storage,
    @inject(TOKENS.Writes) private readonly writes: WriteTracker,
    @inject(TOKENS.Logger) private readonly logger: Logger,
    @inject(TOKENS.Secrets) private readonly secrets: SecretRedactor,
    @inject(TOKENS.Events) private readonly events: RunEvents,
    @inject(TOKENS.Calibration) private readonly calibration: CalibrationSlot,
  ) {
    this.#byName = new Map(sources.map((source) => [source.config.name, source]));
    this.#infos = sources.map(({ config: { name, weight, timeoutMs } }) => ({ name, weight, timeoutMs }));
    this.#rank = new Map(sources.map((source, i) => [source.config.name, i]));
    this.#history = consensus.historyWindow ? new OpinionHistories(this.#infos.map((info) => info.name), consensus.historyWindow) : null;
  }

  /** With a calibration: the probability that the consensus's direction is right, and what the reasoning says of it. */
  #calibrated(opinions: readonly WeightedOpinion[], consensus: ConsensusResult): { probability: number; sentence: string; id: string } | null {
    const active = this.calibration.current;
    if (active === null || consensus.direction === 'NEUTRAL') return null;
    const { file, id } = active;
    const bySource = new Map(opinions.map((o) => [o.source, signed(o.opinion.direction, o.opinion.confidence)]));
    const values = file.sources.map((s) => bySource.get(s.name) ?? null);
    const probability = probabilityRight(file, values, consensus.direction);
    return { probability, sentence: calibrationSentence(file, values, consensus.direction, probability), id };
  }

  /** Waits for the shadow fetches started so far (they run off the critical path). */
  async settleShadows(): Promise<void> {
    await this.#shadows.idle();
  }

  /** True when a consensus of `opinions` would become a signal. */
  #passes(opinions: readonly WeightedOpinion[], consensus: ConsensusResult): boolean {
    return opinions.length > 0 && consensus.direction !== 'NEUTRAL' && consensus.confidence >= this.config.consensus.minConfidence;
  }

  /**
   * For a seeded `earlyExit.shadowRate` of early-exited symbols, fetches the sources the
   * strategy skipped anyway, without delaying the symbol, and counts whether the full
   * consensus would have passed: the measured miss rate of the strategy.
   */
  #shadow(
    symbol: string,
    bars: BarView,
    outcomes: readonly SourceOutcome[],
    skipped: readonly SourceInfo[],
    history: OpinionHistory | undefined,
    bounds: readonly number[],
    stats: CycleStats,
  ): void {
    const rate = this.config.earlyExit.shadowRate;
    const sampled = rate > 0 && seededRandom(this.config.seed, 'shadow', symbol, bars.asOf)() < rate;
    // Early exits are followed up, one at a time, until one check of the bound could have
    // failed: a consensus whose bound is wrong cannot make the strategy reject every symbol
    // without anyone noticing.
    const probe = this.#probe === 'idle';
    if (probe) this.#probe = 'probing';
    if (!sampled && !probe) return;
    const shadow = (async () => {
      const rest = await this.#fetch(skipped.map((info) => info.name), symbol, bars, new StageClock());
      const all = [...outcomes, ...rest];
      const opinions = this.#weighted(all);
      const consensus = await this.#combine(opinions, history);
      const checked = this.#checkBounds(bounds, all, consensus, stats);
      if (probe) {
        stats.boundProbeCalls += rest.length;
        this.#probe = checked && consensus.confidence > 0 ? 'done' : 'idle';
      }
      if (!sampled) return;
      stats.shadowChecked++;
      stats.shadowSourceCalls += rest.length;
      if (this.#passes(opinions, consensus)) stats.shadowMissed++;
    })().catch((error: unknown) => {
      if (probe) this.#probe = 'idle';
      this.logger.error({ symbol, err: messageOf(error) }, 'shadow fetch failed');
    });
    this.#shadows.track(shadow);
  }

  /**
   * The consensus's bound contract, checked when every source answered: each upper bound it
   * gave for this symbol before the last wave must be at least the final confidence. A broken
   * bound makes the lossless `bound` early exit drop signals; it is counted and logged once.
   * True when the check could be made.
   */
  #checkBounds(bounds: readonly number[], outcomes: readonly SourceOutcome[], consensus: ConsensusResult, stats: CycleStats): boolean {
    if (bounds.length === 0 || !outcomes.every((o) => o.ok)) return false;
    const lowest = Math.min(...bounds);
    if (lowest >= consensus.confidence - BOUND_TOLERANCE) return true;
    const plugin = `consensus:${this.config.consensus.plugin}`;
    stats.contractViolation(plugin);
    if (this.#boundViolationLogged) return true;
    this.#boundViolationLogged = true;
    const error = new ArgoError(
      'ARGO_ERR_PLUGIN_CONTRACT',
      `consensus plugin "${this.config.consensus.plugin}" gave an upper bound of ${lowest} where the final confidence, with every source answered, was ${consensus.confidence}; its upperBound must never be below a reachable confidence${this.config.earlyExit.strategy === 'bound' ? ' (the bound early exit drops signals with it)' : ''}`,
    );
    this.logger.error({ code: error.code, plugin }, error.message);
    return true;
  }

  /** The last plan checked: a strategy that plans alike every time (`none`) gives the same waves, checked once. */
  #checked: { waves: readonly (readonly string[])[]; unplanned: readonly string[] } | null = null;

  /** The strategy's waves, checked, and the sources it left out. */
  #plan(): { waves: readonly (readonly string[])[]; unplanned: readonly string[] } {
    const waves = this.earlyExit.plan(this.#infos);
    if (waves === this.#checked?.waves) return this.#checked;
    const seen = new Set<string>();
    for (const wave of waves) {
      for (const name of wave) {
        if (!this.#byName.has(name) || seen.has(name)) {
          throw new ArgoError(
            'ARGO_ERR_PLUGIN_CONTRACT',
            `early-exit strategy "${this.config.earlyExit.strategy}" planned source "${name}" ${seen.has(name) ? 'twice' : 'which is not configured'}`,
          );
        }
        seen.add(name);
      }
    }
    return (this.#checked = { waves, unplanned: seen.size === this.#byName.size ? NONE : [...this.#byName.keys()].filter((name) => !seen.has(name)) });
  }

  #historyOf(symbol: string): OpinionHistory | undefined {
    return this.#history?.of(symbol);
  }

  #remember(symbol: string, opinions: readonly WeightedOpinion[]): void {
    this.#history?.remember(symbol, opinions);
  }

  /** The outcomes of asking the sources `names` at once, timed by `clock`; without waiting a turn when every one answered synchronously. */
  #fetch(names: readonly string[], symbol: string, bars: BarView, clock: StageClock): SourceOutcome[] | Promise<SourceOutcome[]> {
    const calls = names.map((name) => callSource(this.#byName.get(name)!, symbol, bars, this.config.seed, clock));
    return calls.some((call) => call instanceof Promise) ? Promise.all(calls) : (calls as SourceOutcome[]);
  }

  /** The consensus of `opinions`, checked; synchronous when the plugin is (as a source call is). A plugin that throws fails only this symbol. */
  #combine(opinions: readonly WeightedOpinion[], history: OpinionHistory | undefined): ConsensusResult | Promise<ConsensusResult> {
    let answer: ConsensusResult | Promise<ConsensusResult>;
    try {
      answer = this.consensus.combine(opinions, history);
    } catch (error) {
      throw new ConsensusFailed(messageOf(error));
    }
    if (!isPromiseLike(answer)) return this.#checkedConsensus(answer);
    return Promise.resolve(answer).then(
      (result) => this.#checkedConsensus(result),
      (error: unknown) => Promise.reject(new ConsensusFailed(messageOf(error))),
    );
  }

  #checkedConsensus(result: ConsensusResult): ConsensusResult {
    if (!isDirection(result?.direction) || !(result.confidence >= 0 && result.confidence <= 100)) {
      throw new ArgoError(
        'ARGO_ERR_PLUGIN_CONTRACT',
        `consensus plugin "${this.config.consensus.plugin}" returned ${JSON.stringify(result)}; expected a direction and a confidence in 0..100`,
      );
    }
    return result;
  }

  /** The opinions among `outcomes`, in configured source order. */
  #weighted(outcomes: readonly SourceOutcome[]): WeightedOpinion[] {
    const weighted: WeightedOpinion[] = [];
    for (const o of this.#inConfigOrder(outcomes)) if (o.ok) weighted.push({ source: o.source, weight: this.#byName.get(o.source)!.config.weight, opinion: o.opinion });
    return weighted;
  }

  /** `outcomes` in configured source order: themselves when a single wave asked in that order already (most symbol-days). */
  #inConfigOrder(outcomes: readonly SourceOutcome[]): readonly SourceOutcome[] {
    let ordered = true;
    for (let i = 1; i < outcomes.length && ordered; i++) ordered = this.#rank.get(outcomes[i - 1].source)! < this.#rank.get(outcomes[i].source)!;
    return ordered ? outcomes : [...outcomes].sort((a, b) => this.#rank.get(a.source)! - this.#rank.get(b.source)!);
  }

  /** Runs the pipeline for `symbol` as of the last bar of `bars`, counting into `stats`. */
  async evaluate(symbol: string, bars: BarView, stats: CycleStats): Promise<SymbolResult> {
    try {
      const asOf = bars.asOf;
      const outcomes: SourceOutcome[] = [];
      // Each stage's time is the time since the one before ended: one clock reading a stage (and a source call).
      const clock = new StageClock();
      const { waves, unplanned } = this.#plan();
      stats.time('plan', clock.lap());
      if (unplanned.length > 0) stats.recordSkipped(unplanned);

      let virtualMs = 0;
      const history = this.#historyOf(symbol);
      const bounds: number[] = [];
      for (let w = 0; w < waves.length; w++) {
        const fetching = clock.at;
        const asked = this.#fetch(waves[w], symbol, bars, clock);
        const wave = asked instanceof Promise ? await asked : asked;
        clock.lap();
        stats.time('fetch', clock.at - fetching);
        let slowest = 0;
        for (const outcome of wave) {
          stats.recordCall(outcome);
          outcomes.push(outcome);
          slowest = Math.max(slowest, outcome.latencyMs);
        }
        this.earlyExit.observe?.(wave);
        virtualMs += slowest;
        if (w === waves.length - 1) break;

        const fetched = this.#weighted(outcomes);
        const remaining = waves.slice(w + 1).flat().map((name) => this.#infos.find((info) => info.name === name)!);
        const upperBound = this.consensus.upperBound(fetched, remaining.map((info) => info.weight), history);
        bounds.push(upperBound);
        const decision = this.earlyExit.afterWave({
          symbol,
          asOf,
          waveIndex: w,
          wave,
          fetched,
          remaining,
          partial: await this.#combine(fetched, history),
          upperBound,
          minConfidence: this.config.consensus.minConfidence,
        });
        stats.time('consensus', clock.lap());
        if (decision.stop) {
          countWarmingUp(fetched, stats);
          this.#remember(symbol, fetched);
          stats.recordSkipped(remaining.map((info) => info.name));
          this.#shadow(symbol, bars, outcomes, remaining, history, bounds, stats);
          return this.#rejected(stats, symbol, asOf, `early-exit:${decision.reason}`, virtualMs, outcomes.length);
        }
      }

      const opinions = this.#weighted(outcomes);
      countWarmingUp(opinions, stats);
      const combined = this.#combine(opinions, history);
      const consensus = combined instanceof Promise ? await combined : combined;
      stats.time('consensus', clock.lap());
      this.#checkBounds(bounds, outcomes, consensus, stats);
      this.#remember(symbol, opinions);
      if (this.events.listens('evaluated')) this.events.emit('evaluated', { symbol, asOf, opinions, consensus });
      if (!this.#passes(opinions, consensus)) {
        const rejection = opinions.length === 0 ? REJECTIONS.noOpinions : consensus.direction === 'NEUTRAL' ? REJECTIONS.neutral : REJECTIONS.belowMinConfidence;
        return this.#rejected(stats, symbol, asOf, rejection, virtualMs, outcomes.length);
      }
      const calibrated = this.#calibrated(opinions, consensus);
      if (calibrated !== null && calibrated.probability < this.config.consensus.minProbability) {
        return this.#rejected(stats, symbol, asOf, REJECTIONS.belowMinProbability, virtualMs, outcomes.length);
      }

      clock.lap();
      const action = consensus.direction === 'LONG' ? 'BUY' : 'SELL';
      const { regime, levels } = signalLevels(bars, action, this.config.levels);
      stats.time('levels', clock.lap());

      const request: ExplainRequest = { symbol, asOf, action, consensus, opinions, regime, levels };
      const { now: reasoning, later } = await this.reasoning.forSignal(request);
      stats.time('reasoning', clock.lap());

      const sources = this.secrets.active ? this.#inConfigOrder(outcomes).map((o) => this.#withoutSecrets(o)) : this.#inConfigOrder(outcomes);
      const identity = sources.map((o) => (o.ok ? [o.source, o.opinion.direction, o.opinion.confidence] : [o.source, o.failure]));
      const signal: Signal = {
        // Keys in sorted order: the id hashOf gives the same object, without its generic stable stringify (a signal in eight is made).
        id: hashOfText(JSON.stringify({ action, asOf, confidence: consensus.confidence, identity, symbol })),
        symbol,
        asOf,
        action,
        direction: consensus.direction,
        confidence: consensus.confidence,
        ...levels,
        regime,
        reasoning: calibrated === null ? reasoning.text : `${reasoning.text} ${calibrated.sentence}`,
        reasoningStatus: reasoning.status,
        contributions: consensus.contributions,
        sources,
        ...(calibrated === null ? {} : { probability: calibrated.probability, calibration: calibrated.id }),
      };
      clock.lap();
      const stored = this.writes.track(this.storage.save(signal), signal);
      stats.time('storage', clock.lap());
      if (reasoning.status === 'pending') {
        stats.reasoningDeferred++;
        this.deferred.enqueue(signal.id, request, { stored, lookedUp: true, later, suffix: calibrated?.sentence });
      }
      stats.signals++;
      return { symbol, asOf, signal, rejection: null, virtualMs, stored, calls: outcomes.length };
    } catch (error) {
      if (!(error instanceof ConsensusFailed)) throw error;
      this.logger.error({ symbol, asOf: bars.asOf, consensus: this.config.consensus.plugin, err: error.message }, 'consensus failed; symbol rejected');
      return this.#rejected(stats, symbol, bars.asOf, REJECTIONS.consensusFailed, 0, 0);
    }
  }

  /** A symbol without a signal, counted by why. */
  #rejected(stats: CycleStats, symbol: string, asOf: string, rejection: string, virtualMs: number, calls: number): SymbolResult {
    stats.reject(rejection);
    return { symbol, asOf, signal: null, rejection, virtualMs, stored: null, calls };
  }

  /** `outcome` as a signal may keep it: a source's error or rationale may quote a secret it was given (a server or a model echoing its key). */
  #withoutSecrets(outcome: SourceOutcome): SourceOutcome {
    if (!outcome.ok) return { ...outcome, message: this.secrets.redact(outcome.message) };
    const { rationale } = outcome.opinion;
    if (rationale === undefined || !this.secrets.reveals(rationale)) return outcome;
    return { ...outcome, opinion: { ...outcome.opinion, rationale: this.secrets.redact(rationale) } };
  }
}
