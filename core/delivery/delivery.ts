/**
 * The sinks of a configuration (`sinks`, docs/delivery.md) and their runners: built once, started
 * in the background by `serve`, or run to the newest stored signal by `deliver` and
 * `run`/`replay --deliver`. Each sink's cursor is created when it is first opened, at the newest
 * stored signal: a new sink delivers what comes after it.
 */
import type { LoadedConfig } from '../config/config-loader';
import { instantiate } from '../engine/plugin-factory';
import { ArgoError } from '../errors/errors';
import type { Storage } from '../plugin-system/plugin-contracts';
import type { Logger } from '../util/logger';
import { SINK_METHODS, SinkRunner, deadLetterId, type SinkState, type SinkStorage } from './sink-runner';

/** `storage` as sinks need it, or ARGO_ERR_SINK_STORAGE naming the storage plugin. */
export function sinkStorage(storage: Storage, plugin: string): SinkStorage {
  const missing = SINK_METHODS.filter((method) => storage[method] === undefined);
  if (missing.length > 0) {
    throw new ArgoError('ARGO_ERR_SINK_STORAGE', `storage.plugin: "${plugin}" cannot keep sinks' cursors and dead letters (it lacks ${missing.join(', ')}); use sqlite, postgres or memory, or remove \`sinks\``);
  }
  return storage as SinkStorage;
}

export class Delivery {
  private constructor(
    readonly runners: readonly SinkRunner[],
    private readonly closers: readonly (() => Promise<void>)[],
    private readonly storage: SinkStorage | null,
  ) {}

  /** Builds the sinks of `config` on `storage` and makes sure each has a cursor; none configured is a Delivery that does nothing. */
  static async open(config: LoadedConfig, storage: Storage, logger: Logger): Promise<Delivery> {
    if (config.sinks.length === 0) return new Delivery([], [], null);
    const store = sinkStorage(storage, config.values.storage.plugin);
    const runners: SinkRunner[] = [];
    const closers: (() => Promise<void>)[] = [];
    try {
      for (const resolved of config.sinks) {
        const sink = await instantiate(resolved, { loaded: config, logger, runId: 'delivery' });
        closers.push(async () => sink.close?.());
        const runner = new SinkRunner(resolved.config.name, resolved.definition.name, sink, store, resolved.config.filter, config.values.delivery, logger);
        await runner.cursor();
        runners.push(runner);
      }
    } catch (error) {
      await Promise.allSettled(closers.map((close) => close()));
      throw error;
    }
    return new Delivery(runners, closers, store);
  }

  /** The runner of sink `name`, or ARGO_ERR_SINK_UNKNOWN. */
  runner(name: string): SinkRunner {
    const runner = this.runners.find((r) => r.name === name);
    if (runner === undefined) {
      const known = this.runners.map((r) => r.name).join(', ') || 'none';
      throw new ArgoError('ARGO_ERR_SINK_UNKNOWN', `no sink "${name}" in the config's sinks (${known})`);
    }
    return runner;
  }

  /** Starts every sink delivering in the background. */
  start(): void {
    for (const runner of this.runners) runner.start();
  }

  /** Signals or texts were stored: every sink looks now. */
  wake(): void {
    for (const runner of this.runners) runner.wake();
  }

  /** Delivers every sink (or `only` one) up to the newest stored signal, each sink in turn; resolves once done. */
  async catchUp(only?: string): Promise<void> {
    const runners = only === undefined ? this.runners : [this.runner(only)];
    for (const runner of runners) while (await runner.pass());
  }

  async states(): Promise<SinkState[]> {
    return Promise.all(this.runners.map((runner) => runner.state()));
  }

  /** Sends dead letters again (of one sink, or one letter): each delivered one is removed; answers how many went and how many stay. */
  async retryDead(only?: { sink?: string; id?: string }): Promise<{ sent: number; failed: number }> {
    if (this.storage === null) return { sent: 0, failed: 0 };
    if (only?.sink !== undefined) this.runner(only.sink);
    const letters = (await this.storage.querySinkDeadLetters(only?.sink)).filter((letter) => only?.id === undefined || letter.id === only.id);
    let sent = 0;
    for (const letter of letters) {
      const runner = this.runners.find((r) => r.name === letter.sink);
      if (runner === undefined || !(await runner.resend(letter.message))) continue;
      await this.storage.deleteSinkDeadLetters([deadLetterId(letter.sink, letter.message)]);
      sent++;
    }
    return { sent, failed: letters.length - sent };
  }

  /** Stops every runner (the attempts under way aborted); `start` goes on from their cursors. */
  async stop(): Promise<void> {
    await Promise.all(this.runners.map((runner) => runner.stop()));
  }

  /** Stops every runner and closes the sinks' connections. */
  async close(): Promise<void> {
    await this.stop();
    await Promise.allSettled(this.closers.map((close) => close()));
  }
}
