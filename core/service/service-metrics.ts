import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CallCounts, StatsReport } from '../engine/cycle-stats';
import type { LiveService } from './live-service';
import { readiness } from './readiness';

/** Seconds buckets for cycles and stages: a cached stage takes microseconds, a network cycle seconds. */
const SECONDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const BATCH_SIZES = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500];
const CIRCUIT_STATE = { closed: 0, 'half-open': 1, open: 2 } as const;

/** A counter whose value is read from the run's cumulative statistics at each scrape. */
export function totals<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  read: () => [Partial<Record<L, string>>, number][] | Promise<[Partial<Record<L, string>>, number][]>,
) {
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      const values = await read();
      this.reset();
      for (const [labels, value] of values) this.inc(labels, value);
    },
  });
}

/** Source calls by outcome: ok, failed (a throw or a bad answer), timeout, malformed, skipped (early exit), circuit-open. */
function outcomes(counts: CallCounts): [string, number][] {
  return [
    ['ok', counts.made - counts.failed],
    ['failed', counts.failed - counts.timeouts - counts.malformed],
    ['timeout', counts.timeouts],
    ['malformed', counts.malformed],
    ['skipped', counts.skipped],
    ['circuit-open', counts.circuitOpen],
  ];
}

/**
 * The service's Prometheus metrics (prom-client, a registry of its own): `argo_` names, base
 * units, `_total` counters. Counts come from the run's statistics when scraped; durations
 * and batch sizes are observed as they happen. No label carries a symbol.
 */
export function serviceMetrics(service: LiveService): Registry {
  const registry = new Registry();
  // Read at each scrape, and subscribed on every run: a reload swaps the run.
  const report = (): StatsReport => service.run.stats.report();

  const cycleSeconds = new Histogram({ name: 'argo_cycle_duration_seconds', help: 'Wall-clock duration of service cycles, by outcome.', labelNames: ['outcome'], buckets: SECONDS, registers: [registry] });
  const stageSeconds = new Histogram({ name: 'argo_stage_duration_seconds', help: 'Time a cycle spent in each pipeline stage, summed over its symbols.', labelNames: ['stage'], buckets: SECONDS, registers: [registry] });
  service.onCycle((record) => {
    cycleSeconds.observe({ outcome: record.error === null ? 'ok' : 'failed' }, record.durationMs / 1000);
    for (const [stage, ms] of Object.entries(record.stats?.stageMs ?? {})) stageSeconds.observe({ stage }, ms / 1000);
  });

  totals(registry, 'argo_shards_total', 'Shards of distributed cycles, by outcome: evaluated by a worker, or failed after their attempts; retried counts extra attempts.', ['outcome'], () => {
    const { evaluated, failed, retried } = report().shards;
    return [
      [{ outcome: 'evaluated' }, evaluated],
      [{ outcome: 'failed' }, failed],
      [{ outcome: 'retried' }, retried],
    ];
  });
  new Gauge({
    name: 'argo_queue_up',
    help: '1 while the distributed queue is reachable (or the service is not distributed), 0 while it is not.',
    registers: [registry],
    collect() {
      this.set(service.run.shards?.runner.ready?.() === false ? 0 : 1);
    },
  });

  const batchSize = new Histogram({ name: 'argo_storage_batch_size', help: 'Writes per batch the storage committed.', buckets: BATCH_SIZES, registers: [registry] });
  const commitSeconds = new Histogram({ name: 'argo_storage_commit_duration_seconds', help: 'Duration of each committed storage batch.', buckets: SECONDS, registers: [registry] });
  const signals = new Counter({ name: 'argo_signals_total', help: 'New signals stored (acknowledged as durable), by action.', labelNames: ['action'], registers: [registry] });
  const repeated = new Counter({
    name: 'argo_signals_repeated_total',
    help: 'Signals given again on bars evaluated before (the storage already held them), by action.',
    labelNames: ['action'],
    registers: [registry],
  });
  service.onRun((run) => {
    run.storage.onCommit?.((batch) => {
      batchSize.observe(batch.writes);
      commitSeconds.observe(batch.ms / 1000);
    });
    run.events.on('stored', (signal, again) => (again ? repeated : signals).inc({ action: signal.action }));
  });


  totals(registry, 'argo_source_calls_total', 'Source calls by source and outcome.', ['source', 'outcome'], () =>
    Object.entries(report().sourceCalls.bySource).flatMap(([source, counts]) => outcomes(counts).map(([outcome, n]): [Record<string, string>, number] => [{ source, outcome }, n])),
  );
  new Gauge({
    name: 'argo_source_circuit_state',
    help: 'Circuit breaker state per source with a breaker: 0 closed, 1 half-open, 2 open.',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.reset();
      for (const { source, circuit } of service.run.sourceHealth()) if (circuit !== 'off') this.set({ source }, CIRCUIT_STATE[circuit]);
    },
  });
  totals(registry, 'argo_early_exits_total', 'Symbols whose fetching stopped early, by the strategy\'s reason.', ['reason'], () =>
    Object.entries(report().rejections)
      .filter(([reason]) => reason.startsWith('early-exit:'))
      .map(([reason, n]) => [{ reason: reason.slice('early-exit:'.length) }, n]),
  );
  totals(registry, 'argo_rejections_total', 'Symbols evaluated without a signal, by reason (early exits included).', ['reason'], () =>
    Object.entries(report().rejections).map(([reason, n]) => [{ reason }, n]),
  );
  for (const [event, help] of [
    ['hits', 'Cache lookups answered, per cache.'],
    ['misses', 'Cache lookups not answered, per cache.'],
    ['evictions', 'Cache entries dropped for room or age, per cache.'],
  ] as const) {
    totals(registry, `argo_cache_${event}_total`, help, ['cache'], () =>
      Object.entries(report().caches).flatMap(([cache, counts]) =>
        counts === null ? [] : [[{ cache }, event === 'evictions' ? counts.evictions + counts.expirations : counts[event]] as [Record<string, string>, number]],
      ),
    );
  }
  new Gauge({
    name: 'argo_storage_queue_depth',
    help: 'Signals handed to storage and not yet acknowledged (the storage\'s own queue when it reports one).',
    registers: [registry],
    collect() {
      this.set(service.run.storage.queueDepth?.() ?? service.run.backlog().unacknowledgedSignals);
    },
  });
  totals(registry, 'argo_storage_dead_letters_total', 'Writes the storage gave up on and set aside in its dead-letter file.', [], () => [[{}, service.run.storage.deadLetters?.() ?? 0]]);
  totals(registry, 'argo_storage_failures_total', 'Signals the storage failed to store.', [], () => [[{}, report().storage.failed]]);
  new Gauge({
    name: 'argo_reasoning_pending',
    help: 'Deferred reasoning texts not yet written.',
    registers: [registry],
    collect() {
      this.set(service.run.backlog().pendingReasoning);
    },
  });
  totals(registry, 'argo_cycles_total', 'Service cycles by outcome.', ['outcome'], () => {
    const { cycles, failures, running } = service.counters();
    return [
      [{ outcome: 'ok' }, cycles - failures - (running ? 1 : 0)],
      [{ outcome: 'failed' }, failures],
    ];
  });
  new Gauge({
    name: 'argo_ready',
    help: '1 while /readyz answers 200, 0 while it answers 503 (its reason says why).',
    registers: [registry],
    async collect() {
      this.set((await readiness(service)).ready ? 1 : 0);
    },
  });
  new Gauge({
    name: 'argo_last_cycle_timestamp_seconds',
    help: 'When the latest cycle started (Unix seconds); the process start before any cycle.',
    registers: [registry],
    collect() {
      const [last] = service.history();
      this.set((last === undefined ? service.startedAt : Date.parse(last.startedAt)) / 1000);
    },
  });
  new Gauge({
    name: 'argo_schedule_slot_seconds',
    help: 'The time between schedule slots (service.schedule).',
    registers: [registry],
    collect() {
      this.set(service.slotMs / 1000);
    },
  });
  new Gauge({
    name: 'argo_session_open',
    help: '1 while the trading session is open (cycles are expected), 0 while it is closed.',
    registers: [registry],
    collect() {
      this.set(service.sessionClosed() === null ? 1 : 0);
    },
  });
  totals(registry, 'argo_overruns_total', 'Schedule slots skipped because a cycle was still running.', [], () => [[{}, service.counters().overruns]]);
  totals(registry, 'argo_closed_slots_total', 'Schedule slots skipped because the trading session was closed.', [], () => [[{}, service.counters().closedSlots]]);
  totals(registry, 'argo_consensus_cache_invalidations_total', 'Times a config reload dropped the consensus cache.', [], () => [[{}, service.counters().cacheInvalidations]]);
  return registry;
}
