import { ArgoError } from '../../../core/errors/errors';
import type { Connection } from './connection';
import { outcomesTableSql } from '../outcomes-table';
import { sinkTablesSql } from '../sink-tables';

/**
 * Forward migrations, one per schema version: migration i takes the database from version
 * i to i + 1. The version lives in `PRAGMA user_version`; a database from a newer version
 * is refused rather than guessed at.
 */
export const MIGRATIONS: readonly string[] = [
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
  // Version 2: pages of one symbol in write order (GET /v1/signals?symbol=…&cursor=…): an index
  // on symbol alone is ordered by (symbol, rowid), a range scan for `symbol = ? AND rowid > ?`.
  `CREATE INDEX signals_by_symbol_seq ON signals (symbol);`,
  // Version 3: the calibrated probability of a signal and the calibration's version (null before, or without one).
  `ALTER TABLE signals ADD COLUMN probability REAL;
   ALTER TABLE signals ADD COLUMN calibration TEXT;`,
  // Version 4: the resolved outcomes of signals (docs/learning.md).
  outcomesTableSql('outcomes'),
  // Version 5: sinks' cursors and dead letters, and the order reasoning texts were written in (docs/delivery.md).
  sinkTablesSql('', 'INTEGER'),
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

/** Refuses a database that holds another application's tables and no argo-signals schema: this code would add its tables to it. */
async function assertOurs(connection: Connection, file: string): Promise<void> {
  const tables = await connection.all<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  if (tables.length > 0) {
    const names = tables.slice(0, 5).map((t) => t.name).join(', ');
    throw new ArgoError(
      'ARGO_ERR_STORAGE_OPEN',
      `storage.path: ${file} is another application's SQLite database (tables ${names}${tables.length > 5 ? ', …' : ''}, no argo-signals schema); name a new file`,
    );
  }
}

/**
 * Brings the database at `file` up to {@link SCHEMA_VERSION}, each step in its own write
 * transaction that reads the version again once it holds the lock: another process may have
 * migrated the file while this one waited (two runs creating one new database at once).
 */
export async function migrate(connection: Connection, file: string): Promise<void> {
  if ((await versionOf(connection, file)) === SCHEMA_VERSION) return;
  for (;;) {
    await connection.exec('BEGIN IMMEDIATE');
    try {
      const version = await versionOf(connection, file);
      if (version === 0) await assertOurs(connection, file);
      if (version < SCHEMA_VERSION) await connection.exec(`${MIGRATIONS[version]} PRAGMA user_version = ${version + 1};`);
      await connection.exec('COMMIT');
      if (version + 1 >= SCHEMA_VERSION) return;
    } catch (error) {
      await connection.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
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
