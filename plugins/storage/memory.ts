import type { ResolvedOutcome, Signal } from '../../core/domain/domain';
import { PLUGIN_API_VERSION, defineStoragePlugin } from '../../core/plugin-system/define-plugin';
import type { RunRecord, SinkCursor, SinkDeadLetter } from '../../core/plugin-system/plugin-contracts';
import { awaitingOutcome, filterOutcomes, filterSignals, signalsAfter } from './signal-filter';

/** Keeps signals and runs in memory for the life of the run: tests, demos, A/B arms. */
export default defineStoragePlugin({
  name: 'memory',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'Signals, outcomes and runs in memory, gone when the process ends.',
  create() {
    const signals = new Map<string, Signal>();
    const runs: RunRecord[] = [];
    const outcomes = new Map<string, ResolvedOutcome>();
    const outcomeKey = (id: string, horizon: number) => `${horizon}:${id}`;
    /** Signal ids by the order their reasoning texts were written, from 1. */
    const reasoningOrder: string[] = [];
    const cursors = new Map<string, SinkCursor>();
    const deadLetters = new Map<string, SinkDeadLetter>();
    return {
      async save(signal) {
        // Idempotent by id as the file storages are: the first signal stored under an id stays.
        if (!signals.has(signal.id)) signals.set(signal.id, signal);
      },
      async saveRun(run) {
        runs.push(run);
      },
      async updateReasoning(updates) {
        for (const { id, reasoning, status } of updates) {
          const signal = signals.get(id);
          if (signal === undefined) continue;
          signals.set(id, { ...signal, reasoning, reasoningStatus: status });
          reasoningOrder.push(id);
        }
      },
      async readReasoningAfter(afterSeq, limit) {
        const order = [...signals.keys()];
        return reasoningOrder.slice(afterSeq, afterSeq + limit).map((id, i) => ({ seq: afterSeq + i + 1, signalSeq: order.indexOf(id) + 1, signal: signals.get(id)! }));
      },
      async lastReasoningSeq() {
        return reasoningOrder.length;
      },
      async readSinkCursor(sink) {
        return cursors.get(sink) ?? null;
      },
      async writeSinkCursor(sink, cursor) {
        cursors.set(sink, cursor);
      },
      async saveSinkDeadLetter(letter) {
        deadLetters.set(letter.id, letter);
      },
      async querySinkDeadLetters(sink) {
        return [...deadLetters.values()].filter((letter) => sink === undefined || letter.sink === sink);
      },
      async deleteSinkDeadLetters(ids) {
        for (const id of ids) deadLetters.delete(id);
      },
      async querySignals(query) {
        return filterSignals(signals.values(), query);
      },
      async readSignalsAfter(afterSeq, query) {
        return signalsAfter(signals.values(), afterSeq, query);
      },
      async lastSignalSeq() {
        return signals.size;
      },
      async saveOutcomes(resolved) {
        for (const outcome of resolved) if (!outcomes.has(outcomeKey(outcome.signalId, outcome.horizon))) outcomes.set(outcomeKey(outcome.signalId, outcome.horizon), outcome);
      },
      async queryOutcomes(query) {
        return filterOutcomes(outcomes.values(), query);
      },
      async signalsAwaitingOutcome(horizon, from, to, limit) {
        return awaitingOutcome(signals.values(), (id) => outcomes.has(outcomeKey(id, horizon)), from, to, limit);
      },
      async queryRuns() {
        return [...runs].reverse();
      },
      async close() {},
    };
  },
});
