import type { Signal } from '../core/domain/domain';
import { Connection } from '../plugins/storage/sqlite/connection';
import { migrate } from '../plugins/storage/sqlite/schema';
import { SIGNAL_COLUMNS, signalValues } from '../plugins/storage/sqlite/signal-rows';

/** One signal row, as a naive writer inserts it. */
export const INSERT_ONE = `INSERT INTO signals (${SIGNAL_COLUMNS.join(',')}) VALUES (${SIGNAL_COLUMNS.map(() => '?').join(',')}) ON CONFLICT(id) DO NOTHING`;

/** A new database at `file` with the schema; WAL unless `journal` says otherwise (the incumbent used SQLite's default). */
export async function freshDb(file: string, journal: 'WAL' | 'DELETE' = 'WAL'): Promise<string> {
  const connection = await Connection.open(file, 'readwrite', 5000);
  await connection.all(`PRAGMA journal_mode = ${journal}`);
  await migrate(connection, file);
  await connection.close();
  return file;
}

/** `signals` in one multi-row INSERT (its own transaction). */
export async function insertMany(connection: Connection, signals: readonly Signal[], runId: string): Promise<void> {
  const placeholders = `(${SIGNAL_COLUMNS.map(() => '?').join(',')})`;
  await connection.run(
    `INSERT INTO signals (${SIGNAL_COLUMNS.join(',')}) VALUES ${signals.map(() => placeholders).join(',')} ON CONFLICT(id) DO NOTHING`,
    signals.flatMap((signal) => signalValues(signal, runId, 'now')),
  );
}
