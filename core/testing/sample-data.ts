import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BarView } from '../domain/bar-view';
import { parseBarsCsv } from '../domain/bars-csv';
import type { Bar, BarSeries, Signal } from '../domain/domain';
import type { ExplainRequest } from '../plugin-system/plugin-contracts';
import samples from './sample-bars.json';

/**
 * The sample bars shipped with the package: two generated series of 300 weekdays (a trend and
 * a choppy one). The real S&P 500 files the project tests on may not be copied into the
 * package; read them with {@link barsFromCsv} where you have them.
 */
export function sampleSeries(): BarSeries[] {
  return samples.series.map(({ symbol, bars }) => ({ symbol, bars, malformedRows: 0 }));
}

/** A series from bars (oldest first), for {@link BarView.upTo} or a suite. */
export function seriesOf(symbol: string, bars: readonly Bar[]): BarSeries {
  return { symbol, bars, malformedRows: 0 };
}

/** A series from a daily-bar CSV file (date, open, high, low, close, volume), parsed as csv-bars parses it. */
export function barsFromCsv(file: string, symbol = path.basename(file).replace(/\.csv$/i, '')): BarSeries {
  return { symbol, ...parseBarsCsv(readFileSync(file, 'utf8'), file) };
}

/** The view of `series` as of bar `index` (the last bar by default): what a source is shown that day. */
export function barViewOf(series: BarSeries, index = series.bars.length - 1): BarView {
  return BarView.upTo(series, index);
}

/** A well-formed signal for storage tests; `overrides` replace fields. */
export function sampleSignal(id: string, overrides: Partial<Signal> = {}): Signal {
  return {
    id,
    symbol: 'SAMPLE-UP',
    asOf: '2024-01-02',
    action: 'BUY',
    direction: 'LONG',
    confidence: 80,
    entry: 100,
    stop: 96,
    target: 106,
    regime: 'trending-up',
    reasoning: `reasoning of ${id}`,
    reasoningStatus: 'done',
    contributions: { trend: 50, momentum: 30 },
    sources: [{ source: 'trend', ok: true, opinion: { direction: 'LONG', confidence: 90 }, latencyMs: 1 }],
    ...overrides,
  };
}

/** A question an explainer is asked, for explainer tests. */
export function sampleRequest(overrides: Partial<ExplainRequest> = {}): ExplainRequest {
  return {
    symbol: 'SAMPLE-UP',
    asOf: '2024-01-02',
    action: 'BUY',
    consensus: { direction: 'LONG', confidence: 82, contributions: { trend: 50, momentum: 32 } },
    opinions: [
      { source: 'trend', weight: 1.5, opinion: { direction: 'LONG', confidence: 90, features: { gapPct: 2.5 } } },
      { source: 'momentum', weight: 1, opinion: { direction: 'LONG', confidence: 70 } },
    ],
    regime: 'trending-up',
    levels: { entry: 100, stop: 96, target: 106 },
    ...overrides,
  };
}
