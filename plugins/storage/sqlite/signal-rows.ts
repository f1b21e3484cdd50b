import type { Signal } from '../../../core/domain/domain';

/** The columns of `signals`, in the order rows are bound. */
export const SIGNAL_COLUMNS = [
  'id',
  'run_id',
  'symbol',
  'as_of',
  'action',
  'direction',
  'confidence',
  'entry',
  'stop',
  'target',
  'regime',
  'reasoning',
  'reasoning_status',
  'contributions',
  'sources',
  'stored_at',
  'probability',
  'calibration',
] as const;

/** A stored row of `signals`. */
export type SignalRow = Record<(typeof SIGNAL_COLUMNS)[number], string | number | null>;

/** The values of one row, in {@link SIGNAL_COLUMNS} order. */
export function signalValues(signal: Signal, runId: string, storedAt: string): unknown[] {
  return [
    signal.id,
    runId,
    signal.symbol,
    signal.asOf,
    signal.action,
    signal.direction,
    signal.confidence,
    signal.entry,
    signal.stop,
    signal.target,
    signal.regime,
    signal.reasoning,
    signal.reasoningStatus,
    JSON.stringify(signal.contributions),
    JSON.stringify(signal.sources),
    storedAt,
    signal.probability ?? null,
    signal.calibration ?? null,
  ];
}

/** The signal a row holds. */
export function rowToSignal(row: SignalRow): Signal {
  return {
    id: row.id as string,
    symbol: row.symbol as string,
    asOf: row.as_of as string,
    action: row.action as Signal['action'],
    direction: row.direction as Signal['direction'],
    confidence: row.confidence as number,
    entry: row.entry as number,
    stop: row.stop as number,
    target: row.target as number,
    regime: row.regime as Signal['regime'],
    reasoning: row.reasoning as string,
    reasoningStatus: row.reasoning_status as Signal['reasoningStatus'],
    contributions: JSON.parse(row.contributions as string),
    sources: JSON.parse(row.sources as string),
    // A row written before calibration existed (or without one) has neither.
    ...(row.probability === null || row.probability === undefined ? {} : { probability: row.probability as number, calibration: row.calibration as string }),
  };
}
