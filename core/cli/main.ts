/**
 * The `argo-signals` command line. Built-in plugins and benchmarks are handed in by the
 * bin script, so the core never imports them. Exit codes: 0 ok, 2 usage or config error,
 * 1 runtime failure.
 */
import 'reflect-metadata';
import { Command, CommanderError, Option } from 'commander';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, type ConfigInput } from '../config/config-loader';
import type { ArmSpec } from '../lab/ab-lab';
import { configurationReference } from '../config/config-doc';
import type { StatsReport } from '../engine/cycle-stats';
import { PLUGIN_KINDS, type PluginDefinition } from '../plugin-system/define-plugin';
import { writeError } from '../util/disk-full';
import { InFlight } from '../util/in-flight';
import { JsonLinesAppender } from '../util/json-lines';
import type { Storage } from '../plugin-system/plugin-contracts';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import { errorsReference } from '../errors/errors-doc';
import { createLogger } from '../util/logger';
import { PluginRegistry } from '../plugin-system/plugin-registry';
import { SecretRedactor } from '../util/secret-redactor';
import { Run } from '../engine/run';
import { checkPlugins } from '../engine/check-plugins';
import { registerRuntimes } from '../../workers/register-runtimes';
import { openStorage } from '../engine/plugin-factory';
import { Cassette, TapeRecorder } from '../engine/run-tape';
import type { SymbolResult } from '../engine/symbol-pipeline';
import { readLeaf } from '../config/config-values';
import { assertIsoDate, assertSymbol } from '../domain/symbols';
import { storageFailure } from '../engine/write-tracker';
import { formatAbReport, formatRunTable, formatRuns, formatSignals, formatStats } from './format';
import { progressBar } from './progress';
import type { LoadedConfig } from '../config/config-loader';
import type { Logger } from '../util/logger';
import { PersistentProcessRunner, ProcessShardRunner, ThreadShardRunner } from '../scale/local-shards';
import type { ShardPlan } from '../engine/shard-contract';

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

interface ConfigFlags {
  config?: string;
  set: string[];
  symbols?: string;
  json?: boolean;
}

/** The most signals one query returns: SQLite's LIMIT takes up to 2^63, but no terminal or program wants more than this at once. */
const MAX_LIMIT = 1_000_000_000;

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function symbolList(list: string): string {
  return list
    .split(',')
    .map((symbol) => assertSymbol(symbol.trim(), '--symbols'))
    .join(',');
}

function parseArm(text: string): ArmSpec {
  const at = text.indexOf(':');
  const name = at < 0 ? text : text.slice(0, at);
  if (name.trim() === '') throw new ArgoError('ARGO_ERR_USAGE', `--arm ${JSON.stringify(text)}: expected NAME:key=value[,key=value…]`);
  const sets = at < 0 || text.slice(at + 1).trim() === '' ? [] : text.slice(at + 1).split(',').map((pair) => pair.trim());
  for (const pair of sets) {
    if (!/^[^=]+=/.test(pair)) throw new ArgoError('ARGO_ERR_USAGE', `--arm ${name}: ${JSON.stringify(pair)} is not key=value`);
  }
  return { name: name.trim(), sets };
}

/** The dates of --from and --to, each optional here; refused when not a date or when --from is after --to (replay and signals alike). */
function dateRange<F extends { from?: string; to?: string }>(flags: F): { from: F['from']; to: F['to'] } {
  const from = flags.from === undefined ? undefined : assertIsoDate(flags.from, '--from');
  const to = flags.to === undefined ? undefined : assertIsoDate(flags.to, '--to');
  if (from !== undefined && to !== undefined && from > to) throw new ArgoError('ARGO_ERR_USAGE_DATE', `--from ${from} is after --to ${to}`);
  return { from, to } as { from: F['from']; to: F['to'] };
}

/** A positive integer option, read by the same strict reader as config values (`1e3` is 1000; `16abc` and 1e20 are refused). */
function positiveInteger(text: string, flag: string, max: number): number {
  let value: number;
  try {
    value = readLeaf(text, { format: 'nat', default: 1 }, flag) as number;
  } catch (error) {
    throw new ArgoError('ARGO_ERR_USAGE', messageOf(error));
  }
  if (value < 1 || value > max) throw new ArgoError('ARGO_ERR_USAGE', `${flag} must be an integer 1..${max}, was ${text}`);
  return value;
}

function assertAllStored(stats: StatsReport): void {
  const failure = storageFailure(stats);
  if (failure !== null) throw failure;
}

/** `--record DIR` and `--cassette DIR`: where a run is recorded, or what it replays. */
interface TapeFlags {
  readonly record?: string;
  readonly cassette?: string;
}

function recordOption(): Option {
  return new Option('--record <dir>', 'record the bars, every source outcome and text, and the cycles into DIR (one JSON-lines file a run)');
}

/** `--processes N`, `--threads N`, `--distributed`: where the shards of a replay, an A/B test or a service go. */
interface ShardFlags {
  readonly processes?: string;
  readonly threads?: string;
  readonly distributed?: boolean;
}

function withShardOptions(command: Command, what: string): Command {
  return command
    .option('--processes <n>', `${what} in N child processes, symbols split by a stable hash; results merged`)
    .option('--threads <n>', `${what} on N worker threads (Piscina), split as --processes`)
    .option('--distributed', `${what} as shards of distributed.shardSize symbols on the BullMQ queue distributed.queue (run \`argo-signals worker\` beside)`);
}

/** The shard plan the flags ask for, or none; refused when more than one is given, or with a recording. */
async function shardPlan(flags: ShardFlags & TapeFlags, config: LoadedConfig, logger: Logger, live = false): Promise<ShardPlan | undefined> {
  const asked = (['processes', 'threads', 'distributed'] as const).filter((flag) => flags[flag] !== undefined);
  if (asked.length === 0) return undefined;
  if (asked.length > 1) throw new ArgoError('ARGO_ERR_USAGE', `--${asked.join(' and --')}: choose one way to shard`);
  if (flags.record !== undefined || flags.cassette !== undefined) throw new ArgoError('ARGO_ERR_USAGE', `--${asked[0]} shards a run over workers; --record and --cassette run in one process`);
  if (flags.processes !== undefined) {
    const count = positiveInteger(flags.processes, '--processes', 256);
    // A service keeps its children, each holding its shards' indicator state; a replay starts one a shard.
    const { timeoutMs } = config.values.distributed;
    return { runner: live ? new PersistentProcessRunner(count, timeoutMs) : new ProcessShardRunner(timeoutMs), count };
  }
  if (flags.threads !== undefined) {
    const count = positiveInteger(flags.threads, '--threads', 256);
    return { runner: new ThreadShardRunner(count, config.values.distributed.timeoutMs), count };
  }
  // Loaded on demand: BullMQ and ioredis serve no other flag.
  const { QueueShardRunner } = await import('../scale/queue-shards');
  return { runner: await QueueShardRunner.open(config.values.distributed, config.env, logger), size: config.values.distributed.shardSize };
}

/** `--data DIR` of the commands that run the pipeline; {@link dataValues} turns it into config. */
function dataOption(): Option {
  return new Option('--data <dir>', 'folder of CSV files, one per symbol (same as --set data.dir=…)');
}

/** The config values `--data DIR` stands for. */
function dataValues(flags: { data?: string }): Record<string, unknown> {
  return flags.data === undefined ? {} : { 'data.dir': path.resolve(flags.data) };
}

function withConfigFlags(command: Command): Command {
  return command
    .option('-c, --config <file>', 'JSON config file')
    .option('-s, --set <key=value>', 'set a config key (repeatable, wins over file and environment)', collect, [])
    .option('--symbols <list>', 'comma-separated symbols (same as --set symbols=…)')
    .option('--json', 'print one JSON object instead of text');
}

/** Runs the CLI with `argv` (without node and script) and resolves to the exit code. */
export async function main(argv: readonly string[], environment: CliEnvironment): Promise<number> {
  registerRuntimes();
  // Every secret a plugin reads is registered here, and nothing this command prints shows it.
  const secrets = new SecretRedactor();
  const rawOut = environment.stdout ?? ((text: string) => process.stdout.write(text));
  const rawErr = environment.stderr ?? ((text: string) => process.stderr.write(text));
  const out = (text: string) => rawOut(secrets.redact(text));
  const err = (text: string) => rawErr(secrets.redact(text));
  const println = (line: string) => out(`${line}\n`);
  const registry = new PluginRegistry();
  for (const plugin of environment.plugins) registry.register(plugin);

  const configInput = (flags: ConfigFlags, values: Record<string, unknown> = {}): ConfigInput => ({
    file: flags.config,
    env: environment.env ?? process.env,
    sets: [...flags.set, ...(flags.symbols === undefined ? [] : [`symbols=${symbolList(flags.symbols)}`])],
    values,
    secrets,
  });

  let interruptedBy: NodeJS.Signals | undefined;
  let leftRunning = false;
  let checkFailed = false;
  // SIGINT and SIGTERM stop a replay after the cycle in progress; the run then closes as
  // usual, so every signal produced is written before the process exits.
  const withRun = async <T>(input: ConfigInput, body: (run: Run) => Promise<T>, tapes: TapeFlags & ShardFlags = {}, live = false): Promise<T> => {
    const config = loadConfig(registry, input);
    const logger = createLogger(config.values.log.level, secrets);
    const shards = await shardPlan(tapes, config, logger, live);
    const cassette = tapes.cassette === undefined ? undefined : Cassette.read(path.resolve(tapes.cassette));
    if (cassette !== undefined && cassette.tornLines > 0) err(`argo-signals: --cassette: dropped ${cassette.tornLines} torn last line(s) (a recording cut by a kill); replaying what is whole\n`);
    const recorder = tapes.record === undefined ? undefined : await TapeRecorder.open(path.resolve(tapes.record), config.hash);
    const run = await Run.create(config, logger, { recorder, cassette, shards }).catch(async (error: unknown) => {
      await recorder?.close().catch(() => undefined);
      await shards?.runner.close();
      throw error;
    });
    const stop = (signal: NodeJS.Signals) => {
      interruptedBy = signal;
      err(`argo-signals: ${signal} received, writing pending signals before exit\n`);
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
      const bound = run.config.values.earlyExit.strategy === 'bound';
      for (const [plugin, symbols] of run.stats.contractViolations) {
        err(
          `argo-signals: ${bound ? 'WARNING' : 'warning'}: ARGO_ERR_PLUGIN_CONTRACT: ${plugin} gave an upper bound below the final confidence on ${symbols} symbol(s)${bound ? '; the bound early exit is NOT lossless with this consensus and has dropped signals' : ''}\n`,
        );
      }
      for (const { source, calls } of run.lingering()) {
        leftRunning = true;
        err(`argo-signals: warning: source "${source}" ignored its AbortSignal: ${calls} call(s) still running after their timeout; exiting without waiting for them\n`);
      }
    }
  };

  const program = new Command('argo-signals')
    .description('Turn many independent market-signal sources into trading signals.')
    .exitOverride()
    // Commander's own error line is left out: the coded one (ARGO_ERR_USAGE) says the same once.
    .configureOutput({ writeOut: out, writeErr: err, outputError: () => undefined })
    .showHelpAfterError();

  /** `body` on `run`, then with `--deliver` every sink delivers what was stored, up to the newest signal (their cursors created before `body`, so its signals count). */
  const delivering = async <T>(run: Run, deliver: boolean | undefined, body: () => Promise<T>): Promise<T> => {
    if (deliver !== true) return body();
    const { Delivery } = await import('../delivery/delivery');
    const { deliverNow, formatSinks } = await import('./sink-commands');
    const delivery = await Delivery.open(run.config, run.storage, run.logger);
    try {
      const result = await body();
      await run.storage.flush?.();
      err(`${formatSinks(await deliverNow(delivery))}\n`);
      return result;
    } finally {
      await delivery.close();
    }
  };

  withConfigFlags(
    program
      .command('run')
      .description('one cycle, each symbol as of its latest bar')
      .addOption(dataOption())
      .addOption(recordOption())
      .option('--deliver', 'then deliver the new signals to every configured sink (docs/delivery.md)'),
  ).action(async (flags: ConfigFlags & TapeFlags & { data?: string; deliver?: boolean }) => {
    const report = await withRun(configInput(flags, dataValues(flags)), (run) => delivering(run, flags.deliver, () => run.cycle()), flags);
    println(flags.json ? JSON.stringify(report, null, 2) : formatRunTable(report));
    assertAllStored(report.stats);
  });

  withConfigFlags(
    program
      .command('serve')
      .description('keep one run alive: cycles on a schedule and an HTTP API, until SIGTERM or SIGINT')
      .addOption(dataOption())
      .addOption(recordOption())
      .option('--processes <n>', 'evaluate each cycle in N child processes kept for the service, each holding the indicator state of its symbols')
      .option('--distributed', 'evaluate each cycle as shards of distributed.shardSize symbols on the BullMQ queue distributed.queue (run `argo-signals worker` beside)'),
  ).action(async (flags: ConfigFlags & TapeFlags & { data?: string; distributed?: boolean; processes?: string }) => {
    const input = configInput(flags, dataValues(flags));
    await withRun(input, async (run) => {
      // Loaded on demand: Fastify, croner and prom-client serve no other command.
      const { serve } = await import('../service/serve-command');
      const last = await serve(run, {
        loadConfig: () => loadConfig(registry, input),
        // A reload keeps the children or the queue the service started with; queue shards take the new distributed.shardSize.
        createRun: (config) =>
          Run.create(config, createLogger(config.values.log.level, secrets), run.shards === undefined ? {} : { shards: { ...run.shards, size: run.shards.count === undefined ? config.values.distributed.shardSize : undefined } }),
        println,
      });
      if (last !== run) await last.close();
    }, flags, true);
  });

  withConfigFlags(
    withShardOptions(program
      .command('replay')
      .description('one cycle per trading day of a date range, as of each close; or the cycles of a recording (--cassette)')
      .option('--from <date>', 'first date, YYYY-MM-DD (required without --cassette)')
      .option('--to <date>', 'last date, YYYY-MM-DD (required without --cassette)')
      .addOption(dataOption())
      .option('--out <file>', 'write every signal as one JSON line')
      .addOption(recordOption())
      .option('--cassette <dir>', 'replay the recorded cycles in DIR (written by --record), every source and the bars answered from it')
      .option('--deliver', 'then deliver the stored signals to every configured sink (docs/delivery.md)'), 'replay'),
  ).action(async (flags: ConfigFlags & TapeFlags & ShardFlags & { from?: string; to?: string; data?: string; out?: string; deliver?: boolean }) => {
    const { from, to } = dateRange(flags);
    if (flags.cassette === undefined && (from === undefined || to === undefined)) throw new ArgoError('ARGO_ERR_USAGE', 'replay needs --from and --to (or --cassette DIR)');
    if (flags.cassette !== undefined && (from !== undefined || to !== undefined)) throw new ArgoError('ARGO_ERR_USAGE', '--cassette replays the recorded cycles: leave out --from and --to');
    const values = dataValues(flags);
    const outPath = flags.out === undefined ? undefined : path.resolve(flags.out);
    // Lines are appended without waiting for each; the first failed one stops the replay at its next result.
    const outWrites = new InFlight();
    let outFailure: ArgoError | undefined;
    // A cassette's live cycles give a signal again on the bar they evaluated before: it is written once.
    const written = new Set<string>();
    const report = await withRun(configInput(flags, values), async (run) => {
      // Opened once the run is built: a run that cannot start leaves no empty file behind.
      const outFile = outPath === undefined ? undefined : await JsonLinesAppender.open(outPath).catch((error: unknown) => Promise.reject(writeError(outPath, '--out', error)));
      const onResult = (result: SymbolResult) => {
        if (outFailure !== undefined) throw outFailure;
        const signal = result.signal;
        if (signal === null || outFile === undefined || written.has(signal.id)) return;
        written.add(signal.id);
        outWrites.track(outFile.append(signal).catch((error: unknown) => (outFailure ??= writeError(outPath!, `--out: signal ${signal.id}`, error))));
      };
      try {
        return await delivering(run, flags.deliver, () => (flags.cassette === undefined ? run.replay({ from: from!, to: to!, onResult }) : run.replayCassette(run.cassette!, { onResult })));
      } finally {
        await outWrites.idle();
        await outFile?.close();
        if (outFailure !== undefined) throw outFailure;
      }
    }, flags);
    println(flags.json ? JSON.stringify(report.stats, null, 2) : formatStats(report.stats));
    if (report.stats.warmingUp > 0) {
      err(
        `argo-signals: warning: ${report.stats.warmingUp} symbol-days were evaluated while a source still lacked history (warming up): their history begins too close to the first replayed date; start it earlier (data.start for a provider) or replay from a later date\n`,
      );
    }
    assertAllStored(report.stats);
  });

  withConfigFlags(
    program
      .command('worker')
      .description('take shards off the distributed queue and evaluate them, until SIGTERM or SIGINT (then the shards in progress finish)')
      .option('--queue <name>', 'the queue (same as --set distributed.queue=…)')
      .option('--concurrency <k>', 'shards evaluated at once (same as --set distributed.concurrency=…)'),
  ).action(async (flags: ConfigFlags & { queue?: string; concurrency?: string }) => {
    const values: Record<string, unknown> = {};
    if (flags.queue !== undefined) values['distributed.queue'] = flags.queue;
    if (flags.concurrency !== undefined) values['distributed.concurrency'] = positiveInteger(flags.concurrency, '--concurrency', 1024);
    const config = loadConfig(registry, configInput(flags, values));
    const logger = createLogger(config.values.log.level, secrets);
    const { startQueueWorker } = await import('../scale/queue-worker');
    const name = `${process.pid}@${os.hostname()}`;
    const worker = await startQueueWorker({ registry, env: config.env, logger, secrets, worker: name }, config.values.distributed, config.env);
    println(`worker ${name} on ${worker.where}, concurrency ${config.values.distributed.concurrency}`);
    interruptedBy = await new Promise<NodeJS.Signals>((resolve) => process.once('SIGTERM', resolve).once('SIGINT', resolve));
    err(`argo-signals: ${interruptedBy} received, finishing the shards in progress\n`);
    const { shutdownMs } = config.values.service;
    if (!(await worker.close(shutdownMs))) {
      leftRunning = true;
      err(`argo-signals: warning: the worker did not close within service.shutdownMs (${shutdownMs} ms): the queue's Redis is not answering or a shard is still running; exiting, its shards go to another worker once their locks expire\n`);
    }
  });

  withConfigFlags(
    program
      .command('deliver')
      .description('deliver stored signals to the configured sinks from their cursors (or --from-seq) up to the newest, move the cursors, exit: a cron job\'s catch-up')
      .option('--sink <name>', 'only this sink')
      .option('--from-seq <n>', 'with --sink: deliver again from this signal sequence (its cursor moves back)'),
  ).action(async (flags: ConfigFlags & { sink?: string; fromSeq?: string }) => {
    const config = loadConfig(registry, configInput(flags));
    const { deliverNow, formatSinks, withDelivery } = await import('./sink-commands');
    const fromSeq = flags.fromSeq === undefined ? undefined : positiveInteger(flags.fromSeq, '--from-seq', Number.MAX_SAFE_INTEGER);
    const states = await withDelivery(config, createLogger(config.values.log.level, secrets), (delivery) => deliverNow(delivery, { only: flags.sink, fromSeq }));
    println(flags.json ? JSON.stringify({ sinks: states }, null, 2) : formatSinks(states));
  });

  const sinks = program.command('sinks').description('test the configured sinks, list and re-send their dead letters');
  withConfigFlags(sinks.command('test').description('send one sample message through a sink (one attempt) and say whether its peer acknowledged it').argument('<name>', 'the sink')).action(
    async (name: string, flags: ConfigFlags) => {
      const config = loadConfig(registry, configInput(flags));
      const { testSink, withDelivery } = await import('./sink-commands');
      await withDelivery(config, createLogger(config.values.log.level, secrets), (delivery) => testSink(delivery, name));
      println(`sink ${name}: the test message was delivered`);
    },
  );
  withConfigFlags(sinks.command('dead').description('list the deliveries set aside after their attempts').option('--sink <name>', 'only this sink')).action(
    async (flags: ConfigFlags & { sink?: string }) => {
      const config = loadConfig(registry, configInput(flags));
      const { withDelivery } = await import('./sink-commands');
      const letters = await withDelivery(config, createLogger(config.values.log.level, secrets), async (delivery, storage) => {
        if (flags.sink !== undefined) delivery.runner(flags.sink);
        return (await storage.querySinkDeadLetters?.(flags.sink)) ?? [];
      });
      println(
        flags.json
          ? JSON.stringify({ deadLetters: letters }, null, 2)
          : letters.length === 0
            ? 'no dead letters'
            : letters.map((l) => `${l.id}  ${l.sink}  ${l.message.event} ${l.message.signal.symbol} ${l.message.signal.asOf} (seq ${l.message.seq})  ${l.attempts} attempts, ${l.failedAt}: ${l.error}`).join('\n'),
      );
    },
  );
  withConfigFlags(sinks.command('retry').description('re-send dead letters (each with the usual retries); delivered ones are removed').option('--sink <name>', 'only this sink').option('--id <id>', 'only this dead letter')).action(
    async (flags: ConfigFlags & { sink?: string; id?: string }) => {
      const config = loadConfig(registry, configInput(flags));
      const { withDelivery } = await import('./sink-commands');
      const result = await withDelivery(config, createLogger(config.values.log.level, secrets), (delivery) => delivery.retryDead({ sink: flags.sink, id: flags.id }));
      println(flags.json ? JSON.stringify(result) : `re-sent ${result.sent}, still dead ${result.failed}`);
      if (result.failed > 0) throw new ArgoError('ARGO_ERR_SINK_DELIVERY', `${result.failed} dead letters failed again; they stay (argo-signals sinks dead)`);
    },
  );

  const withStorage = async <T>(flags: ConfigFlags & { db?: string }, body: (storage: Storage) => Promise<T>): Promise<T> => {
    const values: Record<string, unknown> = {};
    if (flags.db !== undefined) {
      const file = path.resolve(flags.db);
      if (!existsSync(file)) throw new ArgoError('ARGO_ERR_STORAGE_OPEN', `--db: ${file} does not exist`);
      Object.assign(values, { 'storage.plugin': 'sqlite', 'storage.path': file });
    }
    const config = loadConfig(registry, configInput(flags, values));
    const storage = await openStorage(config, createLogger(config.values.log.level, secrets));
    try {
      return await body(storage);
    } finally {
      await storage.close();
    }
  };

  withConfigFlags(
    program
      .command('signals')
      .description('query stored signals, in date then symbol order')
      .option('--db <file>', 'SQLite database (default: the configured storage)')
      .option('--symbol <symbol>', 'only this symbol')
      .option('--from <date>', 'from this date, YYYY-MM-DD')
      .option('--to <date>', 'to this date, YYYY-MM-DD')
      .option('--limit <n>', 'at most this many'),
  ).action(async (flags: ConfigFlags & { db?: string; symbol?: string; from?: string; to?: string; limit?: string }) => {
    const query = {
      symbol: flags.symbol === undefined ? undefined : assertSymbol(flags.symbol, '--symbol'),
      ...dateRange(flags),
      limit: flags.limit === undefined ? undefined : positiveInteger(flags.limit, '--limit', MAX_LIMIT),
    };
    const signals = await withStorage(flags, (storage) => storage.querySignals(query));
    println(flags.json ? JSON.stringify(signals, null, 2) : formatSignals(signals));
  });

  withConfigFlags(
    program.command('runs').description('list recorded runs, newest first').option('--db <file>', 'SQLite database (default: the configured storage)'),
  ).action(async (flags: ConfigFlags & { db?: string }) => {
    const runs = await withStorage(flags, (storage) => storage.queryRuns());
    println(flags.json ? JSON.stringify(runs, null, 2) : formatRuns(runs));
  });

  /** The config of a command that learns from a replay: every source asked on every symbol-day, nothing persisted (the file's storage section left out). */
  const learningInput = (flags: ConfigFlags & { data?: string }): ConfigInput => ({
    ...configInput(flags, { ...dataValues(flags), 'earlyExit.strategy': 'none', 'storage.plugin': 'memory' }),
    without: ['storage'],
  });
  /** --from and --to, which `command` needs. */
  const requiredRange = (flags: { from?: string; to?: string }, command: string): { from: string; to: string } => {
    const { from, to } = dateRange(flags);
    if (from === undefined || to === undefined) throw new ArgoError('ARGO_ERR_USAGE', `${command} needs --from and --to`);
    return { from, to };
  };
  /** A report as `name`.html and `name`.json in `dir` (created); says where unless the output is JSON. */
  const writeReport = async (dir: string, name: string, html: string, value: unknown, json?: boolean): Promise<void> => {
    const at = path.resolve(dir);
    await mkdir(at, { recursive: true });
    await writeFile(path.join(at, `${name}.html`), html);
    await writeFile(path.join(at, `${name}.json`), `${JSON.stringify(value, null, 2)}\n`);
    if (!json) println(`report: ${path.join(at, `${name}.html`)}`);
  };

  withConfigFlags(
    program
      .command('evaluate')
      .description('the signal-quality tear sheet of a replay: IC and Rank IC by horizon, reliability by confidence, coverage, flips, per source and for the consensus')
      .option('--from <date>', 'first date, YYYY-MM-DD')
      .option('--to <date>', 'last date, YYYY-MM-DD')
      .option('--horizons <list>', 'forward-return horizons in bars', '1,5,10')
      .option('--dataset <file>', 'also write every symbol-day\'s signed confidences and forward returns as JSON (docs/learning.md)')
      .option('--report <dir>', 'write tear-sheet.html (reliability diagrams, IC decay, coverage) and tear-sheet.json there')
      .option('--calibration <file>', 'also score this calibration\'s probability (as "calibrated") and say how it weighs the sources')
      .addOption(dataOption()),
  ).action(async (flags: ConfigFlags & { from?: string; to?: string; horizons: string; dataset?: string; report?: string; calibration?: string; data?: string }) => {
    const { from, to } = requiredRange(flags, 'evaluate');
    const { evaluate, formatCalibrationWeights, formatTearSheet, parseHorizons, writeDataset } = await import('./evaluate-command');
    const horizons = parseHorizons(flags.horizons);
    const calibrationFile = flags.calibration === undefined ? undefined : path.resolve(flags.calibration);
    const input = learningInput(flags);
    const { readCalibration } = await import('../learning/calibration-file');
    let calibration: import('../learning/calibration').CalibrationFile | undefined;
    const { dataset, sheet } = await withRun(input, (run) => {
      calibration = calibrationFile === undefined ? undefined : readCalibration(calibrationFile, run.config.values.sources, '--calibration');
      return evaluate(run, from, to, horizons, calibration);
    });
    if (flags.dataset !== undefined) await writeDataset(path.resolve(flags.dataset), dataset);
    if (flags.report !== undefined) {
      const { renderTearSheet } = await import('../learning/tear-sheet-html');
      await writeReport(flags.report, 'tear-sheet', renderTearSheet(sheet, from, to, calibration === undefined ? undefined : formatCalibrationWeights(calibration)), sheet, flags.json);
    }
    println(flags.json ? JSON.stringify(sheet, null, 2) : formatTearSheet(sheet));
    if (calibration !== undefined && !flags.json) println(formatCalibrationWeights(calibration));
  });

  withConfigFlags(
    program
      .command('calibrate')
      .description('fit per-source calibration maps and a combiner on the outcomes resolved in a window; score it there and on a later test window')
      .option('--from <date>', 'first date of the window fitted on, YYYY-MM-DD')
      .option('--to <date>', 'last date: only outcomes resolved by then are used')
      .option('--test-from <date>', 'first date of a test window after --to, scored out of sample')
      .option('--test-to <date>', 'last date of the test window')
      .option('--horizon <bars>', 'the forward-return horizon of the outcomes', '10')
      .option('--out <file>', 'the calibration file', 'calibration.json')
      .addOption(dataOption()),
  ).action(async (flags: ConfigFlags & { from?: string; to?: string; testFrom?: string; testTo?: string; horizon: string; out: string; data?: string }) => {
    const { from, to } = requiredRange(flags, 'calibrate');
    const test = { from: flags.testFrom === undefined ? undefined : assertIsoDate(flags.testFrom, '--test-from'), to: flags.testTo === undefined ? undefined : assertIsoDate(flags.testTo, '--test-to') };
    const { parseHorizons } = await import('./evaluate-command');
    const { calibrate, formatCalibrate, writeCalibration } = await import('./calibrate-command');
    const [horizon] = parseHorizons(flags.horizon);
    const input = learningInput(flags);
    const report = await withRun(input, (run) => calibrate(run, { from, to, testFrom: test.from, testTo: test.to, horizon }));
    const out = path.resolve(flags.out);
    await writeCalibration(out, report.file);
    println(flags.json ? JSON.stringify({ out, ...report }, null, 2) : formatCalibrate(report, out));
  });

  withConfigFlags(
    program
      .command('walk-forward')
      .description('calibrate before each test window on the outcomes resolved before it, score it on the window; calibrated against raw confidence')
      .option('--from <date>', 'first date, YYYY-MM-DD')
      .option('--to <date>', 'last date, YYYY-MM-DD')
      .option('--horizon <bars>', 'the forward-return horizon of the outcomes', '10')
      .option('--train-dates <n>', 'trading dates a fit is trained on (the first test window starts after them)', '504')
      .option('--test-dates <n>', 'trading dates in each test window', '63')
      .option('--expanding', 'train on every date before each test window instead of a rolling window')
      .addOption(dataOption()),
  ).action(async (flags: ConfigFlags & { from?: string; to?: string; horizon: string; trainDates: string; testDates: string; expanding?: boolean; data?: string }) => {
    const { from, to } = requiredRange(flags, 'walk-forward');
    const { parseHorizons } = await import('./evaluate-command');
    const { formatWalkForward, walkForwardCalibration } = await import('./calibrate-command');
    const [horizon] = parseHorizons(flags.horizon);
    const range = { from, to, horizon, trainDates: positiveInteger(flags.trainDates, '--train-dates', 100_000), testDates: positiveInteger(flags.testDates, '--test-dates', 100_000), expanding: Boolean(flags.expanding) };
    const input = learningInput(flags);
    const report = await withRun(input, (run) => walkForwardCalibration(run, range));
    println(flags.json ? JSON.stringify(report, null, 2) : formatWalkForward(report));
  });

  type LabFlags = ConfigFlags & ShardFlags & { from?: string; to?: string; data?: string; baseline?: string; report?: string; cassette?: string };
  const labCommand = (command: Command) =>
    withConfigFlags(
      withShardOptions(command, 'replay every arm')
        .option('--from <date>', 'first date, YYYY-MM-DD (required without --cassette)')
        .option('--to <date>', 'last date, YYYY-MM-DD (required without --cassette)')
        .option('--cassette <dir>', 'compare the arms on a recorded live run (written by --record): its cycles, bars and answers')
        .addOption(dataOption())
        .option('--baseline <name>', 'the arm the others are compared with (default: the first)')
        .option('--report <dir>', 'write ab-report.html (charts) and ab-report.json there'),
    );
  const runLab = async (flags: LabFlags, arms: ArmSpec[]) => {
    const cassette = flags.cassette === undefined ? undefined : Cassette.read(path.resolve(flags.cassette));
    if (cassette === undefined && (flags.from === undefined || flags.to === undefined)) throw new ArgoError('ARGO_ERR_USAGE', 'an A/B test needs --from and --to (or --cassette DIR)');
    if (cassette !== undefined && (flags.from !== undefined || flags.to !== undefined)) throw new ArgoError('ARGO_ERR_USAGE', '--cassette compares on the recorded cycles: leave out --from and --to');
    const recordedDays = cassette?.cycles.flatMap((cycle) => cycle.map(([, asOf]) => asOf.slice(0, 10))).sort() ?? [];
    const { from, to } = cassette === undefined ? (dateRange(flags) as { from: string; to: string }) : { from: recordedDays[0] ?? '', to: recordedDays.at(-1) ?? '' };
    const base = configInput(flags, dataValues(flags));
    const baseConfig = loadConfig(registry, base);
    const logger = createLogger(baseConfig.values.log.level, secrets);
    const shards = await shardPlan(flags, baseConfig, logger);
    let progress: ReturnType<typeof progressBar> | undefined;
    // Loaded on demand, as the other learning commands are: the lab and its walk-forward serve no other command.
    const { runAbTest } = await import('../lab/ab-lab');
    const report = await runAbTest({
      registry,
      base,
      from,
      to,
      cassette,
      arms,
      shards,
      baseline: flags.baseline,
      logger,
      onCycle: (arm, date, cyclesPerArm) => {
        progress ??= progressBar(cyclesPerArm * arms.length, Boolean(process.stderr.isTTY) && !flags.json);
        progress.tick(`${arm} ${date}`);
      },
    }).finally(() => shards?.runner.close());
    progress?.stop();
    if (flags.report !== undefined) {
      const { renderAbReport } = await import('../lab/ab-report-html');
      await writeReport(flags.report, 'ab-report', renderAbReport(report), report, flags.json);
    }
    println(flags.json ? JSON.stringify(report, null, 2) : formatAbReport(report));
  };

  labCommand(
    program
      .command('ab')
      .description('replay the same symbol-days under several configurations and compare them')
      .requiredOption('--arm <NAME:key=value,…>', 'an arm: a name and the settings it changes (repeat, at least two)', collect, []),
  ).action((flags: LabFlags & { arm: string[] }) => runLab(flags, flags.arm.map(parseArm)));

  labCommand(
    program
      .command('sweep')
      .description('an A/B test with one arm per value of one setting')
      .requiredOption('--param <key>', 'the config key to vary')
      .requiredOption('--values <v1,v2,…>', 'the values, one arm each'),
  ).action((flags: LabFlags & { param: string; values: string }) =>
    runLab(
      flags,
      flags.values.split(',').map((value) => ({ name: `${flags.param}=${value.trim()}`, sets: [`${flags.param}=${value.trim()}`] })),
    ),
  );

  const config = program.command('config').description('check, print or document the configuration');
  withConfigFlags(
    config
      .command('check')
      .description('validate the configuration, then build every plugin it names, run their self-tests and close them')
      .option('--no-build', 'only validate: call no factory')
      .addOption(dataOption()),
  ).action(async (flags: ConfigFlags & { build: boolean; data?: string }) => {
    const loaded = loadConfig(registry, configInput(flags, dataValues(flags)));
    const { plugins, symbolsWithoutBars } = flags.build ? await checkPlugins(loaded, createLogger(loaded.values.log.level, secrets)) : { plugins: [], symbolsWithoutBars: [] };
    if (flags.json) println(JSON.stringify({ ok: true, hash: loaded.hash, built: flags.build, plugins, symbolsWithoutBars }, null, 2));
    else {
      println(`config ok (hash ${loaded.hash})${flags.build ? `; built ${plugins.length} plugins and closed them` : '; plugins not built (--no-build)'}`);
      for (const p of plugins) println(`  ${p.key.padEnd(24)} ${p.kind.padEnd(20)} ${p.name} ${p.version}${p.selfTest === 'passed' ? '  self-test passed' : ''}`);
    }
    if (symbolsWithoutBars.length > 0) err(`argo-signals: warning: ARGO_ERR_DATA_SYMBOL_MISSING: the market data has no bars for ${symbolsWithoutBars.join(', ')}; runs skip them\n`);
  });
  withConfigFlags(config.command('print').description('print the effective configuration as JSON').addOption(dataOption())).action((flags: ConfigFlags & { data?: string }) => {
    println(JSON.stringify(loadConfig(registry, configInput(flags, dataValues(flags))).values, null, 2));
  });
  withConfigFlags(config.command('doc').description('print the configuration reference (Markdown)')).action((flags: ConfigFlags) => {
    loadConfig(registry, configInput(flags));
    out(configurationReference(registry));
  });

  program
    .command('errors')
    .description('print the reference of every error code (Markdown)')
    .action(() => out(errorsReference()));

  withConfigFlags(program.command('plugins').description('list every plugin the configuration can name')).action((flags: ConfigFlags) => {
    loadConfig(registry, configInput(flags));
    const listed = registry.list().map(({ def, origin }) => ({
      kind: def.kind,
      name: def.name,
      version: def.version,
      apiVersion: def.apiVersion,
      origin,
      description: def.description,
      offloadable: def.offloadable === true,
      options: Object.fromEntries(Object.entries(def.options ?? {}).map(([key, node]) => [key, (node as { default: unknown }).default])),
    }));
    if (flags.json) println(JSON.stringify(listed, null, 2));
    else {
      for (const p of listed) {
        println(`${p.kind.padEnd(20)} ${p.name.padEnd(22)} ${p.version.padEnd(8)} ${p.description}${p.offloadable ? ' [offloadable]' : ''}${p.origin === 'built-in' ? '' : ` [${p.origin}]`}`);
        const options = Object.entries(p.options).map(([key, value]) => `${key}=${JSON.stringify(value)}`);
        if (options.length > 0) println(`${' '.repeat(21)}options: ${options.join(', ')}`);
      }
    }
  });

  const plugin = program.command('plugin').description('write and check plugin packages');
  plugin
    .command('check')
    .description("load a plugin (name, package or path), validate and build it, and run its kind's conformance suite on the sample bars")
    .argument('<specifier>', 'a built-in name, an installed package, or a path')
    .option('--options <json>', 'options to build it with, as a JSON object', '{}')
    .option('--json', 'print one JSON object')
    .action(async (specifier: string, flags: { options: string; json?: boolean }) => {
      let options: Record<string, unknown>;
      try {
        options = JSON.parse(flags.options) as Record<string, unknown>;
        if (options === null || typeof options !== 'object' || Array.isArray(options)) throw new Error('not a JSON object');
      } catch (error) {
        throw new ArgoError('ARGO_ERR_USAGE', `--options must be a JSON object of the plugin's options: ${messageOf(error)}`);
      }
      // Loaded on demand: the kits bring fast-check, which no other command needs at start.
      const { checkPluginModule } = await import('./plugin-check');
      const report = await checkPluginModule(registry, specifier, process.cwd(), options);
      const failed = report.checks.filter((c) => c.error !== undefined);
      if (flags.json) println(JSON.stringify({ ...report, ok: failed.length === 0 }, null, 2));
      else {
        println(`${report.kind} plugin "${report.name}" ${report.version}`);
        for (const check of report.checks) println(check.error === undefined ? `  ok    ${check.name}` : `  FAIL  ${check.name}\n        ${check.error.split('\n').join('\n        ')}`);
        println(failed.length === 0 ? `all ${report.checks.length} checks passed` : `${failed.length} of ${report.checks.length} checks failed`);
      }
      if (failed.length > 0) checkFailed = true;
    });
  plugin
    .command('new')
    .description('write a plugin package: definition, a test that runs the kit, tsconfig, README')
    .argument('<kind>', `one of ${PLUGIN_KINDS.join(', ')}`)
    .argument('<name>', 'the plugin name, kebab-case')
    .option('--dir <dir>', 'where to write the package (default: ./argo-<kind>-<name>)')
    .option('--argo-signals <spec>', 'the dependency spec of argo-signals in the package (default: ^ this version)')
    .action(async (kind: string, name: string, flags: { dir?: string; argoSignals?: string }) => {
      const { scaffoldPlugin } = await import('./plugin-scaffold');
      const written = await scaffoldPlugin({ kind, name, dir: flags.dir, argoSignals: flags.argoSignals });
      println(`wrote ${written.files.length} files to ${written.dir}:`);
      for (const file of written.files) println(`  ${file}`);
      println(`next: cd ${path.relative(process.cwd(), written.dir) || '.'} && npm install && npm test`);
    });

  program
    .command('bench')
    .description('run a benchmark and print its figures')
    .addArgument(new Command().createArgument('<name>', 'benchmark').choices(Object.keys(environment.benchmarks)))
    .option('--data <dir>', 'real market data folder (default: ../shared/data/sp500-2013-2018 beside the checkout)')
    .addOption(new Option('--runs <n>', 'runs per measurement; medians are reported').default('3'))
    .option('--json', 'print one JSON object')
    .action(async (name: string, flags: { data?: string; runs: string; json?: boolean }) => {
      const runs = positiveInteger(flags.runs, '--runs', 1000);
      const figures = await environment.benchmarks[name]({
        registry,
        dataDir: flags.data === undefined ? undefined : path.resolve(flags.data),
        runs,
        json: Boolean(flags.json),
        print: flags.json ? (line) => err(`${line}\n`) : println,
      });
      if (flags.json) println(JSON.stringify(figures, null, 2));
    });

  let code: number;
  try {
    await program.parseAsync([...argv], { from: 'user' });
    code = interruptedBy === undefined ? (checkFailed ? 1 : 0) : 128 + os.constants.signals[interruptedBy];
  } catch (error) {
    code = reportFailure(error, err);
  }
  if (leftRunning) environment.exit?.(code);
  return code;
}

/** Prints what ended the command and gives its exit code: 2 for usage and configuration, the error's own for a coded one, 1 otherwise. */
function reportFailure(error: unknown, err: (text: string) => void): number {
  if (error instanceof CommanderError) {
    if (error.exitCode === 0) return 0;
    err(`ARGO_ERR_USAGE: ${error.message.replace(/^error: /, '')}\n`);
    return 2;
  }
  if (isArgoError(error)) {
    err(`${error.message}\n`);
    return error.exitCode;
  }
  err(`argo-signals: unexpected failure: ${messageOf(error)}\n${error instanceof Error ? error.stack : ''}\n`);
  return 1;
}
