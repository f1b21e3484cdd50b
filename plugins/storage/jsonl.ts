import { createWriteStream, existsSync, mkdirSync, readFileSync, type WriteStream } from 'node:fs';
import path from 'node:path';
import { ArgoError, PLUGIN_API_VERSION, defineStoragePlugin, messageOf, type RunRecord, type Signal } from '../../core';
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

function openAppend(file: string): WriteStream {
  mkdirSync(path.dirname(file), { recursive: true });
  return createWriteStream(file, { flags: 'a' });
}

/** Appends one JSON line per signal and per run; a signal id already in the file is not written again. */
export default defineStoragePlugin<JsonlOptions>({
  name: 'jsonl',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'One JSON line per signal (idempotent on id) and per run, appended to files.',
  options: {
    path: { doc: 'Signals file, relative to the config file.', format: String, default: 'data/signals.jsonl' },
    runsPath: { doc: 'Runs file, relative to the config file.', format: String, default: 'data/runs.jsonl' },
  },
  create({ options, resolvePath }) {
    const signalsFile = resolvePath(options.path);
    const runsFile = resolvePath(options.runsPath);
    let stored: Signal[];
    try {
      stored = readLines<Signal>(signalsFile);
    } catch (error) {
      throw new ArgoError('ARGO_ERR_STORAGE_WRITE', `storage.path: ${signalsFile} is not a JSON-lines file: ${messageOf(error)}`, { cause: error });
    }
    const ids = new Set(stored.map((signal) => signal.id));
    const signals = openAppend(signalsFile);
    const runs = openAppend(runsFile);
    return {
      async save(signal) {
        if (ids.has(signal.id)) return;
        ids.add(signal.id);
        await append(signals, signal, signalsFile);
      },
      async saveRun(run) {
        await append(runs, run, runsFile);
      },
      async querySignals(query) {
        return filterSignals(readLines<Signal>(signalsFile), query);
      },
      async queryRuns() {
        return readLines<RunRecord>(runsFile).reverse();
      },
      async close() {
        await Promise.all([signals, runs].map((stream) => new Promise<void>((resolve) => stream.end(resolve))));
      },
    };
  },
});
