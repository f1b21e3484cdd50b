import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Connection } from '../../plugins/storage/sqlite/connection';
import { ROOT, runCli, runCliAsync, tempDir } from '../helpers';
import { json, readEvents, serve, type Serving } from './serving';

/** Twenty symbols and a low bar, so a cycle gives many signals. */
const MANY = ['data.symbols=' + Array.from({ length: 20 }, (_, i) => `S${String(i).padStart(2, '0')}`).join(','), 'consensus.minConfidence=1'];

async function stopped(service: Serving): Promise<number | null> {
  service.child.kill('SIGTERM');
  return service.exited;
}

describe('serve: the HTTP API', function () {
  this.timeout(120_000);

  describe('with a token (service.auth.tokenEnv)', () => {
    const TOKEN = 'tok-3f9a1c77e2b54d08';
    let service: Serving;
    before(async () => {
      service = await serve(tempDir(), ['service.schedule.every=1h', 'service.auth.tokenEnv=ARGO_TEST_TOKEN', 'log.level=info', 'storage.plugin=memory'], { env: { ARGO_TEST_TOKEN: TOKEN } });
    });
    after(async () => expect(await stopped(service)).to.equal(143));

    it('answers 401 (coded) without the token or with a wrong one, on /v1 routes and /metrics; health, readiness and the page stay open', async () => {
      for (const route of ['/v1/signals', '/v1/cycles', '/v1/sources', '/v1/runs', '/v1/stream', '/metrics']) {
        const missing = await json(`${service.url}${route}`);
        expect([missing.status, missing.body.error.code], route).to.deep.equal([401, 'ARGO_ERR_SERVICE_UNAUTHORIZED']);
        for (const authorization of [`Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, `Basic ${TOKEN}`]) {
          expect((await fetch(`${service.url}${route}`, { headers: { authorization } })).status, `${route} ${authorization}`).to.equal(401);
        }
      }
      expect((await fetch(`${service.url}/v1/cycles`, { method: 'POST' })).status).to.equal(401);
      for (const route of ['/healthz', '/readyz', '/']) expect((await fetch(`${service.url}${route}`)).status, route).to.equal(200);
    });

    it('answers with the token, and never logs it', async () => {
      const headers = { authorization: `Bearer ${TOKEN}` };
      expect((await json(`${service.url}/v1/cycles`, { method: 'POST', headers })).status).to.equal(200);
      expect((await json(`${service.url}/v1/signals`, { headers })).status).to.equal(200);
      expect((await fetch(`${service.url}/metrics`, { headers })).status).to.equal(200);
      expect(service.stderr()).to.contain('listening').and.not.contain(TOKEN.slice(0, 10));
    });
  });

  describe('access decided on the matched route, never on the raw URL', () => {
    const TOKEN = 'tok-7d1e9b0c4a2f8e63';
    let service: Serving;
    before(async () => {
      service = await serve(tempDir(), ['service.schedule.every=1h', 'service.auth.tokenEnv=ARGO_TEST_TOKEN', 'storage.plugin=memory'], { env: { ARGO_TEST_TOKEN: TOKEN } });
    });
    after(async () => expect(await stopped(service)).to.equal(143));

    /** The status of one raw request (the target sent as is: percent-encoded or absolute-form); the body is not read. */
    const status = (method: string, target: string, headers: Record<string, string> = {}) =>
      new Promise<number>((resolve, reject) => {
        const { hostname, port } = new URL(service.url);
        const request = httpRequest({ host: hostname, port, method, path: target, headers }, (response) => {
          resolve(response.statusCode!);
          response.destroy();
        });
        request.on('error', reject);
        request.end();
      });

    /** Spellings of `route` that a router may take for it: each segment's first letter percent-encoded, and the absolute form. */
    const variants = (route: string) => [
      ...route.split('/').flatMap((segment, i, all) =>
        segment === '' ? [] : [[...all.slice(0, i), `%${segment.charCodeAt(0).toString(16)}${segment.slice(1)}`, ...all.slice(i + 1)].join('/')],
      ),
      `${service.url}${route}`,
    ];

    it('answers 401 for every registered route in every spelling without the token, and the route itself with it (bearer in any case)', async () => {
      const documented = (await json(`${service.url}/docs/json`)).body.paths as Record<string, Record<string, unknown>>;
      const routes = Object.entries(documented)
        .filter(([route]) => !['/readyz', '/healthz', '/', '/metrics'].includes(route))
        .flatMap(([route, methods]) => Object.keys(methods).map((method) => [method.toUpperCase(), route.replace('{id}', 'nope')] as const));
      routes.push(['GET', '/metrics']);
      expect(routes.map(([method, route]) => `${method} ${route}`)).to.include.members(['GET /v1/signals', 'POST /v1/cycles', 'POST /v1/reload', 'GET /v1/stream', 'GET /v1/signals/nope', 'GET /metrics']);
      for (const [method, route] of routes) {
        for (const target of [route, ...variants(route)]) {
          expect(await status(method, target), `${method} ${target} without a token`).to.equal(401);
          expect(await status(method, target, { authorization: `Bearer ${TOKEN}x` }), `${method} ${target} with a wrong token`).to.equal(401);
        }
        if (method !== 'GET') continue;
        const plain = await status(method, route, { authorization: `bearer ${TOKEN}` });
        expect(plain, `GET ${route} with a lower-case bearer`).to.be.oneOf([200, 404]);
        for (const target of variants(route)) expect(await status(method, target, { authorization: `BEARER ${TOKEN}` }), `GET ${target}`).to.equal(plain);
      }
      for (const route of ['/healthz', '/readyz', '/', '/docs/json']) expect(await status('GET', route), route).to.be.oneOf([200, 503]);
      expect(await status('GET', '/v1/nothing-here'), 'an unknown route says nothing without the token').to.equal(401);
    });

    it('answers a 101-200 character id with a coded 404 after the token, and a longer one with a coded error, never before the token', async () => {
      for (const length of [101, 200, 300]) {
        const id = 'x'.repeat(length);
        expect(await status('GET', `/v1/signals/${id}`), `${length} without a token`).to.equal(401);
        const answer = await json(`${service.url}/v1/signals/${id}`, { headers: { authorization: `Bearer ${TOKEN}` } });
        expect(answer.body.error.code, `${length}`).to.match(/^ARGO_ERR_/);
        if (length <= 200) expect([answer.status, answer.body.error.code]).to.deep.equal([404, 'ARGO_ERR_NOT_FOUND']);
        else expect(answer.status).to.be.oneOf([400, 414]);
      }
    });
  });

  it('refuses to start with a token variable that is unset, naming it, and a public address without a token (exit 2)', () => {
    const unset = runCli(['serve', '--set', 'service.auth.tokenEnv=ARGO_NO_SUCH_TOKEN', '--set', 'storage.plugin=memory']);
    expect(unset.code).to.equal(2);
    expect(unset.stderr).to.contain('service.auth.tokenEnv').and.contain('ARGO_NO_SUCH_TOKEN');
    const open = runCli(['serve', '--set', 'service.host=0.0.0.0', '--set', 'storage.plugin=memory']);
    expect(open.code).to.equal(2);
    expect(open.stderr).to.contain('service.auth.tokenEnv').and.contain('service.allowUnauthenticated');
  });

  describe('routes', () => {
    let service: Serving;
    let dir: string;
    before(async () => {
      dir = tempDir();
      service = await serve(dir, ['service.schedule.every=1h', 'service.pageCache.ttlMs=200', ...MANY]);
    });
    after(async () => expect(await stopped(service)).to.equal(143));

    it('serves one signal by id (404 coded for an unknown one), filters by action and confidence, and refuses bad queries with 400', async () => {
      const cycle = await json(`${service.url}/v1/cycles`, { method: 'POST' });
      expect(cycle.body.signals).to.be.greaterThan(5);
      const { signals } = (await json(`${service.url}/v1/signals?limit=1000`)).body as { signals: { id: string; action: string; confidence: number }[] };
      expect(signals).to.have.length(cycle.body.signals);
      const one = await json(`${service.url}/v1/signals/${signals[0].id}`);
      expect(one.body).to.deep.equal(signals[0]);
      const unknown = await json(`${service.url}/v1/signals/no-such-id`);
      expect([unknown.status, unknown.body.error.code]).to.deep.equal([404, 'ARGO_ERR_NOT_FOUND']);
      const buys = (await json(`${service.url}/v1/signals?action=BUY&limit=1000`)).body.signals as { action: string }[];
      expect(buys.map((s) => s.action)).to.deep.equal(signals.filter((s) => s.action === 'BUY').map(() => 'BUY'));
      const median = [...signals].sort((a, b) => a.confidence - b.confidence)[Math.floor(signals.length / 2)].confidence;
      const confident = (await json(`${service.url}/v1/signals?minConfidence=${median}&limit=1000`)).body.signals as { id: string }[];
      expect(confident.map((s) => s.id)).to.deep.equal(signals.filter((s) => s.confidence >= median).map((s) => s.id));
      for (const query of ['minConfidence=101', 'minConfidence=Infinity', 'minConfidence=1e999', 'minConfidence=%20', 'minConfidence=-1', 'action=HOLD', 'limit=0', 'cursor=abc', 'unknown=1', 'symbol=../etc']) {
        const bad = await json(`${service.url}/v1/signals?${query}`);
        expect([bad.status, bad.body.error.code], query).to.deep.equal([400, 'ARGO_ERR_USAGE']);
      }
      for (const query of ['from=2020-02-30', 'to=2019-13-01']) {
        const bad = await json(`${service.url}/v1/signals?${query}`);
        expect([bad.status, bad.body.error.code], query).to.deep.equal([400, 'ARGO_ERR_USAGE_DATE']);
      }
      expect((await json(`${service.url}/v1/signals?minConfidence=100`)).status).to.equal(200);
      expect((await json(`${service.url}/v1/runs?limit=0`)).status).to.equal(400);
      expect((await json(`${service.url}/v1/runs?limit=1`)).body.runs.length).to.be.at.most(1);
    });

    it('reports each cycle\'s own statistics, per-source latency percentiles, and Prometheus metrics without a symbol label', async () => {
      await json(`${service.url}/v1/cycles`, { method: 'POST' });
      const { cycles, counters } = (await json(`${service.url}/v1/cycles`)).body;
      expect(counters.cycles).to.equal(cycles.length);
      const [newest, previous] = cycles;
      // Each record counts its own cycle: the same 20 symbols every time, not a running total.
      expect(newest.stats.symbolsEvaluated).to.equal(20);
      expect(previous.stats.symbolsEvaluated).to.equal(20);
      expect(newest.stats.cycles).to.equal(1);
      const sources = (await json(`${service.url}/v1/sources`)).body.sources as { latencyMs: { p50: number; p95: number } }[];
      for (const { latencyMs } of sources) expect(latencyMs.p95).to.be.at.least(latencyMs.p50).and.at.least(0);
      const metrics = await (await fetch(`${service.url}/metrics`)).text();
      for (const name of [
        'argo_cycle_duration_seconds_bucket',
        'argo_stage_duration_seconds_bucket{le="0.0005",stage="fetch"}',
        'argo_source_calls_total{source="trend",outcome="ok"}',
        'argo_signals_total{action=',
        'argo_cache_hits_total',
        'argo_storage_queue_depth 0',
        'argo_storage_batch_size_bucket',
        'argo_storage_commit_duration_seconds_count',
        'argo_storage_dead_letters_total 0',
        'argo_reasoning_pending 0',
        'argo_overruns_total 0',
        'argo_cycles_total{outcome="ok"} ' + counters.cycles,
      ]) {
        expect(metrics, name).to.contain(name);
      }
      expect(metrics).to.not.match(/symbol=/);
      for (const line of metrics.split('\n').filter((l) => l.startsWith('# TYPE') && l.endsWith(' counter'))) expect(line).to.match(/_total counter$/);
    });

    it('publishes an OpenAPI document built from the route schemas', async () => {
      const document = (await json(`${service.url}/docs/json`)).body;
      expect(document.openapi).to.equal('3.1.0');
      expect(Object.keys(document.paths)).to.include.members(['/v1/signals', '/v1/signals/{id}', '/v1/cycles', '/v1/sources', '/v1/runs', '/v1/stream', '/v1/reload', '/readyz', '/healthz', '/metrics', '/']);
      const parameters = (document.paths['/v1/signals'].get.parameters as { name: string }[]).map((p) => p.name);
      expect(parameters).to.include.members(['symbol', 'action', 'from', 'to', 'minConfidence', 'limit', 'cursor']);
    });

    it('pages with a cursor that neither skips nor repeats a signal while another process writes', async () => {
      const writer = spawn(process.execPath, [path.join(ROOT, 'bin', 'argo-signals.js'), 'replay', '--from', '2024-09-01', '--to', '2024-12-31', ...MANY.flatMap((s) => ['--set', s])], { cwd: dir });
      const writing = new Promise<number | null>((resolve) => writer.on('close', resolve));
      let done = false;
      void writing.then(() => (done = true));
      const seen: string[] = [];
      let cursor = '0';
      let pagesWhileWriting = 0;
      for (;;) {
        const finished = done;
        const page = (await json(`${service.url}/v1/signals?limit=37&cursor=${cursor}`)).body as { signals: { id: string }[]; next: string };
        seen.push(...page.signals.map((s) => s.id));
        cursor = page.next;
        if (!finished) pagesWhileWriting++;
        if (finished && page.signals.length === 0) {
          // An empty page may be one cached before the writer's last commit (service.pageCache.ttlMs): past it, one more look.
          await new Promise((resolve) => setTimeout(resolve, 300));
          const last = (await json(`${service.url}/v1/signals?limit=37&cursor=${cursor}`)).body as { signals: { id: string }[]; next: string };
          seen.push(...last.signals.map((s) => s.id));
          cursor = last.next;
          if (last.signals.length === 0) break;
        }
      }
      expect(await writing).to.equal(0);
      expect(pagesWhileWriting, 'pages read while the replay wrote').to.be.greaterThan(3);
      const reader = await Connection.open(path.join(dir, 'data', 'argo-signals.db'), 'readonly', 1000);
      const rows = await reader.all<{ id: string }>('SELECT id FROM signals ORDER BY rowid');
      await reader.close();
      expect(new Set(seen).size, 'no repeats').to.equal(seen.length);
      expect(seen, 'every stored signal, in write order').to.deep.equal(rows.map((r) => r.id));
    });
  });

  it('answers a page again from its cache only until its own cycle stores new signals', async () => {
    // A new trading day every millisecond of the run clock: every cycle finds new bars, so new signals.
    const service = await serve(tempDir(), ['service.schedule.every=1h', 'data.barEveryMs=1', ...MANY]);
    try {
      const page = () => json(`${service.url}/v1/signals?limit=10000`).then((r) => r.body.signals as { id: string }[]);
      await json(`${service.url}/v1/cycles`, { method: 'POST' });
      const first = await page();
      expect(await page(), 'served again').to.deep.equal(first);
      const cycle = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      expect(cycle.signals).to.be.greaterThan(0);
      const second = await page();
      expect(second.length, 'the new signals, at once: the cache was dropped when they were stored').to.be.greaterThan(first.length);
      expect(second.slice(0, first.length)).to.deep.equal(first);
    } finally {
      expect(await stopped(service)).to.equal(143);
    }
  });

  it('streams durable signals and cycles as Server-Sent Events, and resumes from storage with Last-Event-ID', async () => {
    const service = await serve(tempDir(), ['service.schedule.every=1h', ...MANY]);
    try {
      const live = await readEvents(`${service.url}/v1/stream`);
      const cycle = (await json(`${service.url}/v1/cycles`, { method: 'POST' })).body;
      await live.until((events) => events.some((e) => e.event === 'cycle'));
      const signals = live.events.filter((e) => e.event === 'signal');
      expect(signals).to.have.length(cycle.signals);
      expect(live.events.at(-1)!.data).to.include({ number: 1, signals: cycle.signals });
      const ids = signals.map((e) => Number(e.id));
      expect(ids).to.deep.equal([...ids].sort((a, b) => a - b));
      expect(new Set(signals.map((e) => e.data.id)).size).to.equal(signals.length);
      live.close();
      const resumed = await readEvents(`${service.url}/v1/stream`, { 'last-event-id': signals[2].id! });
      await resumed.until((events) => events.length >= signals.length - 3);
      expect(resumed.events.map((e) => [e.id, e.data.id])).to.deep.equal(signals.slice(3).map((e) => [e.id, e.data.id]));
      resumed.close();
      // An id this storage never reached (a restored database): said, with the newest id to go on from.
      const ahead = await readEvents(`${service.url}/v1/stream`, { 'last-event-id': '999999' });
      await ahead.until((events) => events.length >= 1);
      expect(ahead.events[0]).to.deep.include({ event: 'reset', id: signals.at(-1)!.id });
      expect(ahead.events[0].data).to.include({ lastEventId: 999999, newest: Number(signals.at(-1)!.id) });
      ahead.close();
    } finally {
      expect(await stopped(service)).to.equal(143);
    }
  });

  it('reloads its config on POST /v1/reload and SIGHUP; an invalid one is answered with its code and the running one kept', async () => {
    const dir = tempDir();
    const config = (weight: number, extra: Record<string, unknown> = {}) =>
      writeFileSync(
        path.join(dir, 'argo.json'),
        JSON.stringify({ sources: [{ name: 'trend', plugin: 'technical-trend', weight }, { name: 'momentum', plugin: 'technical-momentum', weight: 1 }], storage: { plugin: 'memory' }, ...extra }),
      );
    config(1);
    const service = await serve(dir, ['service.schedule.every=1h'], { args: ['--config', 'argo.json'] });
    try {
      await json(`${service.url}/v1/cycles`, { method: 'POST' });
      expect((await json(`${service.url}/v1/reload`, { method: 'POST' })).body).to.include({ changed: false, consensusCacheInvalidated: false });
      config(2);
      const reloaded = await json(`${service.url}/v1/reload`, { method: 'POST' });
      expect(reloaded.body).to.include({ changed: true, consensusCacheInvalidated: true });
      expect((await json(`${service.url}/v1/sources`)).body.sources.map((s: { weight: number }) => s.weight)).to.deep.equal([2, 1]);
      config(2, { consensus: { minConfidence: 'high' } });
      const invalid = await json(`${service.url}/v1/reload`, { method: 'POST' });
      expect(invalid.status).to.equal(400);
      expect(invalid.body.error.code).to.match(/^ARGO_ERR_CONFIG/);
      expect(invalid.body.error.message).to.contain('consensus.minConfidence');
      expect((await json(`${service.url}/v1/cycles`, { method: 'POST' })).body.error).to.equal(null);
      config(3, { log: { level: 'info' } });
      service.child.kill('SIGHUP');
      let counters: { reloads: number; cacheInvalidations: number } = { reloads: 0, cacheInvalidations: 0 };
      for (let tries = 0; tries < 200 && counters.reloads < 2; tries++) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        counters = (await json(`${service.url}/v1/cycles`)).body.counters;
      }
      expect(counters).to.include({ reloads: 2, cacheInvalidations: 2 });
      expect((await json(`${service.url}/v1/sources`)).body.sources[0].weight).to.equal(3);
      // The service's own settings are the process's: a reload that changes them is refused, naming them, and nothing changes.
      config(4, { log: { level: 'info' }, service: { auth: { tokenEnv: 'HOME' }, session: { calendar: 'nyse' } } });
      const refused = await json(`${service.url}/v1/reload`, { method: 'POST' });
      expect([refused.status, refused.body.error.code]).to.deep.equal([400, 'ARGO_ERR_SERVICE_RELOAD']);
      expect(refused.body.error.message).to.contain('service.auth.tokenEnv').and.contain('service.session.calendar').and.contain('restart');
      expect((await json(`${service.url}/v1/sources`)).body.sources[0].weight, 'the running config stays').to.equal(3);
    } finally {
      expect(await stopped(service)).to.equal(143);
    }
  });

  it('refuses at load a cron pattern that does not parse or never fires, and an unknown time zone; a port in use is exit 2 naming service.port', async () => {
    for (const [key, value, says] of [
      ['service.schedule.cron', '61 * * * *', 'minute'],
      ['service.schedule.cron', '0 0 30 2 *', 'never fires'],
      ['service.schedule.timezone', 'Mars/Olympus_Mons', 'IANA time zone'],
    ]) {
      const check = runCli(['config', 'check', '--no-build', '--set', `${key}=${value}`]);
      expect(check.code, `${key}=${value}`).to.equal(2);
      expect(check.stderr).to.contain('ARGO_ERR_CONFIG_INVALID').and.contain(key).and.contain(says);
      const served = runCli(['serve', '--set', `${key}=${value}`, '--set', 'storage.plugin=memory']);
      expect([served.code, served.stdout]).to.deep.equal([2, '']);
    }
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = taken.address() as AddressInfo;
      const served = await runCliAsync(['serve', '--set', `service.port=${port}`, '--set', 'storage.plugin=memory']);
      expect(served.code, served.stderr).to.equal(2);
      expect(served.stderr).to.contain('ARGO_ERR_CONFIG_INVALID').and.contain('service.port').and.contain('in use');
    } finally {
      taken.close();
    }
  });
});
