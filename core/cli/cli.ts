import { mkdir, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { loadConfig, type ConfigInput, type LoadedConfig } from '../config/config-loader';
import { openStorage } from '../engine/plugin-factory';
import { Run } from '../engine/run';
import { Cassette, TapeRecorder } from '../engine/run-tape';
import { ArgoError } from '../errors/errors';
import type { PluginDefinition } from '../plugin-system/define-plugin';
import type { Storage } from '../plugin-system/plugin-contracts';
import { PluginRegistry } from '../plugin-system/plugin-registry';
import { createLogger, type Logger } from '../util/logger';
import { SecretRedactor } from '../util/secret-redactor';
import { dataValues, shardPlan, symbolList, type ConfigFlags, type ShardFlags, type TapeFlags } from './cli-options';

/** What a benchmark is given. */
export interface BenchmarkContext {
  readonly registry: PluginRegistry;
  /** The real market data folder, if given with --data or found beside the checkout. */
  readonly dataDir: string | undefined;
  readonly runs: number;
  readonly json: boolean;
  /** Where human-readable lines go. */
  readonly print: (line: string) => void;
}

/** A benchmark: runs, prints, and returns its figures for `--json`. */
export type Benchmark = (context: BenchmarkContext) => Promise<unknown>;

/** What the bin script hands the CLI. */
export interface CliEnvironment {
  readonly plugins: readonly PluginDefinition[];
  readonly benchmarks: Readonly<Record<string, Benchmark>>;
  readonly env?: Readonly<Record<string, string | undefined>>;
  readonly stdout?: (text: string) => void;
  readonly stderr?: (text: string) => void;
  /**
   * Ends the process with the exit code; called instead of returning when a plugin left work
   * running that would keep the process alive after the run closed (the bin script passes
   * process.exit; an embedding program that omits it gets the code returned and the warning).
   */
  readonly exit?: (code: number) => void;
}

/**
 * What every command of one CLI invocation shares: the plugins, the output (every secret a
 * plugin reads is registered with `secrets`, and nothing printed shows it), the ways to build
 * a run, a storage or a report, and how the command ended besides its error.
 */
export class Cli {
  readonly secrets = new SecretRedactor();
  readonly registry = new PluginRegistry();
  /** The signal that stopped the command (its exit code is 128 + the signal's number). */
  interruptedBy: NodeJS.Signals | undefined;
  /** True when work a plugin started outlives the command: the process is ended instead of left to drain. */
  leftRunning = false;
  /** True when a check the command ran failed without an error (exit 1). */
  checkFailed = false;

  constructor(readonly environment: CliEnvironment) {
    for (const plugin of environment.plugins) this.registry.register(plugin);
  }

  readonly out = (text: string): void => {
    (this.environment.stdout ?? ((t: string) => process.stdout.write(t)))(this.secrets.redact(text));
  };

  readonly err = (text: string): void => {
    (this.environment.stderr ?? ((t: string) => process.stderr.write(t)))(this.secrets.redact(text));
  };

  readonly println = (line: string): void => this.out(`${line}\n`);

  /** The configuration input of `flags`, with `values` from the command's own flags. */
  configInput(flags: ConfigFlags, values: Record<string, unknown> = {}): ConfigInput {
    return {
      file: flags.config,
      env: this.environment.env ?? process.env,
      sets: [...flags.set, ...(flags.symbols === undefined ? [] : [`symbols=${symbolList(flags.symbols)}`])],
      values,
      secrets: this.secrets,
    };
  }

  /** The configuration `flags` (and `values` from the command's own flags) give, validated. */
  config(flags: ConfigFlags, values: Record<string, unknown> = {}): LoadedConfig {
    return loadConfig(this.registry, this.configInput(flags, values));
  }

  /** The logger of a command under `config`. */
  loggerFor(config: LoadedConfig): Logger {
    return createLogger(config.values.log.level, this.secrets);
  }

  /** The config of a command that learns from a replay: every source asked on every symbol-day, nothing persisted (the file's storage section left out). */
  learningInput(flags: ConfigFlags & { data?: string }): ConfigInput {
    return { ...this.configInput(flags, { ...dataValues(flags), 'earlyExit.strategy': 'none', 'storage.plugin': 'memory' }), without: ['storage'] };
  }

  /**
   * `body` on a run of `input`, closed after (also when `body` fails). SIGINT and SIGTERM stop
   * a replay after the cycle in progress; the run then closes as usual, so every signal
   * produced is written before the process exits. Contract violations and sources that
   * ignored their AbortSignal are said on the way out.
   */
  async withRun<T>(input: ConfigInput, body: (run: Run) => Promise<T>, tapes: TapeFlags & ShardFlags = {}): Promise<T> {
    const config = loadConfig(this.registry, input);
    const logger = this.loggerFor(config);
    const shards = await shardPlan(tapes, config, logger);
    const cassette = tapes.cassette === undefined ? undefined : Cassette.read(path.resolve(tapes.cassette));
    if (cassette !== undefined && cassette.tornLines > 0) this.err(`argo-signals: --cassette: dropped ${cassette.tornLines} torn last line(s) (a recording cut by a kill); replaying what is whole\n`);
    const recorder = tapes.record === undefined ? undefined : await TapeRecorder.open(path.resolve(tapes.record), config.hash);
    const run = await Run.create(config, logger, { recorder, cassette, shards }).catch(async (error: unknown) => {
      await recorder?.close().catch(() => undefined);
      await shards?.runner.close();
      throw error;
    });
    const stop = (signal: NodeJS.Signals) => {
      this.interruptedBy = signal;
      this.err(`argo-signals: ${signal} received, writing pending signals before exit\n`);
      run.requestStop();
    };
    process.on('SIGINT', stop).on('SIGTERM', stop);
    try {
      const result = await body(run);
      await run.close();
      return result;
    } catch (error) {
      await run.close().catch(() => undefined);
      throw error;
    } finally {
      process.off('SIGINT', stop).off('SIGTERM', stop);
      await shards?.runner.close();
      this.#sayLeftovers(run);
    }
  }

  #sayLeftovers(run: Run): void {
    const bound = run.config.values.earlyExit.strategy === 'bound';
    for (const [plugin, symbols] of run.stats.contractViolations) {
      this.err(
        `argo-signals: ${bound ? 'WARNING' : 'warning'}: ARGO_ERR_PLUGIN_CONTRACT: ${plugin} gave an upper bound below the final confidence on ${symbols} symbol(s)${bound ? '; the bound early exit is NOT lossless with this consensus and has dropped signals' : ''}\n`,
      );
    }
    for (const { source, calls } of run.lingering()) {
      this.leftRunning = true;
      this.err(`argo-signals: warning: source "${source}" ignored its AbortSignal: ${calls} call(s) still running after their timeout; exiting without waiting for them\n`);
    }
  }

  /** `body` on `run`, then with `--deliver` every sink delivers what was stored, up to the newest signal (their cursors created before `body`, so its signals count). */
  async delivering<T>(run: Run, deliver: boolean | undefined, body: () => Promise<T>): Promise<T> {
    if (deliver !== true) return body();
    const { Delivery } = await import('../delivery/delivery');
    const { deliverNow, formatSinks } = await import('./sink-commands');
    const delivery = await Delivery.open(run.config, run.storage, run.logger);
    try {
      const result = await body();
      await run.storage.flush?.();
      this.err(`${formatSinks(await deliverNow(delivery))}\n`);
      return result;
    } finally {
      await delivery.close();
    }
  }

  /** `body` on the configured storage (or the SQLite file `--db`), opened read-only and closed after. */
  async withStorage<T>(flags: ConfigFlags & { db?: string }, body: (storage: Storage) => Promise<T>): Promise<T> {
    const values: Record<string, unknown> = {};
    if (flags.db !== undefined) {
      const file = path.resolve(flags.db);
      if (!existsSync(file)) throw new ArgoError('ARGO_ERR_STORAGE_OPEN', `--db: ${file} does not exist`);
      Object.assign(values, { 'storage.plugin': 'sqlite', 'storage.path': file });
    }
    const config = this.config(flags, values);
    const storage = await openStorage(config, this.loggerFor(config));
    try {
      return await body(storage);
    } finally {
      await storage.close();
    }
  }

  /** A report as `name`.html and `name`.json in `dir` (created); says where unless the output is JSON. */
  async writeReport(dir: string, name: string, html: string, value: unknown, json?: boolean): Promise<void> {
    const at = path.resolve(dir);
    await mkdir(at, { recursive: true });
    await writeFile(path.join(at, `${name}.html`), html);
    await writeFile(path.join(at, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`);
    if (!json) this.println(`report: ${path.join(at, `${name}.html`)}`);
  }
}
