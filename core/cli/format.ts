import type { StatsReport } from '../cycle-stats';
import type { Signal } from '../domain';
import type { RunRecord } from '../plugin-contracts';
import type { RunReport } from '../run';

function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i].length)));
  const line = (cells: readonly string[]) => cells.map((cell, i) => cell.padEnd(widths[i])).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/** A few lines summing up the statistics of a run. */
export function formatStats(stats: StatsReport): string {
  const calls = stats.sourceCalls;
  const rejections = Object.entries(stats.rejections).map(([reason, n]) => `${reason} ${n}`).join(', ') || 'none';
  return [
    `cycles ${stats.cycles}, symbols evaluated ${stats.symbolsEvaluated}, signals ${stats.signals}`,
    `rejections: ${rejections}`,
    `source calls: made ${calls.made}, skipped ${calls.skipped}, failed ${calls.failed} (timeouts ${calls.timeouts}, malformed ${calls.malformed})`,
    `malformed rows ${stats.malformedRows}; wall ${stats.time.wallMs.toFixed(0)} ms, virtual ${stats.time.virtualMs.toFixed(0)} ms`,
  ].join('\n');
}

/** Stored signals as a table. */
export function formatSignals(signals: readonly Signal[]): string {
  if (signals.length === 0) return 'no signals match';
  return table(
    ['symbol', 'asOf', 'action', 'confidence', 'entry', 'stop', 'target', 'regime', 'reasoning'],
    signals.map((s) => [s.symbol, s.asOf, s.action, `${s.confidence.toFixed(1)}%`, s.entry.toFixed(2), s.stop.toFixed(2), s.target.toFixed(2), s.regime, s.reasoningStatus]),
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
