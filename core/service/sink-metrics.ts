/** The Prometheus metrics of the sinks: delivered, failed, lag and dead letters, by sink. */
import { Gauge, type Registry } from 'prom-client';
import type { SinkState } from '../delivery/sink-runner';
import { totals } from './service-metrics';

/** Adds the sink metrics to `registry`; `states` is read at each scrape (a reload swaps the sinks). */
export function sinkMetrics(registry: Registry, states: () => Promise<SinkState[]>): void {
  // One read of the storage per scrape, shared by the four families.
  let scrape: Promise<SinkState[]> | null = null;
  const current = () => (scrape ??= states().finally(() => setImmediate(() => (scrape = null))));
  const bySink = (read: (state: SinkState) => number) => async (): Promise<[Record<string, string>, number][]> => (await current()).map((s) => [{ sink: s.name }, read(s)]);
  totals(registry, 'argo_sink_delivered_total', 'Messages (signals and reasoning updates) a sink delivered, acknowledged by its peer, since the process started.', ['sink'], bySink((s) => s.delivered));
  totals(registry, 'argo_sink_failures_total', 'Failed delivery attempts of a sink (each retry counts) since the process started.', ['sink'], bySink((s) => s.failures));
  for (const [name, help, read] of [
    ['argo_sink_lag_signals', 'Signals stored after a sink\'s cursor: what it has yet to deliver (filtered ones included).', (s: SinkState) => s.lagSignals],
    ['argo_sink_dead_letters', 'Deliveries a sink set aside after their attempts (argo-signals sinks dead; sinks retry re-sends them).', (s: SinkState) => s.deadLetters],
  ] as const) {
    new Gauge({
      name,
      help,
      labelNames: ['sink'],
      registers: [registry],
      async collect() {
        this.reset();
        for (const [labels, value] of await bySink(read)()) this.set(labels, value);
      },
    });
  }
}
