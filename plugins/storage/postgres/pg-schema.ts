import type { PoolClient } from 'pg';
import { ArgoError } from '../../../core/errors/errors';
import { outcomesTableSql } from '../outcomes-table';
import { sinkTablesSql } from '../sink-tables';

/** Migrations, one per version, in `schema`: migration i takes the schema from version i to i + 1. */
function migrations(schema: string): readonly string[] {
  return [
    `CREATE TABLE ${schema}.signals (
       seq BIGSERIAL PRIMARY KEY,
       id TEXT NOT NULL UNIQUE,
       run_id TEXT NOT NULL,
       symbol TEXT NOT NULL,
       as_of TEXT NOT NULL,
       action TEXT NOT NULL,
       direction TEXT NOT NULL,
       confidence DOUBLE PRECISION NOT NULL,
       entry DOUBLE PRECISION NOT NULL,
       stop DOUBLE PRECISION NOT NULL,
       target DOUBLE PRECISION NOT NULL,
       regime TEXT NOT NULL,
       reasoning TEXT NOT NULL,
       reasoning_status TEXT NOT NULL,
       contributions TEXT NOT NULL,
       sources TEXT NOT NULL,
       stored_at TEXT NOT NULL
     );
     CREATE INDEX signals_by_symbol ON ${schema}.signals (symbol, seq);
     CREATE INDEX signals_by_date ON ${schema}.signals (as_of, symbol);
     CREATE TABLE ${schema}.runs (id TEXT PRIMARY KEY, config_hash TEXT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT NOT NULL, stats TEXT NOT NULL);`,
    // Version 2: the calibrated probability of a signal and the calibration's version.
    `ALTER TABLE ${schema}.signals ADD COLUMN probability DOUBLE PRECISION, ADD COLUMN calibration TEXT;`,
    // Version 3: the resolved outcomes of signals (docs/learning.md).
    outcomesTableSql(`${schema}.outcomes`),
    // Version 4: sinks' cursors and dead letters, and the order reasoning texts were written in (docs/delivery.md).
    sinkTablesSql(`${schema}.`, 'BIGINT'),
  ];
}

/** The version this code writes. */
export const PG_SCHEMA_VERSION = 4;

/**
 * Brings `schema` up to {@link PG_SCHEMA_VERSION} inside one transaction holding an advisory
 * lock, so services starting together migrate once; a newer version is refused.
 */
export async function migratePg(client: PoolClient, schema: string, where: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`argo-signals:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query(`CREATE TABLE IF NOT EXISTS ${schema}.schema_version (version INTEGER NOT NULL)`);
    const { rows } = await client.query<{ version: number }>(`SELECT version FROM ${schema}.schema_version`);
    let version = rows[0]?.version ?? 0;
    if (version > PG_SCHEMA_VERSION) {
      throw new ArgoError('ARGO_ERR_STORAGE_SCHEMA', `${where}: schema ${schema} has version ${version}, this argo-signals writes version ${PG_SCHEMA_VERSION}; use a newer argo-signals or another schema`);
    }
    const steps = migrations(schema);
    for (; version < PG_SCHEMA_VERSION; version++) await client.query(steps[version]);
    await client.query(`DELETE FROM ${schema}.schema_version`);
    await client.query(`INSERT INTO ${schema}.schema_version VALUES ($1)`, [version]);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
