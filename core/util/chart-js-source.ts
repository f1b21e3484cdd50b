import { readFileSync } from 'node:fs';
import path from 'node:path';

/** The browser build of Chart.js, as text (the A/B report inlines it, the dashboard serves it). */
export function chartJsSource(): string {
  // The package exports only its module entry points; the browser build sits beside them.
  const entry = require.resolve('chart.js');
  return readFileSync(path.join(path.dirname(entry), 'chart.umd.min.js'), 'utf8');
}
