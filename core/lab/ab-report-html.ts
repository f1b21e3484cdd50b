/**
 * The A/B report as one self-contained HTML file: a table of every arm and four charts
 * drawn by Chart.js, whose browser build is inlined so the file opens anywhere offline.
 */
import { chartJsSource } from '../util/chart-js-source';
import { INK_CHECK, escapeHtml, fixed } from '../util/report-page';
import type { AbReport } from './ab-lab';

function differenceCell(arm: AbReport['arms'][number], metric: string, digits: number): string {
  const d = arm.differences[metric];
  if (d === undefined) return '<td>baseline</td>';
  const significant = d.pHolm < 0.05 ? ' class="significant"' : '';
  return `<td${significant}>${fixed(d.estimate, digits)} [${fixed(d.ci95[0], digits)}, ${fixed(d.ci95[1], digits)}] p<sub>Holm</sub>=${fixed(d.pHolm, 3)}</td>`;
}

/** An arm's settings when its name does not already say them (a sweep names each arm by its setting). */
function settingsOf(arm: AbReport['arms'][number]): string | null {
  const settings = arm.sets.join(', ');
  return settings === '' || arm.sets.every((set) => arm.name.includes(set)) || settings.includes(arm.name) ? null : settings;
}

function table(report: AbReport): string {
  const withSettings = report.arms.some((arm) => settingsOf(arm) !== null);
  const rows = report.arms.map(
    (arm) => `<tr><th>${escapeHtml(arm.name)}</th>${withSettings ? `<td>${escapeHtml(settingsOf(arm) ?? '–')}</td>` : ''}<td>${arm.sourceCalls.made}</td><td>${fixed(arm.sourceCalls.savedPercent, 1)}%</td>
<td>${fixed(arm.latencyMs.perCycle.p50, 1)} / ${fixed(arm.latencyMs.perCycle.p95, 1)}</td><td>${arm.signals}</td>
<td>${fixed(arm.agreement.precision, 3)} / ${fixed(arm.agreement.recall, 3)} / ${fixed(arm.agreement.jaccard, 3)}</td>
<td>${fixed(arm.outcomes.winRate * 100, 1)}%</td><td>${fixed(arm.outcomes.meanR, 3)}</td>
<td>${fixed(arm.quality.brier, 3)}</td><td>${fixed(arm.quality.ece, 3)}</td><td>${fixed(arm.quality.rankIc, 3)}</td>
${differenceCell(arm, 'callsPerSymbol', 3)}${differenceCell(arm, 'meanR', 3)}${differenceCell(arm, 'brier', 3)}${differenceCell(arm, 'ece', 3)}${differenceCell(arm, 'rankIc', 3)}</tr>`,
  );
  return `<div class="scroll"><table><thead><tr><th>arm</th>${withSettings ? '<th>settings</th>' : ''}<th>source calls</th><th>saved</th><th>virtual ms per cycle p50 / p95</th><th>signals</th>
<th>precision / recall / Jaccard vs ${escapeHtml(report.baseline)}</th><th>win rate</th><th>mean R</th><th>Brier</th><th>ECE</th><th>rank IC</th><th>Δ calls per symbol [95% CI]</th><th>Δ mean R [95% CI]</th><th>Δ Brier [95% CI]</th><th>Δ ECE [95% CI]</th><th>Δ rank IC [95% CI]</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** The test windows of the walk-forward arms and the calibration each was given. */
function walkForwardTable(report: AbReport): string {
  const arms = report.arms.filter((arm) => arm.walkForward !== undefined);
  if (arms.length === 0) return '';
  const rows = arms.flatMap((arm) =>
    arm.walkForward!.map(
      (w) => `<tr><th>${escapeHtml(arm.name)}</th><td>${escapeHtml(w.trainFrom)}</td><td>${escapeHtml(w.testFrom)}</td><td>${escapeHtml(w.testTo)}</td><td>${w.fitted}</td><td>${escapeHtml(w.calibration ?? 'previous fit kept (too few outcomes)')}</td></tr>`,
    ),
  );
  return `<h2>Walk-forward refits</h2><p>Each test window's calibration was fitted on the outcomes dated from its training start and resolved before the window began.</p>
<div class="scroll"><table><thead><tr><th>arm</th><th>trained from</th><th>test from</th><th>test to</th><th>outcomes fitted</th><th>calibration</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** The report of `report` as a self-contained HTML page. */
export function renderAbReport(report: AbReport): string {
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>argo-signals A/B ${escapeHtml(report.from)} to ${escapeHtml(report.to)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; white-space: nowrap; }
th:first-child, td:nth-child(2) { text-align: left; } .significant { background: #fff3c4; } .scroll { overflow-x: auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 2em; } .chart { position: relative; height: 380px; }
</style></head>
<body>
<h1>A/B: ${report.arms.length} arms, ${report.days} days, ${report.symbolDays} symbol-days per arm</h1>
<p>${escapeHtml(report.from)} to ${escapeHtml(report.to)}; baseline <b>${escapeHtml(report.baseline)}</b>. Differences are arm minus baseline with 95% bootstrap
intervals (${report.resamples} resamples by day) and Holm-adjusted p-values across arms; highlighted when below 0.05.</p>
${table(report)}
<div class="charts">
<figure><div class="chart"><canvas id="saved-vs-recall"></canvas></div><figcaption>Source calls saved against recall of the baseline's signals.</figcaption></figure>
<figure><div class="chart"><canvas id="latency"></canvas></div><figcaption>Virtual latency per cycle and per symbol, p50 and p95 (ms).</figcaption></figure>
<figure><div class="chart"><canvas id="win-rate"></canvas></div><figcaption>Win rate of each arm's signals (%); the line is the baseline's.</figcaption></figure>
<figure><div class="chart"><canvas id="mean-r"></canvas></div><figcaption>Mean R-multiple of each arm's signals: above zero they made money on average, below they lost.</figcaption></figure>
<figure><div class="chart"><canvas id="ece"></canvas></div><figcaption>Expected calibration error of each arm's signals: how far their probability (a calibrated one, or the confidence read as one) is from how often they were right. 0 is perfect.</figcaption></figure>
</div>
${walkForwardTable(report)}
<script>${chartJsSource()}</script>
<script>
const report = ${data};
const names = report.arms.map((a) => a.name);
const common = { animation: false, responsive: true, maintainAspectRatio: false };
const charts = [
  new Chart(document.getElementById('saved-vs-recall'), {
    type: 'scatter',
    // Not clipped: the baseline sits on the axes' corner (0% saved, recall 1).
    data: { datasets: report.arms.map((a, i) => ({ label: a.name, data: [{ x: a.sourceCalls.savedPercent, y: a.agreement.recall }], pointRadius: 7, clip: false, backgroundColor: \`hsl(\${(i * 67) % 360} 65% 50%)\` })) },
    options: { ...common, layout: { padding: 12 }, scales: { x: { title: { display: true, text: 'source calls saved (%)' }, min: 0 }, y: { title: { display: true, text: 'recall vs baseline' }, min: 0, max: 1.05 } } },
  }),
  new Chart(document.getElementById('latency'), {
    type: 'bar',
    data: { labels: names, datasets: [
      { label: 'cycle p50', data: report.arms.map((a) => a.latencyMs.perCycle.p50) },
      { label: 'cycle p95', data: report.arms.map((a) => a.latencyMs.perCycle.p95) },
      { label: 'symbol p50', data: report.arms.map((a) => a.latencyMs.perSymbol.p50) },
      { label: 'symbol p95', data: report.arms.map((a) => a.latencyMs.perSymbol.p95) },
    ] },
    options: { ...common, scales: { y: { title: { display: true, text: 'virtual ms' } } } },
  }),
  // One measure a chart, each on its own axis: two bars side by side on two axes read as one scale.
  new Chart(document.getElementById('win-rate'), {
    type: 'bar',
    data: { labels: names, datasets: [
      { label: 'win rate (%)', data: report.arms.map((a) => a.outcomes.winRate * 100), backgroundColor: '#3b6fd4' },
      { type: 'line', label: 'baseline', data: report.arms.map(() => report.arms.find((a) => a.name === report.baseline).outcomes.winRate * 100), borderColor: '#555', borderDash: [6, 4], pointRadius: 0 },
    ] },
    options: { ...common, scales: { y: { min: 0, max: 100, title: { display: true, text: 'win rate (%)' } } } },
  }),
  new Chart(document.getElementById('mean-r'), {
    type: 'bar',
    data: { labels: names, datasets: [{ label: 'mean R', data: report.arms.map((a) => a.outcomes.meanR), backgroundColor: report.arms.map((a) => (a.outcomes.meanR >= 0 ? '#137333' : '#b3261e')) }] },
    options: { ...common, plugins: { legend: { display: false } }, scales: { y: { title: { display: true, text: 'mean R-multiple (0: break-even)' }, grid: { color: (c) => (c.tick.value === 0 ? '#333' : '#e5e5e5') } } } },
  }),
  new Chart(document.getElementById('ece'), {
    type: 'bar',
    data: { labels: names, datasets: [{ label: 'ECE', data: report.arms.map((a) => a.quality.ece), backgroundColor: '#8a5cd1' }] },
    options: { ...common, plugins: { legend: { display: false } }, scales: { y: { min: 0, title: { display: true, text: 'expected calibration error' } } } },
  }),
];
${INK_CHECK}</script>
</body></html>
`;
}
