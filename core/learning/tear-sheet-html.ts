/**
 * The tear sheet as one self-contained HTML page (Chart.js inlined, like the A/B report): a
 * table per predictor, reliability diagrams, IC decay by horizon and coverage curves.
 */
import { chartJsSource } from '../util/chart-js-source';
import { INK_CHECK, escapeHtml, fixed } from '../util/report-page';
import { EVENT_TEXT, type TearSheet } from './tear-sheet';

function table(sheet: TearSheet): string {
  const longest = sheet.horizons.length - 1;
  const rows = sheet.predictors.map((p) => {
    const last = p.ic[longest];
    const c = p.calibration;
    return `<tr><th>${escapeHtml(p.name)}</th>${p.ic.map((ic) => `<td>${fixed(ic.meanRankIc, 4)}</td>`).join('')}<td>[${fixed(last.rankIcCi95[0], 4)}, ${fixed(last.rankIcCi95[1], 4)}]</td>
<td>${fixed(last.rankIcir, 2)}</td><td>${fixed(c.hitRate * 100, 1)}%</td><td>${fixed(c.brier, 3)}</td><td>${fixed(c.logLoss, 3)}</td><td>${fixed(c.ece, 3)}</td><td>${fixed(p.flipRate * 100, 1)}%</td></tr>`;
  });
  return `<div class="scroll"><table><thead><tr><th>predictor</th>${sheet.horizons.map((h) => `<th>Rank IC ${h}</th>`).join('')}<th>95% CI (${sheet.horizons[longest]})</th>
<th>ICIR</th><th>hit rate</th><th>Brier</th><th>log loss</th><th>ECE</th><th>flips</th></tr></thead><tbody>${rows.join('\n')}</tbody></table></div>`;
}

/** The tear sheet `sheet` of `from`..`to` as a self-contained HTML page. */
export function renderTearSheet(sheet: TearSheet, from: string, to: string, calibrationNote?: string): string {
  const data = JSON.stringify(sheet).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>argo-signals tear sheet ${escapeHtml(from)} to ${escapeHtml(to)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 2em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ccc; padding: 4px 8px; text-align: right; white-space: nowrap; }
th:first-child { text-align: left; } .scroll { overflow-x: auto; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr)); gap: 2em; } .chart { position: relative; height: 380px; }
</style></head>
<body>
<h1>Tear sheet: ${sheet.rows} symbol-days, ${sheet.dates} dates</h1>
<p>${escapeHtml(from)} to ${escapeHtml(to)}; horizons ${sheet.horizons.join(', ')} bars. Event: ${escapeHtml(EVENT_TEXT[sheet.event])}.
Rank IC intervals: moving-block bootstrap over dates with blocks as long as the horizon. Reliability at ${sheet.calibrationHorizon} bars,
|confidence| / 100 read as the probability that the direction is right.</p>
${calibrationNote === undefined ? '' : `<p class="calibration">${escapeHtml(calibrationNote)}</p>`}
${table(sheet)}
<div class="charts">
<figure><div class="chart"><canvas id="reliability"></canvas></div><figcaption>Reliability: hit rate against confidence read as a probability; the diagonal is a calibrated predictor.</figcaption></figure>
<figure><div class="chart"><canvas id="decay"></canvas></div><figcaption>Mean Rank IC by horizon (decay); 0 is no skill, below 0 contrarian.</figcaption></figure>
<figure><div class="chart"><canvas id="coverage"></canvas></div><figcaption>Coverage: hit rate of the symbol-days kept against the share kept, as the confidence threshold rises.</figcaption></figure>
</div>
<script>${chartJsSource()}</script>
<script>
const sheet = ${data};
const common = { animation: false, responsive: true, maintainAspectRatio: false };
const colour = (i) => \`hsl(\${(i * 67) % 360} 65% 45%)\`;
const charts = [
  new Chart(document.getElementById('reliability'), {
    type: 'scatter',
    data: { datasets: [
      { type: 'line', label: 'calibrated', data: [{ x: 0, y: 0 }, { x: 1, y: 1 }], borderColor: '#999', borderDash: [6, 4], pointRadius: 0 },
      ...sheet.predictors.map((p, i) => ({ type: 'line', label: p.name, data: p.calibration.buckets.filter((b) => b.count > 0).map((b) => ({ x: b.predicted, y: b.hitRate })), borderColor: colour(i), backgroundColor: colour(i) })),
    ] },
    options: { ...common, scales: { x: { min: 0, max: 1, title: { display: true, text: 'confidence as probability' } }, y: { min: 0, max: 1, title: { display: true, text: 'hit rate' } } } },
  }),
  new Chart(document.getElementById('decay'), {
    type: 'line',
    data: { labels: sheet.horizons.map((h) => h + ' bars'), datasets: sheet.predictors.map((p, i) => ({ label: p.name, data: p.ic.map((ic) => ic.meanRankIc), borderColor: colour(i), backgroundColor: colour(i) })) },
    options: { ...common, scales: { y: { title: { display: true, text: 'mean Rank IC' }, grid: { color: (c) => (c.tick.value === 0 ? '#333' : '#e5e5e5') } } } },
  }),
  new Chart(document.getElementById('coverage'), {
    type: 'scatter',
    data: { datasets: sheet.predictors.map((p, i) => ({ type: 'line', label: p.name, data: p.calibration.coverage.filter((c) => Number.isFinite(c.hitRate)).map((c) => ({ x: c.kept, y: c.hitRate })), borderColor: colour(i), backgroundColor: colour(i) })) },
    options: { ...common, scales: { x: { min: 0, max: 1, reverse: true, title: { display: true, text: 'share of symbol-days kept' } }, y: { title: { display: true, text: 'hit rate of those kept' } } } },
  }),
];
${INK_CHECK}</script>
</body></html>
`;
}
