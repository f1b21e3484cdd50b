/** What the self-contained HTML reports (A/B, tear sheet) share: escaping, number cells (the CLI's tables too) and the check that each chart drew. */

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** `value` with `digits` decimals, a dash when it is not a finite number. */
export function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '–';
}

/**
 * A script ending a report page whose Chart.js charts are in `charts`: it counts each chart's
 * painted pixels into `data-chart-ink` and the charts that drew into `data-charts-rendered`,
 * which a headless browser reads.
 */
export const INK_CHECK = `
const ink = charts.map((chart) => {
  const { width, height } = chart.canvas;
  const pixels = chart.ctx.getImageData(0, 0, width, height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
  return painted;
});
document.body.dataset.chartsRendered = String(ink.filter((n) => n > 0).length);
document.body.dataset.chartInk = ink.join(',');
`;
