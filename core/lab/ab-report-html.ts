/**
 * The A/B report as one self-contained HTML file: a table of every arm and three charts
 * drawn by Chart.js, whose browser build is inlined so the file opens anywhere offline.
 */
import { chartJsSource } from '../util/chart-js-source';
import type { AbReport } from './ab-lab';

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

function differenceCell(arm: AbReport['arms'][number], metric: string, digits: number): string {
  const d = arm.differences[metric];
  if (d === undefined) return '<td>baseline</td>';
  const significant = d.pHolm < 0.05 ? ' class="significant"' : '';
  return `<td${significant}>${fixed(d.estimate, digits)} [${fixed(d.ci95[0], digits)}, ${fixed(d.ci95[1], digits)}] p<sub>Holm</sub>=${fixed(d.pHolm, 3)}</td>`;
}

function table(report: AbReport): string {
  const rows = report.arms.map(
    (arm) => `<tr><th>${escapeHtml(arm.name)}</th><td>${escapeHtml(arm.sets.join(', '))}</td><td>${arm.sourceCalls.made}</td><td>${fixed(arm.sourceCalls.savedPercent, 1)}%</td>
<td>${fixed(arm.latencyMs.perCycle.p50, 1)} / ${fixed(arm.latencyMs.perCycle.p95, 1)}</td><td>${arm.signals}</td>
<td>${fixed(arm.agreement.precision, 3)} / ${fixed(arm.agreement.recall, 3)} / ${fixed(arm.agreement.jaccard, 3)}</td>
<td>${fixed(arm.outcomes.winRate * 100, 1)}%</td><td>${fixed(arm.outcomes.meanR, 3)}</td>
${differenceCell(arm, 'callsPerSymbol', 3)}${differenceCell(arm, 'meanR', 3)}</tr>`,
  );
  return `<table><thead><tr><th>arm</th><th>settings</th><th>source calls</th><th>saved</th><th>virtual ms per cycle p50 / p95</th><th>signals</th>
<th>precision / recall / Jaccard vs ${escapeHtml(report.baseline)}</th><th>win rate</th><th>mean R</th><th>Δ calls per symbol [95% CI]</th><th>Δ mean R [95% CI]</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>`;
}

/** The report of `report` as a self-contained HTML page. */
export function renderAbReport(report: AbReport): string {
  const data = JSON.stringify(report).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>argo-signals A/B ${escapeHtml(report.from)} to ${escapeHtml(report.to)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; }
th:first-child, td:nth-child(2) { text-align: left; } .significant { background: #fff3c4; }
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
<figure><div class="chart"><canvas id="outcomes"></canvas></div><figcaption>Outcomes: win rate and mean R-multiple of each arm's signals.</figcaption></figure>
</div>
<script>${chartJsSource()}</script>
<script>
const report = ${data};
const names = report.arms.map((a) => a.name);
const common = { animation: false, responsive: true, maintainAspectRatio: false };
const charts = [
  new Chart(document.getElementById('saved-vs-recall'), {
    type: 'scatter',
    data: { datasets: report.arms.map((a, i) => ({ label: a.name, data: [{ x: a.sourceCalls.savedPercent, y: a.agreement.recall }], pointRadius: 7, backgroundColor: \`hsl(\${(i * 67) % 360} 65% 50%)\` })) },
    options: { ...common, scales: { x: { title: { display: true, text: 'source calls saved (%)' }, min: 0 }, y: { title: { display: true, text: 'recall vs baseline' }, min: 0, max: 1.05 } } },
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
  new Chart(document.getElementById('outcomes'), {
    type: 'bar',
    data: { labels: names, datasets: [
      { label: 'win rate (%)', data: report.arms.map((a) => a.outcomes.winRate * 100), yAxisID: 'rate' },
      { label: 'mean R', data: report.arms.map((a) => a.outcomes.meanR), yAxisID: 'r' },
    ] },
    options: { ...common, scales: { rate: { position: 'left', title: { display: true, text: 'win rate (%)' } }, r: { position: 'right', title: { display: true, text: 'mean R' } } } },
  }),
];
// Lets a headless browser check that every chart drew something.
const ink = charts.map((chart) => {
  const { width, height } = chart.canvas;
  const pixels = chart.ctx.getImageData(0, 0, width, height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
  return painted;
});
document.body.dataset.chartsRendered = String(ink.filter((n) => n > 0).length);
document.body.dataset.chartInk = ink.join(',');
</script>
</body></html>
`;
}
