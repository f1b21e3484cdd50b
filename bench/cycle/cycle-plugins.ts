/**
 * The plugins of `bench cycle`: a source and an explainer that ask the model server over
 * HTTP, and the incumbent's storage (a SQLite connection per write). They share one
 * process-wide state with the benchmark loop: the cycle number the server seeds latencies
 * by, the incumbent's single lane (its texts and writes ran one after another), and the
 * database time per cycle.
 */
import pLimit from 'p-limit';
import { PLUGIN_API_VERSION, defineExplainerPlugin, defineSourcePlugin, defineStoragePlugin } from '../../core/plugin-system/define-plugin';
import type { Signal } from '../../core/domain/domain';
import { Connection } from '../../plugins/storage/sqlite/connection';
import { INSERT_ONE, freshDb, insertMany } from '../sqlite-bench-db';
import { signalValues } from '../../plugins/storage/sqlite/signal-rows';

/** What the loop and the plugins share. */
export const benchState = {
  url: '',
  cycle: 0,
  /** Milliseconds the database worked in the current cycle. */
  databaseMs: 0,
  /** The incumbent's one lane: a text or a write at a time. */
  lane: pLimit(1),
};

async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(`${benchState.url}${path}`, { signal });
  if (!response.ok) throw new Error(`model server answered ${response.status} for ${path}`);
  return (await response.json()) as T;
}

export const httpSource = defineSourcePlugin<{ source: string }>({
  name: 'bench-http-source',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'bench cycle only: asks the model server for one source\'s opinion.',
  options: { source: { doc: 'The model source to ask.', format: String, default: '' } },
  create({ options }) {
    return {
      opinion: ({ symbol, signal }) => getJson(`/source/${options.source}?symbol=${symbol}&cycle=${benchState.cycle}`, signal),
    };
  },
});

export const httpExplainer = defineExplainerPlugin<{ oneAtATime: boolean }>({
  name: 'bench-http-explainer',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'bench cycle only: asks the model server for a text (100-300 ms).',
  options: { oneAtATime: { doc: 'Texts one after another on the incumbent\'s lane.', format: Boolean, default: false } },
  create({ options }) {
    const ask = async (symbol: string) => (await getJson<{ text: string }>(`/explain?symbol=${symbol}&cycle=${benchState.cycle}`)).text;
    return { explain: ({ symbol }) => (options.oneAtATime ? benchState.lane(() => ask(symbol)) : ask(symbol)) };
  },
});

/**
 * The incumbent's storage: every write opens a connection, inserts, commits and closes, one
 * after another on the incumbent's lane; with `batched`, the writes of a cycle wait for
 * `flush` and go in one INSERT on one connection opened for them (batching without pooling).
 */
export const connectionPerWrite = defineStoragePlugin<{ path: string; batched: boolean }>({
  name: 'bench-connection-per-write',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'bench cycle only: a SQLite connection opened per write (or per batch).',
  options: {
    path: { doc: 'Database file.', format: String, default: '' },
    batched: { doc: 'Collect writes until flush, then one connection and one INSERT.', format: Boolean, default: false },
  },
  async create({ options, runId }) {
    // SQLite's default rollback journal, as the incumbent had it.
    const file = await freshDb(options.path, 'DELETE');
    const timed = async (write: (connection: Connection) => Promise<unknown>) => {
      const started = performance.now();
      const connection = await Connection.open(file, 'readwrite', 5000);
      try {
        await write(connection);
      } finally {
        await connection.close();
        benchState.databaseMs += performance.now() - started;
      }
    };
    let queued: { signal: Signal; done: () => void; failed: (error: unknown) => void }[] = [];
    return {
      save(signal) {
        if (!options.batched) return benchState.lane(() => timed((c) => c.run(INSERT_ONE, signalValues(signal, runId, 'now'))));
        return new Promise<void>((done, failed) => queued.push({ signal, done, failed }));
      },
      async flush() {
        const batch = queued;
        queued = [];
        if (batch.length === 0) return;
        await timed((c) => insertMany(c, batch.map((q) => q.signal), runId)).then(
          () => batch.forEach((q) => q.done()),
          (error: unknown) => batch.forEach((q) => q.failed(error)),
        );
      },
      async saveRun() {},
      async querySignals() {
        return [];
      },
      async queryRuns() {
        return [];
      },
      async close() {},
    };
  },
});
