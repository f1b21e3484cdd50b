import { spawn, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { loadConfig, type ConfigInput } from '../core/config/config-loader';
import type { Signal } from '../core/domain/domain';
import type { StatsReport } from '../core/engine/cycle-stats';
import { Run } from '../core/engine/run';
import { ArgoError } from '../core/errors/errors';
import { PluginRegistry } from '../core/plugin-system/plugin-registry';
import { createLogger } from '../core/util/logger';
import { sampleSignal } from '../core/testing/sample-data';
import { builtinPlugins } from '../plugins';
import type { Bar } from '../core/domain/domain';
import { syntheticBars } from '../plugins/market-data/synthetic-bars';
import { registerRuntimes } from '../workers/register-runtimes';

// The tests are a composition root too: their runs place stages on worker threads as the CLI's do.
registerRuntimes();
export { findRealData } from '../bench/real-data';

/** The repository root (tests run from dist/test). */
export const ROOT = path.resolve(__dirname, '..', '..');

/** A registry holding every built-in plugin, as the CLI builds it. */
export function builtinRegistry(): PluginRegistry {
  const registry = new PluginRegistry();
  for (const plugin of builtinPlugins) registry.register(plugin);
  return registry;
}

/** A fresh temporary folder. */
export function tempDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'argo-test-'));
}

/** Writes `value` as JSON to `name` in `dir` and returns the path. */
export function writeJson(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  writeFileSync(file, JSON.stringify(value));
  return file;
}

/** Builds a run from config input with the built-in registry (or `registry`); memory storage unless the input names one. */
export async function createRun(input: ConfigInput, registry = builtinRegistry()): Promise<Run> {
  return Run.create(loadConfig(registry, { ...input, values: { 'storage.plugin': 'memory', ...input.values } }), createLogger('silent'));
}

/** Runs the CLI in a child process, by default in a fresh temporary folder (where the default SQLite file goes). */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'argo-signals.js'), ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { ...process.env, ...options.env },
    encoding: 'utf8',
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The ArgoError that `fn` throws or rejects with; fails the test when there is none. */
export async function argoErrorOf(fn: () => unknown): Promise<ArgoError> {
  try {
    await fn();
  } catch (error) {
    expect(error).to.be.instanceOf(ArgoError);
    return error as ArgoError;
  }
  throw new Error('expected an ArgoError');
}

/** A well-formed signal for storage tests: the testing kit's sample signal with this suite's usual values. */
export function makeSignal(id: string, symbol = 'AAPL', asOf = '2017-01-03', overrides: Partial<Signal> = {}): Signal {
  return sampleSignal(id, { symbol, asOf, entry: 10, stop: 9, target: 12, regime: 'ranging', contributions: { trend: 50, rsi: 30 }, ...overrides });
}

/** Replays with `values` (memory storage unless they name one), collecting the signals and the statistics. */
export async function replaySignals(values: Record<string, unknown>, from = '2000-01-01', to = '2100-01-01'): Promise<{ signals: Signal[]; stats: StatsReport }> {
  const run = await createRun({ values });
  const signals: Signal[] = [];
  const report = await run.replay({ from, to, onResult: (r) => void (r.signal && signals.push(r.signal)) });
  await run.close();
  return { signals, stats: report.stats };
}

/** Signals without the measured latencies of real sources, which differ between any two runs. */
export function comparable(signals: readonly Signal[]) {
  return signals.map((s) => ({ ...s, sources: s.sources.map(({ latencyMs: _, ...rest }) => rest) }));
}

/** Runs the CLI in a child process without blocking this one (a test's own HTTP server keeps answering meanwhile). */
export function runCliAsync(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin', 'argo-signals.js'), ...args], {
    cwd: options.cwd ?? tempDir(),
    env: { ...process.env, ...options.env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => (stdout += chunk));
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** A small tmpfs mounted for a full-disk test, or why there cannot be one here (not root, no mount). */
export function mountTmpfs(sizeKb: number): { dir: string; unmount: () => void } | string {
  if (process.getuid?.() !== 0) return 'mounting a small tmpfs needs root';
  const dir = tempDir();
  const mounted = spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeKb}k`, 'tmpfs', dir], { encoding: 'utf8' });
  if (mounted.status !== 0) return `mount -t tmpfs failed: ${(mounted.stderr || String(mounted.error)).trim()}`;
  return { dir, unmount: () => void spawnSync('umount', ['-l', dir]) };
}

const NOBODY = { uid: 65534, gid: 65534 };
let publicCopy: string | undefined;

/**
 * The CLI's bin script as a user other than root can run it: the checkout's own when `nobody`
 * can read it, otherwise a copy of what the CLI needs (bin, dist, node_modules, package.json)
 * in a world-readable temporary folder, made once per test process (a checkout inside /root or
 * `mktemp -d` is private).
 */
function binForNobody(): string {
  const bin = path.join(ROOT, 'bin', 'argo-signals.js');
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(path.join(ROOT, 'dist', 'plugins', 'index.js'))})`], { ...NOBODY, encoding: 'utf8' });
  if (probe.status === 0) return bin;
  if (publicCopy === undefined) {
    const copy = mkdtempSync(path.join(tmpdir(), 'argo-public-'));
    for (const entry of ['bin', 'dist', 'node_modules', 'package.json']) cpSync(path.join(ROOT, entry), path.join(copy, entry), { recursive: true });
    const readable = spawnSync('chmod', ['-R', 'a+rX', copy]);
    if (readable.status !== 0) throw new Error(`chmod -R a+rX ${copy} failed: ${readable.stderr}`);
    process.once('exit', () => rmSync(copy, { recursive: true, force: true }));
    publicCopy = copy;
  }
  return path.join(publicCopy, 'bin', 'argo-signals.js');
}

/**
 * Runs the CLI as a user that folder permissions bind: `nobody` when the tests run as root
 * (root ignores them), the current user otherwise.
 */
export function runCliAsUser(args: readonly string[], cwd: string) {
  const asRoot = process.getuid?.() === 0;
  const result = spawnSync(process.execPath, [asRoot ? binForNobody() : path.join(ROOT, 'bin', 'argo-signals.js'), ...args], {
    cwd,
    encoding: 'utf8',
    ...(asRoot ? NOBODY : {}),
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** What must be the same whether a replay ran in one process or in shards. */
export function shardTotals(stats: StatsReport) {
  const { cycles, symbolsEvaluated, signals, rejections, sourceCalls, caches, storage, malformedRows, shadow, reasoning, contract, symbolsWithoutBars } = stats;
  return { cycles, symbolsEvaluated, signals, rejections, sourceCalls, caches, storage, malformedRows, shadow, reasoning, contract, symbolsWithoutBars };
}

/** Writes bar CSVs in `dir`: each symbol's seeded synthetic bars on `dates`, up to `end` (the same bars whatever the end: the data as it stood then). */
export function writeSyntheticCsvs(dir: string, symbols: readonly string[], dates: readonly string[], end: string): string {
  symbols.forEach((symbol, i) => {
    const bars = syntheticBars(symbol, 40 + i, dates).filter((bar) => bar.date <= end);
    writeFileSync(path.join(dir, `${symbol}.csv`), csvOf(bars));
  });
  return dir;
}

function csvOf(bars: readonly Bar[]): string {
  return ['date,open,high,low,close,volume', ...bars.map((b) => `${b.date},${b.open},${b.high},${b.low},${b.close},${b.volume}`)].join('\n');
}
