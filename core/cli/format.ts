import type { AbReport } from '../lab/ab-lab';
import type { CallCounts, StatsReport } from '../engine/cycle-stats';
import type { Signal } from '../domain/domain';
import type { RunRecord } from '../plugin-system/plugin-contracts';
import type { RunReport } from '../engine/run';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A few lines summing up the statistics of a run: totals, each source's calls, and the plugins' warnings. */
export function formatStats(stats: StatsReport): string {
  const calls = stats.sourceCalls;
  const rejections = Object.entries(stats.rejections).map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none';
  const counts = (c: CallCounts) =>
    `made ${c.made}, skipped ${c.skipped}, failed ${c.failed} (timeouts ${c.timeouts}, malformed ${c.malformed})${c.circuitOpen > 0 ? `, not called while its circuit was open ${c.circuitOpen}` : ''}`;
  return [
    `cycles ${stats.cycles}, symbols evaluated ${stats.symbolsEvaluated}, signals ${stats.signals}`,
    `rejections: ${rejections}`,
    `source calls: ${counts(calls)}`,
    ...Object.entries(calls.bySource).map(([source, c]) => `  ${source}: ${counts(c)}`),
    `malformed rows ${stats.malformedRows}; wall ${stats.time.wallMs.toFixed(0)} ms, virtual ${stats.time.virtualMs.toFixed(0)} ms`,
    ...(stats.symbolsWithoutBars.length > 0 ? [`symbols without bars (not evaluated): ${stats.symbolsWithoutBars.join(', ')}`] : []),
    ...Object.entries(stats.pluginWarnings).flatMap(([plugin, codes]) => Object.entries(codes).map(([code, n]) => `warning: ${plugin} ${code} (${n}x)`)),
  ].join('\n');
}

/** Longest reasoning shown in a table cell; `--json` has the whole text. */
const REASONING_CELL = 72;

/** The reasoning text, cut to fit a table, with its status when the text is not the explainer's final one. */
function reasoningCell(signal: Signal): string {
  const text = signal.reasoning.replace(/\s+/g, ' ');
  const cut = text.length > REASONING_CELL ? `${text.slice(0, REASONING_CELL - 1)}…` : text;
  return signal.reasoningStatus === 'done' ? cut : `[${signal.reasoningStatus}] ${cut}`;
}

/** Stored signals as a table. */
export function formatSignals(signals: readonly Signal[]): string {
  if (signals.length === 0) return 'no signals match';
  return table(
    ['symbol', 'asOf', 'action', 'confidence', 'entry', 'stop', 'target', 'regime', 'reasoning'],
    signals.map((s) => [s.symbol, s.asOf, s.action, `${s.confidence.toFixed(1)}%`, s.entry.toFixed(2), s.stop.toFixed(2), s.target.toFixed(2), s.regime, reasoningCell(s)]),
  );
}

/** Stored runs as a table. */
export function formatRuns(runs: readonly RunRecord[]): string {
  if (runs.length === 0) return 'no runs recorded';
  return table(
    ['run', 'started', 'finished', 'config', 'signals'],
    runs.map((r) => [r.id, r.startedAt, r.finishedAt, r.configHash, String((r.stats as Partial<StatsReport>)?.signals ?? '')]),
  );
}

/** The signals of a cycle as a table, the rejected symbols after it, then the statistics. */
export function formatRunTable(report: RunReport): string {
  const signals = report.results.flatMap((r) => (r.signal === null ? [] : [r.signal]));
  const rejected = report.results.filter((r) => r.signal === null);
  const parts = [signals.length === 0 ? 'no signal reached the minimum confidence' : formatSignals(signals)];
  if (rejected.length > 0) parts.push('', table(['rejected', 'asOf', 'reason'], rejected.map((r) => [r.symbol, r.asOf, r.rejection ?? ''])));
  parts.push('', formatStats(report.stats));
  return parts.join('\n');
}

function num(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : '-';
}

function difference(d: AbReport['arms'][number]['differences'][string] | undefined): string {
  return d === undefined ? 'baseline' : `${num(d.estimate, 3)} [${num(d.ci95[0], 3)}, ${num(d.ci95[1], 3)}] p=${num(d.pHolm, 3)}`;
}

/** The A/B comparison as a table, one row an arm. */
export function formatAbReport(report: AbReport): string {
  const rows = report.arms.map((arm) => {
    return [
      arm.name,
      String(arm.sourceCalls.made),
      `${num(arm.sourceCalls.savedPercent, 1)}%`,
      `${num(arm.latencyMs.perCycle.p50, 1)}/${num(arm.latencyMs.perCycle.p95, 1)}`,
      String(arm.signals),
      num(arm.agreement.precision, 3),
      num(arm.agreement.recall, 3),
      `${num(arm.outcomes.winRate * 100, 1)}%`,
      num(arm.outcomes.meanR, 3),
      num(arm.quality.brier, 3),
      num(arm.quality.ece, 3),
      num(arm.quality.rankIc, 3),
      difference(arm.differences.meanR),
      difference(arm.differences.brier),
    ];
  });
  return [
    `${report.from} to ${report.to}: ${report.days} days, ${report.symbolDays} symbol-days per arm, baseline ${report.baseline}`,
    table(['arm', 'calls', 'saved', 'cycle ms p50/p95', 'signals', 'precision', 'recall', 'win rate', 'mean R', 'Brier', 'ECE', 'rank IC', 'Δ mean R [95% CI] p(Holm)', 'Δ Brier [95% CI] p(Holm)'], rows),
    ...report.arms.flatMap((arm) =>
      arm.walkForward === undefined
        ? []
        : [`${arm.name}: walk-forward, ${arm.walkForward.length} test windows refitted (${arm.walkForward.filter((w) => w.calibration === null).length} kept the previous fit for want of outcomes)`],
    ),
  ].join('\n');
}
