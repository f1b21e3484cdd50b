/**
 * JSON schemas of the HTTP API: Fastify validates queries and params with them, serializes
 * answers with them, and @fastify/swagger publishes them as the OpenAPI document.
 */
import { SYMBOL_PATTERN } from '../domain/symbols';

const DATE = '^\\d{4}-\\d{2}-\\d{2}$';

/** An object whose every listed property is required (answers always carry them), and the `optional` ones some carry. */
function record(properties: Record<string, unknown>, extra: Record<string, unknown> = {}, optional: Record<string, unknown> = {}) {
  return { type: 'object', required: Object.keys(properties), properties: { ...properties, ...optional }, ...extra } as const;
}

const counts = { type: 'object', additionalProperties: { type: 'number' } } as const;
const anyObject = { type: 'object', additionalProperties: true } as const;
const nullableNumber = { type: ['number', 'null'] } as const;

export const errorSchema = record({ error: record({ code: { type: 'string' }, message: { type: 'string' } }) });

export const signalSchema = record(
  {
    id: { type: 'string' },
    symbol: { type: 'string' },
    asOf: { type: 'string' },
    action: { type: 'string', enum: ['BUY', 'SELL'] },
    direction: { type: 'string', enum: ['LONG', 'SHORT', 'NEUTRAL'] },
    confidence: { type: 'number' },
    entry: { type: 'number' },
    stop: { type: 'number' },
    target: { type: 'number' },
    regime: { type: 'string' },
    reasoning: { type: 'string' },
    reasoningStatus: { type: 'string', enum: ['done', 'pending', 'fallback'] },
    contributions: counts,
    sources: { type: 'array', items: anyObject },
  },
  { $id: 'Signal' },
  {
    probability: { type: 'number', description: 'With consensus.calibration (docs/learning.md): the probability (0..1) that the direction is right.' },
    calibration: { type: 'string', description: 'The version of the calibration that gave `probability`.' },
  },
);

export const signalsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    symbol: { type: 'string', pattern: SYMBOL_PATTERN.source },
    action: { type: 'string', enum: ['BUY', 'SELL'] },
    from: { type: 'string', pattern: DATE },
    to: { type: 'string', pattern: DATE },
    // A pattern, not type number: the query coercion would take "Infinity" and " " (as 0) for numbers.
    minConfidence: { type: 'string', pattern: '^(100(\\.0+)?|\\d{1,2}(\\.\\d+)?)$', description: 'A confidence 0..100: signals at or above it.' },
    limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
    cursor: { type: 'string', pattern: '^\\d{1,15}$', description: 'The `next` of the previous page: signals stored after it, in write order.' },
  },
} as const;

export const signalsPage = record({
  signals: { type: 'array', items: { $ref: 'Signal#' } },
  next: { type: 'string', description: 'The cursor after this page: pass it to get the signals stored since (it stays valid while new ones are written).' },
});

export const signalParams = record({ id: { type: 'string', minLength: 1, maxLength: 200 } });

export const cycleSchema = record({
  number: { type: 'integer' },
  startedAt: { type: 'string' },
  durationMs: { type: 'number' },
  trigger: { type: 'string', enum: ['schedule', 'request'] },
  symbols: { type: 'integer' },
  barsAsOf: { type: ['string', 'null'] },
  signals: { type: 'integer' },
  repeated: { type: 'integer' },
  rejected: { type: 'integer' },
  error: { type: ['string', 'null'] },
  stats: { type: ['object', 'null'], additionalProperties: true },
});

/** The stream takes no query: it sends every signal (filter on the client, or page /v1/signals with filters). */
export const streamQuery = { type: 'object', additionalProperties: false, properties: {} } as const;

export const runsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } },
} as const;

export const cyclesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: { limit: { type: 'integer', minimum: 1, maximum: 100_000, default: 20 } },
} as const;

export const cyclesAnswer = record({
  counters: record({
    cycles: { type: 'integer' },
    overruns: { type: 'integer' },
    failures: { type: 'integer' },
    closedSlots: { type: 'integer' },
    reloads: { type: 'integer' },
    cacheInvalidations: { type: 'integer' },
    running: { type: 'boolean' },
  }),
  session: record({ open: { type: 'boolean' }, reason: { type: ['string', 'null'] } }),
  nextSlot: { type: ['string', 'null'] },
  cycles: { type: 'array', items: cycleSchema, description: 'The last cycles, newest first.' },
});

export const sourcesAnswer = record({
  sources: {
    type: 'array',
    items: record({
      source: { type: 'string' },
      weight: { type: 'number' },
      calls: counts,
      latencyMs: record({ p50: nullableNumber, p95: nullableNumber }),
      circuit: { type: 'string', enum: ['off', 'closed', 'open', 'half-open'] },
    }),
  },
});

export const runsAnswer = record({
  runs: { type: 'array', items: record({ id: { type: 'string' }, configHash: { type: 'string' }, startedAt: { type: 'string' }, finishedAt: { type: 'string' }, stats: anyObject }) },
});

export const shardsAnswer = record({
  runner: { type: ['string', 'null'] },
  ready: { type: 'boolean' },
  workers: { type: ['integer', 'null'] },
  counts: record({ evaluated: { type: 'number' }, failed: { type: 'number' }, retried: { type: 'number' } }),
  failures: { type: 'array', items: record({ shard: { type: 'string' }, symbols: { type: 'number' }, error: { type: 'string' }, at: { type: 'string' } }) },
});

export const reloadAnswer = record({
  changed: { type: 'boolean' },
  configHash: { type: 'string' },
  consensusCacheInvalidated: { type: 'boolean' },
});

export const readyAnswer = { type: 'object', properties: { ready: { type: 'boolean' }, reason: { type: 'string' } }, required: ['ready'] } as const;

export const outcomesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    symbol: { type: 'string', pattern: SYMBOL_PATTERN.source },
    from: { type: 'string', pattern: DATE },
    to: { type: 'string', pattern: DATE },
    limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
  },
} as const;

export const outcomeSchema = record({
  signalId: { type: 'string' },
  symbol: { type: 'string' },
  asOf: { type: 'string' },
  direction: { type: 'string', enum: ['LONG', 'SHORT', 'NEUTRAL'] },
  horizon: { type: 'integer', description: 'Bars of the forward return (learning.horizon).' },
  forwardReturn: { type: 'number' },
  right: { type: 'boolean', description: 'The direction event: the forward return had the direction\'s sign.' },
  firstTouch: { type: 'string', enum: ['win', 'loss', 'expired'], description: 'The signal\'s own trade: target before stop, stop first, or neither within learning.horizon bars.' },
  rMultiple: { type: 'number' },
  upFirst: { type: ['boolean', 'null'], description: 'The first-touch event: the upper level of a long trade came first (true), the lower (false), neither (null).' },
  confidence: { type: 'number' },
  probability: nullableNumber,
  calibration: { type: ['string', 'null'] },
  sources: counts,
  resolvedAt: { type: 'string', description: 'The date of the bar that resolved it.' },
});

export const outcomesAnswer = record({ outcomes: { type: 'array', items: outcomeSchema, description: 'Newest signal date first.' } });

const predictorQuality = record({ name: { type: 'string' }, samples: { type: 'integer' }, hitRate: nullableNumber, brier: nullableNumber, ece: nullableNumber });

export const refitSchema = record({
  at: { type: 'string' },
  result: { type: 'string', enum: ['staged', 'too-few', 'failed'] },
  samples: { type: 'integer' },
  calibration: { type: ['string', 'null'] },
  error: { type: ['string', 'null'] },
});

export const learningAnswer = record({
  unavailable: { type: ['string', 'null'] },
  horizon: { type: 'integer' },
  resolved: { type: 'integer' },
  lastPass: { type: ['string', 'null'] },
  lastError: { type: ['string', 'null'] },
  rolling: record({ outcomes: { type: 'integer' }, from: { type: ['string', 'null'] }, to: { type: ['string', 'null'] }, predictors: { type: 'array', items: predictorQuality } }),
  drift: record({ ece: nullableNumber, maxEce: { type: 'number' }, drifting: { type: 'boolean' }, since: { type: ['string', 'null'] } }),
  calibration: record({ active: { type: ['string', 'null'] }, staged: { type: 'boolean' } }),
  refit: record({ cron: { type: 'string' }, next: { type: ['string', 'null'] }, last: { anyOf: [refitSchema, { type: 'null' }] }, counts }),
});

export const sinksAnswer = record({
  sinks: {
    type: 'array',
    items: record({
      name: { type: 'string' },
      plugin: { type: 'string' },
      status: { type: 'string', enum: ['delivering', 'retrying', 'standby', 'stopped'] },
      cursor: record({ signals: { type: 'integer' }, reasoning: { type: 'integer' } }),
      lagSignals: { type: 'integer', description: 'Signals stored after the cursor (filtered ones included).' },
      lagSeconds: { type: 'number', description: 'How long the sink has been behind (0 when caught up).' },
      delivered: { type: 'integer' },
      failures: { type: 'integer' },
      deadLetters: { type: 'integer' },
      lastError: { type: ['string', 'null'] },
      lastErrorAt: { type: ['string', 'null'] },
    }),
  },
});
