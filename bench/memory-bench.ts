import { fork } from 'node:child_process';
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { BenchmarkContext } from '../core/cli/cli';
import type { MemoryFigures, MemoryTask } from './memory-child';
import { median } from './median';
import { findRealData } from './real-data';

/** The first 50 real symbols, or as many synthetic ones over the same dates. */
function universe(dataDir: string | undefined): Record<string, unknown> {
  if (dataDir !== undefined) return { 'data.dir': dataDir, symbols: [] };
  return { 'data.plugin': 'synthetic-bars', 'data.symbols': Array.from({ length: 50 }, (_, i) => `SYN${String(i).padStart(2, '0')}`), 'data.days': 1259, 'data.endDate': '2018-02-07' };
}

function measureOnce(task: MemoryTask): Promise<MemoryFigures> {
  const child = fork(path.join(__dirname, 'memory-child.js'), { execArgv: ['--expose-gc'], stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('message', (figures) => resolve(figures as MemoryFigures));
    child.once('exit', (code) => (code === 0 ? undefined : reject(new Error(`memory benchmark child exited with ${code}`))));
    child.send(task);
  }).finally(() => rmSync(path.join(tmpdir(), `argo-memory-bench-${child.pid}.db`), { force: true })) as Promise<MemoryFigures>;
}

async function measure(context: BenchmarkContext, task: MemoryTask): Promise<MemoryFigures & { runs: MemoryFigures[] }> {
  const runs: MemoryFigures[] = [];
  for (let i = 0; i < context.runs; i++) runs.push(await measureOnce(task));
  return { ...runs[0], maxRssMb: median(runs.map((r) => r.maxRssMb)), peakHeapMb: median(runs.map((r) => r.peakHeapMb)), runs };
}

/**
 * Peak memory of a replay of 50 symbols over one and five years, each in a fresh process with
 * SQLite storage: streamed (what a replay does now) against keeping every result (what it did
 * before). Streamed, the heap should hardly grow with the range.
 */
export async function memoryBench(context: BenchmarkContext): Promise<unknown> {
  const dir = findRealData(context.dataDir);
  if (dir === undefined) context.print('real data not found: 50 synthetic symbols over the same dates instead');
  const values = universe(dir);
  const symbols = dir === undefined ? [] : (await import('node:fs')).readdirSync(dir).filter((f) => f.endsWith('.csv')).sort().slice(0, 50).map((f) => f.slice(0, -4));
  const base = dir === undefined ? values : { ...values, symbols };
  const ranges = { oneYear: ['2017-02-08', '2018-02-07'], fiveYears: ['2013-02-08', '2018-02-07'] } as const;
  const figures: Record<string, unknown> = { data: dir ?? 'synthetic stand-in', runs: context.runs };
  context.print(`memory benchmark, 50 symbols, sqlite storage, ${context.runs} run(s) each, medians (data: ${figures.data})`);
  for (const keepResults of [false, true]) {
    for (const [name, [from, to]] of Object.entries(ranges)) {
      const measured = await measure(context, { values: base, from, to, keepResults });
      figures[`${keepResults ? 'kept' : 'streamed'}-${name}`] = measured;
      context.print(
        `${(keepResults ? 'results kept' : 'streamed').padEnd(13)} ${name.padEnd(10)} ${String(measured.symbolDays).padStart(6)} symbol-days  peak RSS ${measured.maxRssMb.toFixed(1)} MB  peak live heap ${measured.peakHeapMb.toFixed(1)} MB`,
      );
    }
  }
  return figures;
}
