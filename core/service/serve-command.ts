import type { LoadedConfig } from '../config/config-loader';
import { Run } from '../engine/run';
import { ArgoError, isArgoError, messageOf } from '../errors/errors';
import { apiAccess } from './api-access';
import { Delivery } from '../delivery/delivery';
import { buildHttpApi } from './http-api';
import { learningMetrics } from './learning-metrics';
import { sinkMetrics } from './sink-metrics';
import { LiveLearning } from './live-learning';
import { LiveService } from './live-service';
import { PageCache } from './page-cache';
import { serviceMetrics } from './service-metrics';
import { SignalStream } from './signal-stream';
import { TradingSession } from './trading-session';

/** What `serve` needs from the command line around it. */
export interface ServeEnvironment {
  /** Reads the config file and flags again (a reload); throws the coded error of an invalid one. */
  readonly loadConfig: () => LoadedConfig;
  /** Builds a run of `config` (a reload swaps it in). */
  readonly createRun: (config: LoadedConfig) => Promise<Run>;
  readonly println: (line: string) => void;
}

/** The parts of a config whose change makes cached consensus answers wrong: source weights and the consensus plugin with its options. */
function consensusKey(config: LoadedConfig): string {
  const { sources, consensus } = config.values;
  return JSON.stringify([sources.map((s) => [s.name, s.weight]), consensus]);
}

/** The keys under `prefix` whose values differ between `a` and `b`, leaf by leaf (a list is one value). */
function changedKeys(a: unknown, b: unknown, prefix: string): string[] {
  const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
  if (!isRecord(a) || !isRecord(b)) return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].flatMap((key) => changedKeys(a[key], b[key], `${prefix}.${key}`));
}

/** A storage that can page signals in write order: `serve` needs it for cursors and the event stream. */
function assertPaging(run: Run): void {
  const storage = run.storage;
  if (storage.readSignalsAfter === undefined || storage.lastSignalSeq === undefined) {
    throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `storage.plugin: "${run.config.values.storage.plugin}" cannot page signals in write order (readSignalsAfter, lastSignalSeq), which serve needs; use sqlite, jsonl or memory`);
  }
}

/**
 * `argo-signals serve` on `run`: the schedule, the HTTP API and its event stream, until
 * `run` is asked to stop (SIGTERM, SIGINT). SIGHUP and POST /v1/reload load the config
 * again; a valid one is swapped in between cycles, an invalid one is answered and the
 * running one kept. Returns once the API is closed; the caller closes the last run.
 */
export async function serve(first: Run, env: ServeEnvironment): Promise<Run> {
  const settings = first.config.values.service;
  const access = apiAccess(settings, first.config.env);
  if (access.token !== null) first.config.secrets.add(access.token);
  assertPaging(first);
  if (first.config.values.learning.refit.cron !== '' && first.shards !== undefined) {
    throw new ArgoError('ARGO_ERR_CONFIG_INVALID', 'learning.refit.cron: a refit is applied by this process\'s run; a sharded serve (--processes, --threads, --distributed) evaluates in workers that would not take it up: refit with argo-signals calibrate and consensus.calibration instead');
  }
  const logger = first.logger;
  const service = new LiveService(first, { schedule: settings.schedule, session: new TradingSession(settings.session), historySize: settings.cycleHistory, logger });
  const storageNow = () => service.run.storage as Parameters<typeof SignalStream.open>[0];
  const stream = await SignalStream.open({ readSignalsAfter: (after, query) => storageNow().readSignalsAfter(after, query), lastSignalSeq: () => storageNow().lastSignalSeq() }, logger);
  const pages = new PageCache(settings.pageCache.maxBytes, settings.pageCache.ttlMs);
  service.onRun((run) => {
    pages.invalidate();
    run.events.on('stored', () => {
      pages.invalidate();
      stream.signalsStored();
    });
    run.events.on('reasoning', (update) => {
      pages.invalidate();
      stream.publish('reasoning', update);
    });
    // Only now: texts an earlier process left pending are then published like any other.
    run.resumeReasoning().catch((error: unknown) => logger.error({ err: messageOf(error) }, 'the reasoning left pending by an earlier run could not be read; the next cycle tries again'));
  });
  service.onCycle((record) => stream.publish('cycle', record));

  // Sinks are built before listening: a sink the config cannot build stops serve at start (exit 2).
  let delivery = await Delivery.open(first.config, first.storage, logger);
  service.onRun((run) => {
    run.events.on('stored', () => delivery.wake());
    run.events.on('reasoning', () => delivery.wake());
  });

  const reload = async () => {
    const config = env.loadConfig();
    const current = service.run.config;
    if (config.hash === current.hash) return { changed: false, configHash: config.hash, consensusCacheInvalidated: false };
    // The listener, the token, the schedule and the calendar belong to the process, not to a run.
    const restart = changedKeys(current.values.service, config.values.service, 'service');
    if (restart.length > 0) {
      throw new ArgoError('ARGO_ERR_SERVICE_RELOAD', `${restart.join(', ')} changed: the service's own settings need a restart of serve; nothing was reloaded and the running config stays`);
    }
    const invalidated = consensusKey(config) !== consensusKey(current);
    // The sinks stop before the run (and its storage) is replaced, and start again on the new one.
    await delivery.stop();
    try {
      await service.replaceRun(async () => {
        const next = await env.createRun(config);
        try {
          assertPaging(next);
        } catch (error) {
          await next.close();
          throw error;
        }
        return next;
      }, invalidated);
    } catch (error) {
      delivery.start();
      throw error;
    }
    const previous = delivery;
    delivery = await Delivery.open(config, service.run.storage, logger).catch((error: unknown) => {
      logger.error({ err: messageOf(error) }, 'the reloaded config\'s sinks could not be built; nothing is delivered until the next reload');
      return Delivery.open({ ...config, sinks: [] }, service.run.storage, logger);
    });
    await previous.close();
    delivery.start();
    logger.info({ configHash: config.hash, consensusCacheInvalidated: invalidated }, 'config reloaded');
    return { changed: true, configHash: config.hash, consensusCacheInvalidated: invalidated };
  };
  const hangUp = () =>
    void reload().catch((error: unknown) =>
      logger.error({ err: isArgoError(error) ? error.message : messageOf(error) }, 'SIGHUP: the config was not reloaded; the running one stays'),
    );

  const learning = new LiveLearning(service, logger);
  const metrics = serviceMetrics(service);
  learningMetrics(metrics, learning);
  const api = await buildHttpApi(service, { access, stream, pages, metrics, learning, sinks: () => delivery.states(), reload });
  sinkMetrics(metrics, () => delivery.states());
  const address = await api.listen({ host: settings.host, port: settings.port }).catch(async (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EADDRINUSE' && error.code !== 'EACCES' && error.code !== 'EADDRNOTAVAIL') throw error;
    stream.close();
    await api.close();
    await delivery.close();
    throw new ArgoError('ARGO_ERR_CONFIG_INVALID', `service.port: cannot listen on ${settings.host}:${settings.port} (${error.code}: ${error.code === 'EADDRINUSE' ? 'the port is in use' : 'not allowed or no such address'}); choose another service.port or service.host`, { cause: error });
  });
  logger.info({ address }, 'listening');
  env.println(`listening on ${address}`);
  process.on('SIGHUP', hangUp);
  learning.start();
  delivery.start();
  // The rolling figures of outcomes stored before this process, at once.
  void learning.resolveNow();
  service.start();
  try {
    await first.whenStopRequested();
  } finally {
    process.off('SIGHUP', hangUp);
    await learning.stop();
    await delivery.close();
    const finished = await service.stop(settings.shutdownMs);
    if (!finished) logger.warn({ shutdownMs: settings.shutdownMs }, 'the cycle in progress did not finish within service.shutdownMs; what it acknowledged is stored');
    stream.close();
    await api.close();
  }
  return service.run;
}
