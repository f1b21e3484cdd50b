import type { Signal } from '../../core/domain/domain';
import { PLUGIN_API_VERSION, defineStoragePlugin } from '../../core/plugin-system/define-plugin';
import type { RunRecord, SignalQuery } from '../../core/plugin-system/plugin-contracts';
import { queryOnlyStorage } from '../../core/plugin-system/query-only-storage';
import { writeError } from '../../core/util/disk-full';
import { JsonLinesAppender, readJsonLines } from '../../core/util/json-lines';
import type { Logger } from '../../core/util/logger';
import { filterSignals, signalsAfter } from './signal-filter';

interface JsonlOptions {
  path: string;
  runsPath: string;
}

/** The signals of a file, one per id: a later line for an id (a reasoning update) replaces the earlier one, in place. */
function latestById(lines: readonly Signal[]): Map<string, Signal> {
  const byId = new Map<string, Signal>();
  for (const signal of lines) byId.set(signal.id, signal);
  return byId;
}

/** The values of `file`, a torn last line (a crash or a full disk) dropped and logged. */
function readValues<T>(file: string, logger: Logger): T[] {
  const { values, tornLines } = readJsonLines<T>(file);
  if (tornLines > 0) logger.warn({ file, tornLines }, 'dropped a torn last line (an interrupted write); every acknowledged line is intact');
  return values;
}

/**
 * Appends one JSON line per signal and per run; a signal id already in the file is not
 * written again. A reasoning update appends the signal again with its new text: readers keep
 * the last line of each id, so the file stays append-only. Lines are written whole or not at
 * all; a full disk fails the write at once with ARGO_ERR_STORAGE_FULL.
 */
export default defineStoragePlugin<JsonlOptions>({
  name: 'jsonl',
  version: '1.1.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'One JSON line per signal (idempotent on id; a reasoning update appends the signal again) and per run, appended to files.',
  options: {
    path: { doc: 'Signals file, relative to the config file.', format: String, default: 'data/signals.jsonl' },
    runsPath: { doc: 'Runs file, relative to the config file.', format: String, default: 'data/runs.jsonl' },
  },
  async create({ options, resolvePath, readOnly, logger }) {
    const signalsFile = resolvePath(options.path);
    const runsFile = resolvePath(options.runsPath);
    const queries = {
      async querySignals(query: SignalQuery) {
        return filterSignals(latestById(readValues<Signal>(signalsFile, logger)).values(), query);
      },
      async readSignalsAfter(afterSeq: number, query: SignalQuery) {
        return signalsAfter(latestById(readValues<Signal>(signalsFile, logger)).values(), afterSeq, query);
      },
      async lastSignalSeq() {
        return latestById(readValues<Signal>(signalsFile, logger)).size;
      },
      async queryRuns() {
        return readValues<RunRecord>(runsFile, logger).reverse();
      },
    };
    if (readOnly) return queryOnlyStorage(signalsFile, queries);
    const stored = latestById(readValues<Signal>(signalsFile, logger));
    const signals = await JsonLinesAppender.open(signalsFile);
    const runs = await JsonLinesAppender.open(runsFile);
    const append = (appender: JsonLinesAppender, file: string, value: unknown, what: string) =>
      appender.append(value).catch((error: unknown) => {
        throw writeError(file, what, error);
      });
    return {
      async save(signal) {
        if (stored.has(signal.id)) return;
        stored.set(signal.id, signal);
        await append(signals, signalsFile, signal, `signal ${signal.id}`).catch((error: unknown) => {
          stored.delete(signal.id);
          throw error;
        });
      },
      async updateReasoning(updates) {
        const writes: Promise<void>[] = [];
        for (const { id, reasoning, status } of updates) {
          const signal = stored.get(id);
          if (signal === undefined) continue;
          const updated: Signal = { ...signal, reasoning, reasoningStatus: status };
          stored.set(id, updated);
          writes.push(append(signals, signalsFile, updated, `the reasoning of signal ${id}`));
        }
        await Promise.all(writes);
      },
      async saveRun(run) {
        await append(runs, runsFile, run, `run ${run.id}`);
      },
      ...queries,
      async close() {
        await Promise.all([signals.close(), runs.close()]);
      },
    };
  },
});
