import type { Client as PgClient } from 'pg';
import type { Signal } from '../core/domain/domain';
import type { Storage } from '../core/plugin-system/plugin-contracts';
import { validateOptions } from '../core/plugin-system/plugin-loader';
import { createLogger } from '../core/util/logger';
import postgres from '../plugins/storage/postgres';
import { SIGNAL_COLUMNS, signalValues } from '../plugins/storage/sqlite/signal-rows';

const URL = process.env.ARGO_BENCH_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

async function open(schema: string, batchSize: number): Promise<Storage> {
  const options = validateOptions(postgres, { url: URL, schema, batchSize, flushMs: 60_000 }, 'storage');
  return postgres.create({ options, env: {}, runId: 'bench', readOnly: false, logger: createLogger('error') } as never) as Promise<Storage>;
}

/** Rows a second saving `signals` through the postgres storage in batches of `batchSize` (a fresh schema). */
async function batched(signals: readonly Signal[], batchSize: number, run: number): Promise<number> {
  const schema = `bench_b${batchSize}_${process.pid}_${run}`;
  const storage = await open(schema, batchSize);
  const started = performance.now();
  await Promise.all([...signals.map((s) => storage.save(s)), storage.flush!()]);
  const ms = performance.now() - started;
  await storage.close();
  await dropSchema(schema);
  return (signals.length / ms) * 1000;
}

/** The naive path: a new connection per row, an INSERT, a disconnect. */
async function connectionPerRow(signals: readonly Signal[], run: number): Promise<number> {
  const schema = `bench_naive_${process.pid}_${run}`;
  await (await open(schema, 1)).close();
  const { Client } = require('pg') as { Client: typeof PgClient };
  const insert = `INSERT INTO ${schema}.signals (${SIGNAL_COLUMNS.join(',')}) VALUES (${SIGNAL_COLUMNS.map((_, i) => `$${i + 1}`).join(',')}) ON CONFLICT (id) DO NOTHING`;
  const started = performance.now();
  for (const signal of signals) {
    const client = new Client(URL);
    await client.connect();
    await client.query(insert, signalValues(signal, 'bench', 'now'));
    await client.end();
  }
  const ms = performance.now() - started;
  await dropSchema(schema);
  return (signals.length / ms) * 1000;
}

async function dropSchema(schema: string): Promise<void> {
  const { Client } = require('pg') as { Client: typeof PgClient };
  const client = new Client(URL);
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}

/** Whether the benchmark's PostgreSQL answers. */
export async function postgresAnswers(): Promise<boolean> {
  const { Client } = require('pg') as { Client: typeof PgClient };
  const client = new Client({ connectionString: URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.end();
    return true;
  } catch {
    return false;
  }
}

/** One run's rows per second: a connection per row (on 300 signals), and the storage at batches of 100 and 1000 (on all of them). */
export async function postgresRows(signals: readonly Signal[], run: number): Promise<{ connectionPerRow: number; batch100: number; batch1000: number }> {
  return {
    connectionPerRow: await connectionPerRow(signals.slice(0, 300), run),
    batch100: await batched(signals, 100, run),
    batch1000: await batched(signals, 1000, run),
  };
}
