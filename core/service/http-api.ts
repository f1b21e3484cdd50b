/**
 * The service's HTTP API on Fastify: health, readiness, signals, runs and cycles. Routes only
 * read what the service and its storage give; the pipeline knows nothing of HTTP.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { SYMBOL_PATTERN } from '../domain/symbols';
import { ArgoError, isArgoError } from '../errors/errors';
import type { LiveService } from './live-service';

const DATE = '^\\d{4}-\\d{2}-\\d{2}$';

const signalsQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    symbol: { type: 'string', pattern: SYMBOL_PATTERN.source },
    from: { type: 'string', pattern: DATE },
    to: { type: 'string', pattern: DATE },
    limit: { type: 'integer', minimum: 1, maximum: 10_000, default: 100 },
  },
} as const;

/** The body of every error answer: the coded error's code and message. */
function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** Builds the API of `service` (not yet listening). */
export function buildHttpApi(service: LiveService): FastifyInstance {
  const app = Fastify({ logger: false });

  app.setErrorHandler((error: Error, _request, reply) => {
    if ((error as { validation?: unknown }).validation !== undefined) {
      return reply.code(400).send(errorBody('ARGO_ERR_USAGE', `invalid request: ${error.message}`));
    }
    if (isArgoError(error, 'ARGO_ERR_SERVICE_BUSY')) return reply.code(409).send(errorBody(error.code, error.message));
    if (isArgoError(error)) return reply.code(error.exitCode === 2 ? 400 : 500).send(errorBody(error.code, error.message));
    return reply.code(500).send(errorBody('ARGO_ERR_SERVICE_FAILED', error.message));
  });

  app.get('/healthz', async () => ({ ok: true }));

  app.get('/readyz', async (_request, reply) => {
    const [last] = service.history();
    const slotMs = service.slotMs;
    const since = last === undefined ? Date.now() - service.startedAt : Date.now() - Date.parse(last.startedAt);
    const reason =
      last?.error != null ? `the last cycle failed: ${last.error}` : since > 2 * slotMs ? `no cycle for ${Math.round(since / 1000)} s (two slots are ${Math.round((2 * slotMs) / 1000)} s)` : null;
    if (reason !== null) return reply.code(503).send({ ready: false, reason });
    return { ready: true };
  });

  app.get('/v1/signals', { schema: { querystring: signalsQuery } }, async (request) => {
    const query = request.query as { symbol?: string; from?: string; to?: string; limit: number };
    if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
      throw new ArgoError('ARGO_ERR_USAGE_DATE', `from ${query.from} is after to ${query.to}`);
    }
    return { signals: await service.run.storage.querySignals(query) };
  });

  app.get('/v1/sources', async () => ({ sources: service.run.sourceHealth() }));

  app.get('/v1/runs', async () => ({ runs: await service.run.storage.queryRuns() }));

  app.get('/v1/cycles', async () => ({ ...service.counters(), cycles: service.history() }));

  app.post('/v1/cycles', async () => service.cycleNow('request'));

  return app;
}
