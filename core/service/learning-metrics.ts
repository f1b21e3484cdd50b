/** The Prometheus metrics of {@link LiveLearning}: rolling figures by predictor, drift, outcomes resolved, refits. */
import { Gauge, type Registry } from 'prom-client';
import { totals } from './service-metrics';
import type { LiveLearning } from './live-learning';

/** Adds the learning metrics to `registry`, read from `learning` at each scrape. */
export function learningMetrics(registry: Registry, learning: LiveLearning): void {
  const measures = [
    ['hit_rate', 'hitRate', 'Share of the rolling window\'s resolved outcomes whose predicted direction was right, by predictor (signals, or a source).'],
    ['brier', 'brier', 'Brier score of the rolling window\'s probabilities (the calibrated one, or a confidence read as one), by predictor.'],
    ['ece', 'ece', 'Expected calibration error (10 buckets) over the rolling window, by predictor; learning.drift.maxEce bounds the signals\'.'],
  ] as const;
  for (const [name, key, help] of measures) {
    new Gauge({
      name: `argo_learning_${name}`,
      help,
      labelNames: ['predictor'],
      registers: [registry],
      collect() {
        this.reset();
        for (const p of learning.state().rolling.predictors) if (p[key] !== null) this.set({ predictor: p.name }, p[key]);
      },
    });
  }
  new Gauge({
    name: 'argo_learning_window_outcomes',
    help: 'Resolved outcomes in the rolling window (learning.rolling.outcomes at most).',
    registers: [registry],
    collect() {
      this.set(learning.state().rolling.outcomes);
    },
  });
  new Gauge({
    name: 'argo_learning_drift',
    help: '1 while the signals\' rolling ECE exceeds learning.drift.maxEce (drift), else 0.',
    registers: [registry],
    collect() {
      this.set(learning.state().drift.drifting ? 1 : 0);
    },
  });
  totals(registry, 'argo_learning_outcomes_resolved_total', 'Outcomes of stored signals this process resolved and stored.', [], () => [[{}, learning.state().resolved]]);
  totals(registry, 'argo_learning_refits_total', 'Calibration refits by result: staged (taken up at the next cycle), too-few (fewer outcomes than learning.minSamples), failed.', ['result'], () =>
    Object.entries(learning.state().refit.counts).map(([result, n]) => [{ result }, n]),
  );
}
