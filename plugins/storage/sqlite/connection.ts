import { pathToFileURL } from 'node:url';
import sqlite3 from 'sqlite3';

/** A sqlite3 error: `code` is SQLITE_BUSY, SQLITE_NOTADB, SQLITE_CANTOPEN, … */
export type SqliteError = Error & { code?: string };

/** True for the errors a retry can cure: another connection holds the lock. */
export function isBusy(error: unknown): boolean {
  const code = (error as SqliteError | null)?.code;
  return code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED';
}

/** A prepared statement: parsed once, run many times. */
export class Prepared {
  constructor(private readonly statement: sqlite3.Statement) {}

  /** Binds `params` and runs the statement. */
  run(params: readonly unknown[]): Promise<void> {
    return new Promise((resolve, reject) => this.statement.run(params, (error: Error | null) => (error ? reject(error) : resolve())));
  }

  finalize(): Promise<void> {
    return new Promise((resolve) => this.statement.finalize(() => resolve()));
  }
}

/** A promise face on one sqlite3 connection. */
export class Connection {
  private constructor(private readonly db: sqlite3.Database) {}

  /**
   * Opens `file` read-write (created when missing), read-only, or immutable: read-only without
   * the WAL's shared-memory file, for a database in a folder this process cannot write (SQLite
   * then assumes nobody changes the file while it is open). `db.run`, `db.exec` and `prepare`
   * run in the order they are issued (sqlite3's serialized mode); a prepared statement's runs
   * do not wait in that queue (see the write queue).
   */
  static open(file: string, mode: 'readwrite' | 'readonly' | 'immutable', busyTimeoutMs: number): Promise<Connection> {
    const flags = { readwrite: sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE, readonly: sqlite3.OPEN_READONLY, immutable: sqlite3.OPEN_READONLY | sqlite3.OPEN_URI }[mode];
    const name = mode === 'immutable' ? `${pathToFileURL(file).href}?immutable=1` : file;
    return new Promise((resolve, reject) => {
      const db = new sqlite3.Database(name, flags, (error) => {
        if (error) return reject(error);
        db.configure('busyTimeout', busyTimeoutMs);
        db.serialize();
        resolve(new Connection(db));
      });
    });
  }

  /** Runs one statement; resolves with the number of rows it changed. */
  run(sql: string, params: readonly unknown[] = []): Promise<number> {
    return new Promise((resolve, reject) => {
      this.db.run(sql, params, function (this: sqlite3.RunResult, error: Error | null) {
        if (error) reject(error);
        else resolve(this.changes);
      });
    });
  }

  /** Runs a query; resolves with every row. */
  all<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    return new Promise((resolve, reject) => {
      this.db.all(sql, params, (error: Error | null, rows: T[]) => (error ? reject(error) : resolve(rows)));
    });
  }

  /** Prepares `sql` for repeated runs. */
  prepare(sql: string): Promise<Prepared> {
    return new Promise((resolve, reject) => {
      const statement = this.db.prepare(sql, (error: Error | null) => (error ? reject(error) : resolve(new Prepared(statement))));
    });
  }

  /** Runs several statements without parameters. */
  exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }
}
