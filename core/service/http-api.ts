/**
 * The service's HTTP API on Fastify: health, readiness, signals, runs, cycles, sources, the
 * event stream, reload, metrics, the OpenAPI document and the dashboard. Routes only read
 * what the service and its storage give; the pipeline knows nothing of HTTP.
 */
import compress from '@fastify/compress';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Action } from '../domain/domain';
import { assertIsoDate } from '../domain/symbols';
import { ArgoError, isArgoError } from '../errors/errors';
import type { Storage } from '../plugin-system/plugin-contracts';
import { chartJsSource } from '../util/chart-js-source';
import { authorized, type ApiAccess } from './api-access';
import * as schemas from './api-schemas';
import type { SinkState } from '../delivery/sink-runner';
import type { LiveLearning } from './live-learning';
import type { LiveService } from './live-service';
import { readiness } from './readiness';
import type { PageCache } from './page-cache';
import type { SignalStream } from './signal-stream';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route answers without the token; every other route, and a request no route matched, needs it. */
    public?: boolean;
  }
}

/** The body of every error answer: the coded error's code and message. */
function errorBody(code: string, message: string) {
  return { error: { code, message } };
}

/** The 401 answer of a request without the right token. */
function unauthorized(reply: FastifyReply): FastifyReply {
  return reply.code(401).header('www-authenticate', 'Bearer').send(errorBody('ARGO_ERR_SERVICE_UNAUTHORIZED', 'this route needs Authorization: Bearer <token> (service.auth.tokenEnv)'));
}

/** A request validation failure as a user reads it: Fastify's message, with the query key that is not one. */
function validationMessage(error: Error & { validation?: unknown }): string {
  const unknown = (error.validation as { params?: { additionalProperty?: string } }[]).flatMap((v) => (v.params?.additionalProperty === undefined ? [] : [v.params.additionalProperty]));
  return unknown.length === 0 ? error.message : `${error.message}: ${unknown.map((key) => `"${key}"`).join(', ')}`;
}

/** What the API needs besides the service. */
export interface HttpApiParts {
  readonly access: ApiAccess;
  readonly stream: SignalStream;
  readonly metrics: Registry;
  /** Serialized signal pages, dropped whenever signals are stored (see {@link PageCache}). */
  readonly pages: PageCache;
  /** Outcomes, rolling figures and refits (GET /v1/outcomes, /v1/learning, POST /v1/learning/refit). */
  readonly learning: LiveLearning;
  /** Where each sink stands (GET /v1/sinks). */
  readonly sinks: () => Promise<SinkState[]>;
  /** Reloads the config file (POST /v1/reload, SIGHUP). */
  readonly reload: () => Promise<{ changed: boolean; configHash: string; consensusCacheInvalidated: boolean }>;
}

/** The dashboard page, in the package beside `dist/` (no build step: plain HTML and the Chart.js browser build). */
const DASHBOARD = path.join(__dirname, '..', '..', '..', 'static', 'dashboard.html');

/** The storage of `service`'s run, which `serve` checked can page. */
function pagingStorage(service: LiveService): Required<Pick<Storage, 'readSignalsAfter' | 'querySignals'>> {
  return service.run.storage as Required<Pick<Storage, 'readSignalsAfter' | 'querySignals'>>;
}

/** Builds the API of `service` (not yet listening). */
export async function buildHttpApi(service: LiveService, parts: HttpApiParts): Promise<FastifyInstance> {
  // Unknown query keys are refused, not silently dropped (Fastify's default removes them).
  // Ids up to the schema's 200 characters reach their route (Fastify's default stops at 100);
  // what the router itself refuses (a bad or too long URL) is answered coded, after the token check.
  const app = Fastify({
    logger: false,
    routerOptions: { maxParamLength: 200 },
    ajv: { customOptions: { removeAdditional: false } },
    frameworkErrors: (error, request, reply) => {
      if (!authorized(parts.access, request.headers.authorization)) return unauthorized(reply as FastifyReply);
      return (reply as FastifyReply).code(error.statusCode ?? 400).send(errorBody('ARGO_ERR_USAGE', `invalid request: ${error.message}`));
    },
  });
  // Pages of signals are JSON of 100+ KB; the event stream is hijacked and goes out as written.
  await app.register(compress, { global: true, encodings: ['br', 'gzip', 'deflate'] });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'argo-signals service', version: '1' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    },
  });
  app.addSchema(schemas.signalSchema);

  app.setErrorHandler((error: Error & { validation?: unknown; statusCode?: number }, _request, reply) => {
    if (error.validation !== undefined) return reply.code(400).send(errorBody('ARGO_ERR_USAGE', `invalid request: ${validationMessage(error)}`));
    if (isArgoError(error, 'ARGO_ERR_SERVICE_BUSY') || isArgoError(error, 'ARGO_ERR_SERVICE_CLOSED')) return reply.code(409).send(errorBody(error.code, error.message));
    if (isArgoError(error, 'ARGO_ERR_NOT_FOUND')) return reply.code(404).send(errorBody(error.code, error.message));
    if (isArgoError(error)) return reply.code(error.exitCode === 2 ? 400 : 500).send(errorBody(error.code, error.message));
    if (error.statusCode !== undefined && error.statusCode < 500) return reply.code(error.statusCode).send(errorBody('ARGO_ERR_USAGE', error.message));
    return reply.code(500).send(errorBody('ARGO_ERR_SERVICE_FAILED', error.message));
  });
  app.setNotFoundHandler((request, reply) => reply.code(404).send(errorBody('ARGO_ERR_NOT_FOUND', `no route ${request.method} ${request.url.split('?')[0]}`)));

  // Access is decided on the route the router matched (never on the raw URL, which may be
  // percent-encoded or absolute-form): closed unless the route is declared public.
  app.addHook('onRequest', async (request, reply) => {
    if (request.routeOptions.config?.public === true || authorized(parts.access, request.headers.authorization)) return;
    return unauthorized(reply);
  });

  const errors = { 400: schemas.errorSchema, 401: schemas.errorSchema };
  const secured = parts.access.token === null ? {} : { security: [{ bearer: [] }] };

  const open = { config: { public: true } };

  app.get('/healthz', { ...open, schema: { description: 'Liveness: 200 while the process answers.' } }, async () => ({ ok: true }));

  app.get('/readyz', { ...open, schema: { response: { 200: schemas.readyAnswer, 503: schemas.readyAnswer } } }, async (_request, reply) => {
    const answer = await readiness(service);
    return reply.code(answer.ready ? 200 : 503).send(answer);
  });

  app.get('/v1/signals', { schema: { ...secured, querystring: schemas.signalsQuery, response: { 200: schemas.signalsPage, ...errors } } }, async (request, reply) => {
    const { cursor, minConfidence, ...rest } = request.query as { symbol?: string; action?: Action; from?: string; to?: string; minConfidence?: string; limit: number; cursor?: string };
    const query = minConfidence === undefined ? rest : { ...rest, minConfidence: Number(minConfidence) };
    for (const key of ['from', 'to'] as const) if (query[key] !== undefined) assertIsoDate(query[key], key);
    if (query.from !== undefined && query.to !== undefined && query.from > query.to) {
      throw new ArgoError('ARGO_ERR_USAGE_DATE', `from ${query.from} is after to ${query.to}`);
    }
    const after = cursor === undefined ? 0 : Number(cursor);
    const body = await parts.pages.get(request.url, async () => {
      const page = await pagingStorage(service).readSignalsAfter(after, query);
      return { signals: page.map((item) => item.signal), next: String(page.at(-1)?.seq ?? after) };
    });
    return reply.type('application/json; charset=utf-8').send(body);
  });

  app.get('/v1/signals/:id', { schema: { ...secured, params: schemas.signalParams, response: { 200: { $ref: 'Signal#' }, 404: schemas.errorSchema, ...errors } } }, async (request) => {
    const { id } = request.params as { id: string };
    const [signal] = await pagingStorage(service).querySignals({ id, limit: 1 });
    if (signal === undefined) throw new ArgoError('ARGO_ERR_NOT_FOUND', `no signal with id ${JSON.stringify(id)}`);
    return signal;
  });

  app.get('/v1/stream', { schema: { ...secured, querystring: schemas.streamQuery, description: 'Server-Sent Events: `signal` (id: its sequence), `reasoning`, `cycle`. Send Last-Event-ID to resume.' } }, (request, reply) => {
    const header = request.headers['last-event-id'];
    const last = typeof header === 'string' && /^\d{1,15}$/.test(header) ? Number(header) : null;
    reply.hijack();
    parts.stream.join(reply.raw, last);
  });

  app.get('/v1/sources', { schema: { ...secured, response: { 200: schemas.sourcesAnswer, ...errors } } }, async () => ({ sources: service.run.sourceHealth() }));

  app.get('/v1/runs', { schema: { ...secured, querystring: schemas.runsQuery, response: { 200: schemas.runsAnswer, ...errors } } }, async (request) => {
    const { limit } = request.query as { limit: number };
    return { runs: (await service.run.storage.queryRuns()).slice(0, limit) };
  });

  app.get('/v1/cycles', { schema: { ...secured, querystring: schemas.cyclesQuery, response: { 200: schemas.cyclesAnswer, ...errors } } }, async (request) => {
    const { limit } = request.query as { limit: number };
    const reason = service.sessionClosed();
    return { counters: service.counters(), session: { open: reason === null, reason }, nextSlot: service.nextSlot(), cycles: service.history().slice(0, limit) };
  });

  app.post('/v1/cycles', { schema: { ...secured, response: { 200: schemas.cycleSchema, 409: schemas.errorSchema, ...errors } } }, async () => service.cycleNow('request'));

  app.get('/v1/shards', { schema: { ...secured, response: { 200: schemas.shardsAnswer, ...errors } } }, async () => {
    const runner = service.run.shards?.runner;
    return { runner: runner?.kind ?? null, ready: runner?.ready?.() ?? true, workers: (await runner?.liveWorkers?.()) ?? null, counts: service.run.stats.report().shards, failures: [...service.run.shardFailures] };
  });

  app.get('/v1/outcomes', { schema: { ...secured, querystring: schemas.outcomesQuery, response: { 200: schemas.outcomesAnswer, 501: schemas.errorSchema, ...errors } } }, async (request, reply) => {
    const storage = service.run.storage;
    const unavailable = parts.learning.state().unavailable;
    if (unavailable !== null || storage.queryOutcomes === undefined) return reply.code(501).send(errorBody('ARGO_ERR_OUTCOMES_UNAVAILABLE', unavailable ?? 'no outcomes'));
    const { symbol, from, to, limit } = request.query as { symbol?: string; from?: string; to?: string; limit: number };
    if (from !== undefined) assertIsoDate(from, 'from');
    if (to !== undefined) assertIsoDate(to, 'to');
    return { outcomes: await storage.queryOutcomes({ symbol, from, to, limit, horizon: service.run.config.values.learning.horizon }) };
  });
  app.get('/v1/learning', { schema: { ...secured, response: { 200: schemas.learningAnswer, ...errors } } }, async () => parts.learning.state());
  app.post('/v1/learning/refit', { schema: { ...secured, response: { 200: schemas.refitSchema, 501: schemas.errorSchema, ...errors } } }, async (_request, reply) => {
    const unavailable = parts.learning.state().unavailable;
    if (unavailable !== null) return reply.code(501).send(errorBody('ARGO_ERR_OUTCOMES_UNAVAILABLE', unavailable));
    return parts.learning.refitNow();
  });

  app.get('/v1/sinks', { schema: { ...secured, response: { 200: schemas.sinksAnswer, ...errors } } }, async () => ({ sinks: await parts.sinks() }));

  app.post('/v1/reload', { schema: { ...secured, response: { 200: schemas.reloadAnswer, 409: schemas.errorSchema, ...errors } } }, async () => parts.reload());

  app.get('/metrics', { config: { public: parts.access.metricsPublic }, schema: { description: 'Prometheus metrics (text exposition format); public with service.metrics.public.' } }, async (_request, reply) => reply.type(parts.metrics.contentType).send(await parts.metrics.metrics()));

  app.get('/docs/json', { ...open, schema: { hide: true } }, async () => app.swagger());

  const page = readFileSync(DASHBOARD, 'utf8');
  const chartJs = chartJsSource();
  app.get('/', { ...open, schema: { description: 'The dashboard page (HTML); the token goes in the fragment: /#token=…' } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get('/assets/chart.umd.min.js', { ...open, schema: { hide: true } }, async (_request, reply) => reply.type('text/javascript; charset=utf-8').header('cache-control', 'max-age=86400').send(chartJs));

  return app;
}
