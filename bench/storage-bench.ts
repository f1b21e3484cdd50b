import type BetterSqlite3 from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchmarkContext } from '../core/cli/cli';
import type { Signal } from '../core/domain/domain';
import type { Storage } from '../core/plugin-system/plugin-contracts';
import { validateOptions } from '../core/plugin-system/plugin-loader';
import { ArgoError, messageOf } from '../core/errors/errors';
import { createLogger } from '../core/util/logger';
import sqlite from '../plugins/storage/sqlite';
import { Connection } from '../plugins/storage/sqlite/connection';
import { signalValues } from '../plugins/storage/sqlite/signal-rows';
import { INSERT_ONE, freshDb } from './sqlite-bench-db';
import { postgresAnswers, postgresRows } from './postgres-rows';
import { median } from './median';

const RUN_ID = 'bench';

/** A realistic signal: five source outcomes, a reasoning sentence, contributions. */
function benchSignal(i: number): Signal {
  const sources = ['trend', 'macd', 'momentum', 'volatility', 'volume'].map((source, k) => ({
    source,
    ok: true as const,
    opinion: { direction: 'LONG' as const, confidence: 60 + k * 5, features: { value: i / (k + 1) } },
    latencyMs: 0.01 * k,
  }));
  return {
    id: `sig-${i}`,
    symbol: `S${i % 100}`,
    asOf: `2017-01-${String((i % 28) + 1).padStart(2, '0')}`,
    action: 'BUY',
    direction: 'LONG',
    confidence: 80 + (i % 20),
    entry: 100 + i / 100,
    stop: 95,
    target: 110,
    regime: 'trending-up',
    reasoning: `BUY S${i % 100}: LONG consensus at 82.5% from 5 source(s). Driven by trend LONG 90% (gapPct 3.10), +30.0 pts.`,
    reasoningStatus: 'done',
    contributions: { trend: 30, macd: 24, momentum: 15, volatility: 8, volume: 5.5 },
    sources,
  };
}

function rowsPerSecond(rows: number, ms: number): number {
  return (rows / ms) * 1000;
}

/** (a) The incumbent: open a connection, insert one row, commit, close, for every signal, on SQLite's default rollback journal. */
async function connectionPerSignal(file: string, signals: readonly Signal[]): Promise<number> {
  const started = performance.now();
  for (const signal of signals) {
    const connection = await Connection.open(file, 'readwrite', 5000);
    await connection.run(INSERT_ONE, signalValues(signal, RUN_ID, 'now'));
    await connection.close();
  }
  return performance.now() - started;
}

/** (b) One connection, a commit per row (autocommit). */
async function commitPerRow(file: string, signals: readonly Signal[]): Promise<number> {
  const connection = await Connection.open(file, 'readwrite', 5000);
  await connection.exec('PRAGMA synchronous = NORMAL');
  const started = performance.now();
  for (const signal of signals) await connection.run(INSERT_ONE, signalValues(signal, RUN_ID, 'now'));
  const ms = performance.now() - started;
  await connection.close();
  return ms;
}

async function openStorage(file: string, batchSize: number): Promise<Storage> {
  const options = validateOptions(sqlite, { path: file, batchSize, flushMs: 60000, maxQueue: Math.max(10000, batchSize) }, 'storage');
  return sqlite.create({ options, resolvePath: (p: string) => p, runId: RUN_ID, logger: createLogger('error') } as never) as Promise<Storage>;
}

/** (c) This storage: group commit with multi-row INSERTs, batches of `batchSize`. */
async function groupCommit(file: string, signals: readonly Signal[], batchSize: number): Promise<number> {
  const storage = await openStorage(file, batchSize);
  const started = performance.now();
  const saves = signals.map((signal) => storage.save(signal));
  await storage.flush!();
  await Promise.all(saves);
  const ms = performance.now() - started;
  await storage.close();
  return ms;
}

/**
 * better-sqlite3, the reference arm: a development dependency, loaded only when this benchmark
 * runs, so an installed argo-signals (without it) starts and runs every other command.
 */
function loadBetterSqlite3(): typeof BetterSqlite3 {
  try {
    return require('better-sqlite3') as typeof BetterSqlite3;
  } catch (error) {
    throw new ArgoError('ARGO_ERR_USAGE', `bench storage compares with better-sqlite3, a development dependency that is not installed here (${messageOf(error)}); run it from a checkout after npm install`, { cause: error });
  }
}

/** (d) Reference: better-sqlite3, one transaction, one prepared statement. */
function betterSqlite(Database: typeof BetterSqlite3, file: string, signals: readonly Signal[]): number {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  const insert = db.prepare(INSERT_ONE);
  const started = performance.now();
  db.transaction((rows: readonly Signal[]) => {
    for (const signal of rows) insert.run(...signalValues(signal, RUN_ID, 'now'));
  })(signals);
  const ms = performance.now() - started;
  db.close();
  return ms;
}

/** Time from handing a cycle's 6 signals to storage until all are acknowledged (the engine flushes at cycle end). */
async function sixSignalCycles(file: string, cycles: number): Promise<number[]> {
  const storage = await openStorage(file, 10);
  const times: number[] = [];
  for (let c = 0; c < cycles; c++) {
    const started = performance.now();
    const saves = Array.from({ length: 6 }, (_, i) => storage.save(benchSignal(c * 6 + i)));
    await storage.flush!();
    await Promise.all(saves);
    times.push(performance.now() - started);
  }
  await storage.close();
  return times;
}

/**
 * Rows per second for the naive path, a commit per row, this storage at batch sizes 10, 100
 * and 1000, and better-sqlite3 as the reference, each on a fresh WAL database file, medians
 * over `runs`; and the time to write one 6-signal cycle.
 */
export async function storageBench(context: BenchmarkContext): Promise<unknown> {
  const Database = loadBetterSqlite3();
  const signals = Array.from({ length: 20000 }, (_, i) => benchSignal(i));
  const naiveSignals = signals.slice(0, 1500);
  const perRowSignals = signals.slice(0, 5000);
  const samples: Record<string, number[]> = {
    naive: [],
    commitPerRow: [],
    batch10: [],
    batch100: [],
    batch1000: [],
    betterSqlite3: [],
  };
  const cycleTimes: number[] = [];
  const postgres = (await postgresAnswers()) ? { connectionPerRow: [] as number[], batch100: [] as number[], batch1000: [] as number[] } : null;
  if (postgres === null) context.print('PostgreSQL does not answer at 127.0.0.1:5432: its rows are left out');
  for (let run = 0; run < context.runs; run++) {
    if (postgres !== null) {
      const measured = await postgresRows(signals, run);
      for (const key of ['connectionPerRow', 'batch100', 'batch1000'] as const) postgres[key].push(measured[key]);
    }
    const dir = mkdtempSync(path.join(tmpdir(), 'argo-bench-storage-'));
    try {
      samples.naive.push(rowsPerSecond(naiveSignals.length, await connectionPerSignal(await freshDb(path.join(dir, 'naive.db'), 'DELETE'), naiveSignals)));
      samples.commitPerRow.push(rowsPerSecond(perRowSignals.length, await commitPerRow(await freshDb(path.join(dir, 'per-row.db')), perRowSignals)));
      for (const size of [10, 100, 1000]) {
        samples[`batch${size}`].push(rowsPerSecond(signals.length, await groupCommit(await freshDb(path.join(dir, `batch-${size}.db`)), signals, size)));
      }
      samples.betterSqlite3.push(rowsPerSecond(signals.length, betterSqlite(Database, await freshDb(path.join(dir, 'better.db')), signals)));
      cycleTimes.push(...(await sixSignalCycles(await freshDb(path.join(dir, 'cycles.db')), 50)));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const rows = Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, Math.round(median(values))]));
  const ratio = (a: string, b: string) => rows[a] / rows[b];
  const figures = {
    runs: context.runs,
    rowsPerSecond: rows,
    ratios: {
      batch100VsNaive: ratio('batch100', 'naive'),
      batch1000VsNaive: ratio('batch1000', 'naive'),
      batch100VsBetterSqlite3: ratio('batch100', 'betterSqlite3'),
      batch1000VsBetterSqlite3: ratio('batch1000', 'betterSqlite3'),
    },
    sixSignalCycleMs: { median: median(cycleTimes), p95: [...cycleTimes].sort((a, b) => a - b)[Math.floor(cycleTimes.length * 0.95)] },
    postgresRowsPerSecond: postgres === null ? null : Object.fromEntries(Object.entries(postgres).map(([name, values]) => [name, Math.round(median(values))])),
    targets: {
      batch100AtLeast100xNaive: ratio('batch100', 'naive') >= 100,
      batch100AtLeastHalfBetterSqlite3: ratio('batch100', 'betterSqlite3') >= 0.5,
      sixSignalCycleUnder2ms: median(cycleTimes) < 2,
      postgresBatch1000AtLeast20000: postgres === null ? null : median(postgres.batch1000) >= 20_000,
    },
  };
  context.print(`storage benchmark, ${context.runs} run(s), medians, rows per second:`);
  for (const [name, value] of Object.entries(rows)) context.print(`  ${name.padEnd(18)} ${String(value).padStart(8)}`);
  context.print(
    `batch 100: ${figures.ratios.batch100VsNaive.toFixed(0)}x naive, ${figures.ratios.batch100VsBetterSqlite3.toFixed(2)}x better-sqlite3; ` +
      `batch 1000: ${figures.ratios.batch1000VsNaive.toFixed(0)}x naive, ${figures.ratios.batch1000VsBetterSqlite3.toFixed(2)}x better-sqlite3`,
  );
  if (figures.postgresRowsPerSecond !== null) {
    const pg = figures.postgresRowsPerSecond as Record<string, number>;
    context.print(`postgres: connection per row ${pg.connectionPerRow}, batch 100 ${pg.batch100}, batch 1000 ${pg.batch1000} rows/s (${(pg.batch1000 / pg.connectionPerRow).toFixed(0)}x the naive path)`);
  }
  context.print(`6-signal cycle: median ${figures.sixSignalCycleMs.median.toFixed(2)} ms, p95 ${figures.sixSignalCycleMs.p95.toFixed(2)} ms`);
  context.print(`targets: ${Object.entries(figures.targets).map(([k, v]) => `${k} ${v ? 'met' : 'NOT met'}`).join(', ')}`);
  return figures;
}
