import { EventEmitter } from 'node:events';
import type { ConsensusResult, Signal, WeightedOpinion } from '../domain/domain';
import type { ReasoningUpdate } from '../plugin-system/plugin-contracts';

/** What a run tells listeners (a service's event stream) as it happens. */
interface RunEventMap {
  /** A signal the storage acknowledged: it is durable. `repeated`: it already held it (a live cycle on a bar evaluated before). */
  stored: [Signal, boolean];
  /** A deferred reasoning text the storage acknowledged. */
  reasoning: [ReasoningUpdate];
  /** A symbol-day every source was asked for (no early exit), with its consensus: what `evaluate` learns from. */
  evaluated: [Evaluation];
}

/** One symbol-day's opinions and their consensus, whether or not it became a signal. */
export interface Evaluation {
  readonly symbol: string;
  readonly asOf: string;
  readonly opinions: readonly WeightedOpinion[];
  readonly consensus: ConsensusResult;
}

/** The run's events. Listeners run inside the pipeline's callbacks: they must not throw. */
export class RunEvents {
  readonly #emitter = new EventEmitter();

  constructor() {
    // Every open event stream of a service listens; the count is theirs to bound.
    this.#emitter.setMaxListeners(0);
  }

  emit<E extends keyof RunEventMap>(event: E, ...args: RunEventMap[E]): void {
    this.#emitter.emit(event, ...args);
  }

  /** Whether anyone listens to `event` (a costly event is built only then). */
  listens(event: keyof RunEventMap): boolean {
    return this.#emitter.listenerCount(event) > 0;
  }

  /** Listens to `event`; returns what stops listening. */
  on<E extends keyof RunEventMap>(event: E, listener: (...args: RunEventMap[E]) => void): () => void {
    this.#emitter.on(event, listener as (...args: unknown[]) => void);
    return () => this.#emitter.off(event, listener as (...args: unknown[]) => void);
  }
}
