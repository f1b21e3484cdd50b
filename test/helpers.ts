import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { ArgoError, PluginRegistry, Run, createLogger, loadConfig, type ConfigInput } from '../core';
import { builtinPlugins } from '../plugins';
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

/** Builds a run from config input with the built-in registry (or `registry`). */
export async function createRun(input: ConfigInput, registry = builtinRegistry()): Promise<Run> {
  return Run.create(loadConfig(registry, input), createLogger('silent'));
}

/** Runs the CLI in a child process. */
export function runCli(args: readonly string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  const result = spawnSync(process.execPath, [path.join(ROOT, 'bin', 'argo-signals.js'), ...args], {
    cwd: options.cwd ?? ROOT,
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
