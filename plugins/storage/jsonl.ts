import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { ArgoError, PLUGIN_API_VERSION, defineStoragePlugin, messageOf, queryOnlyStorage, type RunRecord, type Signal, type SignalQuery } from '../../core';
import { filterSignals } from './signal-filter';

interface JsonlOptions {
  path: string;
  runsPath: string;
}

function readLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}

function append(stream: WriteStream, value: unknown, file: string): Promise<void> {
  return new Promise((resolve, reject) => {
    stream.write(`${JSON.stringify(value)}\n`, (error) =>
      error ? reject(new ArgoError('ARGO_ERR_STORAGE_WRITE', `cannot append to ${file}: ${messageOf(error)}`, { cause: error })) : resolve(),
    );
  });
}

/** The signals of a file, one per id: a later line for an id (a reasoning update) replaces the earlier one, in place. */
function latestById(lines: readonly Signal[]): Map<string, Signal> {
  const byId = new Map<string, Signal>();
  for (const signal of lines) byId.set(signal.id, signal);
  return byId;
}

function openAppend(file: string): WriteStream {
  mkdirSync(path.dirname(file), { recursive: true });
  return createWriteStream(file, { flags: 'a' });
}

/**
 * Appends one JSON line per signal and per run; a signal id already in the file is not
 * written again. A reasoning update appends the signal again with its new text: readers keep
 * the last line of each id, so the file stays append-only.
 */
export default defineStoragePlugin<JsonlOptions>({
  name: 'jsonl',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'One JSON line per signal (idempotent on id; a reasoning update appends the signal again) and per run, appended to files.',
  options: {
    path: { doc: 'Signals file, relative to the config file.', format: String, default: 'data/signals.jsonl' },
    runsPath: { doc: 'Runs file, relative to the config file.', format: String, default: 'data/runs.jsonl' },
  },
  create({ options, resolvePath, readOnly }) {
    const signalsFile = resolvePath(options.path);
    const runsFile = resolvePath(options.runsPath);
    const queries = {
      async querySignals(query: SignalQuery) {
        return filterSignals(latestById(readLines<Signal>(signalsFile)).values(), query);
      },
      async queryRuns() {
        return readLines<RunRecord>(runsFile).reverse();
      },
    };
    if (readOnly) return queryOnlyStorage(signalsFile, queries);
    let stored: Map<string, Signal>;
    try {
      stored = latestById(readLines<Signal>(signalsFile));
    } catch (error) {
      throw new ArgoError('ARGO_ERR_STORAGE_WRITE', `storage.path: ${signalsFile} is not a JSON-lines file: ${messageOf(error)}`, { cause: error });
    }
    const signals = openAppend(signalsFile);
    const runs = openAppend(runsFile);
    return {
      async save(signal) {
        if (stored.has(signal.id)) return;
        stored.set(signal.id, signal);
        await append(signals, signal, signalsFile);
      },
      async updateReasoning(updates) {
        const writes: Promise<void>[] = [];
        for (const { id, reasoning, status } of updates) {
          const signal = stored.get(id);
          if (signal === undefined) continue;
          const updated: Signal = { ...signal, reasoning, reasoningStatus: status };
          stored.set(id, updated);
          writes.push(append(signals, updated, signalsFile));
        }
        await Promise.all(writes);
      },
      async saveRun(run) {
        await append(runs, run, runsFile);
      },
      ...queries,
      async close() {
        await Promise.all([signals, runs].map((stream) => new Promise<void>((resolve) => stream.end(resolve))));
      },
    };
  },
});
