import { ArgoError } from '../../../core';
import type { Connection } from './connection';

/**
 * Forward migrations, one per schema version: migration i takes the database from version
 * i to i + 1. The version lives in `PRAGMA user_version`; a database from a newer version
 * is refused rather than guessed at.
 */
const MIGRATIONS: readonly string[] = [
  `CREATE TABLE signals (
     id TEXT PRIMARY KEY,
     run_id TEXT NOT NULL,
     symbol TEXT NOT NULL,
     as_of TEXT NOT NULL,
     action TEXT NOT NULL,
     direction TEXT NOT NULL,
     confidence REAL NOT NULL,
     entry REAL NOT NULL,
     stop REAL NOT NULL,
     target REAL NOT NULL,
     regime TEXT NOT NULL,
     reasoning TEXT NOT NULL,
     reasoning_status TEXT NOT NULL,
     contributions TEXT NOT NULL,
     sources TEXT NOT NULL,
     stored_at TEXT NOT NULL
   );
   CREATE INDEX signals_by_symbol ON signals (symbol, as_of);
   CREATE INDEX signals_by_date ON signals (as_of, symbol);
   CREATE TABLE runs (
     id TEXT PRIMARY KEY,
     config_hash TEXT NOT NULL,
     started_at TEXT NOT NULL,
     finished_at TEXT NOT NULL,
     stats TEXT NOT NULL
   );`,
];

/** The schema version this code writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

async function versionOf(connection: Connection, file: string): Promise<number> {
  const [{ user_version: version }] = await connection.all<{ user_version: number }>('PRAGMA user_version');
  if (version > SCHEMA_VERSION) {
    throw new ArgoError(
      'ARGO_ERR_STORAGE_SCHEMA',
      `storage.path: ${file} has schema version ${version}, this argo-signals writes version ${SCHEMA_VERSION}; use a newer argo-signals or another file`,
    );
  }
  return version;
}

/** Brings the database at `file` up to {@link SCHEMA_VERSION}, each step in its own transaction. */
export async function migrate(connection: Connection, file: string): Promise<void> {
  const version = await versionOf(connection, file);
  for (let step = version; step < SCHEMA_VERSION; step++) {
    await connection.exec(`BEGIN IMMEDIATE; ${MIGRATIONS[step]} PRAGMA user_version = ${step + 1}; COMMIT;`);
  }
}

/** Refuses, without changing it, a database this code cannot read as it is: from a newer version, or not yet migrated. */
export async function assertReadable(connection: Connection, file: string): Promise<void> {
  const version = await versionOf(connection, file);
  if (version < SCHEMA_VERSION) {
    throw new ArgoError(
      'ARGO_ERR_STORAGE_SCHEMA',
      `storage.path: ${file} has schema version ${version}, older than ${SCHEMA_VERSION}, and a query does not migrate it; run argo-signals on it once with write access`,
    );
  }
}
