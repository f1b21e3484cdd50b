import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { BarView } from '../../../core/domain/bar-view';
import type { Source } from '../../../core/plugin-system/plugin-contracts';
import { testContext } from '../../../core/testing/test-context';
import { syntheticBars } from '../../../plugins/market-data/synthetic-bars';
import { weekdaysEndingAt } from '../../../core/domain/weekdays';
import llmOpinion from '../../../plugins/sources/llm-opinion';
import { argoErrorOf, createRun, tempDir } from '../../helpers';

const KEY = 'sk-llm-opinion-3c9d1e7f5a';
const BARS = syntheticBars('ACME', 4, weekdaysEndingAt('2024-12-31', 120));
const VIEW = BarView.upTo({ symbol: 'ACME', bars: BARS, malformedRows: 0 }, 99);

type Reply = 'valid' | 'prose' | 'not-json' | 'bad-schema' | 'refusal' | '429' | 'hang' | 'no-json-schema' | 'echo-key' | 'echo-tail' | 'huge' | 'infinite';

/** An OpenAI-compatible chat-completions server answering each request as the next reply says (the last one repeats). */
async function chatServer(replies: Reply[]): Promise<{ url: string; bodies: any[]; close(): Promise<void> }> {
  const bodies: any[] = [];
  const server: Server = createServer((request, response) => {
    let raw = '';
    request.on('data', (chunk) => (raw += chunk));
    request.on('end', () => {
      const body = JSON.parse(raw);
      bodies.push({ ...body, authorization: request.headers.authorization });
      const reply = replies.length > 1 ? replies.shift()! : replies[0];
      const send = (status: number, value: unknown) => response.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      const message = (content: string | null, refusal: string | null = null) => send(200, { id: 'c', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content, refusal }, finish_reason: 'stop' }] });
      if (reply === 'hang') return;
      if (reply === '429') return send(429, { error: { message: 'rate limited' } });
      if (reply === 'no-json-schema') {
        if (body.response_format !== undefined) return send(400, { error: { message: "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model." } });
        return message('Here is my view: {"direction": "SHORT", "confidence": 64, "rationale": "below both averages"} Hope it helps.');
      }
      if (reply === 'valid') return message(JSON.stringify({ direction: 'LONG', confidence: 72.5, rationale: 'rising above its 20-bar average\non volume' }));
      if (reply === 'infinite') return message('{"direction": "LONG", "confidence": 1e999, "rationale": "sure"}');
      if (reply === 'huge') return message(JSON.stringify({ direction: 'LONG', confidence: 50, rationale: 'x'.repeat(2_000_000) }));
      const key = String(request.headers.authorization).replace(/^Bearer /, '');
      if (reply === 'echo-key') return message(JSON.stringify({ direction: 'LONG', confidence: 90, rationale: `authorized with ${key}, trend up` }));
      if (reply === 'echo-tail') return message(JSON.stringify({ direction: 'LONG', confidence: 90, rationale: `key ...${key.slice(5)} accepted` }));
      if (reply === 'prose') return message('Sure! {"direction": "NEUTRAL", "confidence": 40, "rationale": "mixed"}');
      if (reply === 'not-json') return message('I think it will go up.');
      if (reply === 'bad-schema') return message(JSON.stringify({ direction: 'UP', confidence: 140, rationale: 'x' }));
      return message(null, 'I cannot give financial advice.');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    bodies,
    close: () => new Promise((resolve) => (server.closeAllConnections(), server.close(() => resolve()))),
  };
}

async function source(url: string, options: Record<string, unknown> = {}, dir = tempDir()): Promise<Source> {
  return (await llmOpinion.create(
    testContext(llmOpinion, { options: { baseUrl: url, model: 'test-model', apiKeyEnv: 'TEST_LLM_KEY', retryBaseMs: 5, timeoutMs: 300, retries: 1, ...options }, env: { TEST_LLM_KEY: KEY }, dir }),
  )) as Source;
}

const ask = async (s: Source) => s.opinion({ symbol: 'ACME', asOf: VIEW.asOf, bars: VIEW, signal: new AbortController().signal });

/** One cycle of ACME with the trend source and an llm-opinion source "analyst" at `baseUrl` (and `values`): the analyst's outcome as its signal keeps it. */
async function analystOutcome(baseUrl: string, values: Record<string, unknown> = {}) {
  const run = await createRun({
    values: {
      symbols: ['ACME'],
      'consensus.minConfidence': 1,
      sources: [
        { name: 'trend', plugin: 'technical-trend' },
        { name: 'analyst', plugin: 'llm-opinion', options: { baseUrl, model: 'test-model', apiKeyEnv: 'TEST_LLM_KEY' } },
      ],
      ...values,
    },
    env: { TEST_LLM_KEY: KEY },
  });
  const { results } = await run.cycle();
  await run.close();
  return results[0].signal!.sources.find((o) => o.source === 'analyst')!;
}

describe('llm-opinion source', function () {
  this.timeout(30_000);

  it('asks with a JSON schema and a point-in-time summary, validates the answer and keeps the rationale on one line', async () => {
    const server = await chatServer(['valid']);
    try {
      const opinion = await ask(await source(server.url));
      expect(opinion).to.deep.equal({ direction: 'LONG', confidence: 72.5, rationale: 'rising above its 20-bar average on volume' });
      const [body] = server.bodies;
      expect(body.response_format.type).to.equal('json_schema');
      expect(body.response_format.json_schema.schema.required).to.deep.equal(['direction', 'confidence', 'rationale']);
      expect(body.authorization).to.equal(`Bearer ${KEY}`);
      const prompt = body.messages[1].content as string;
      expect(prompt).to.contain(`up to ${VIEW.asOf}`);
      // Point in time: no date after asOf, no price of a later bar.
      expect(prompt).to.not.contain(BARS[100].date).and.not.contain(BARS[119].close.toFixed(2));
    } finally {
      await server.close();
    }
  });

  it('falls back to asking in words when the server does not take response_format, and finds the JSON in prose', async () => {
    const server = await chatServer(['no-json-schema']);
    try {
      const s = await source(server.url);
      expect(await ask(s)).to.deep.equal({ direction: 'SHORT', confidence: 64, rationale: 'below both averages' });
      expect(server.bodies.map((b) => b.response_format === undefined)).to.deep.equal([false, true]);
      const later = await s.opinion({ symbol: 'ACME', asOf: '2024-01-01', bars: BarView.upTo({ symbol: 'ACME', bars: BARS, malformedRows: 0 }, 50), signal: new AbortController().signal });
      expect(later.direction).to.equal('SHORT');
      expect(server.bodies).to.have.length(3);
      expect(server.bodies[2].response_format, 'not asked again with a schema').to.equal(undefined);
    } finally {
      await server.close();
    }
  });

  it('falls back for every call in flight when the server refuses response_format, not only the first', async () => {
    const server = await chatServer(['no-json-schema']);
    try {
      const s = await source(server.url, { maxConcurrency: 4 });
      const views = [40, 50, 60, 70].map((end) => BarView.upTo({ symbol: 'ACME', bars: BARS, malformedRows: 0 }, end));
      const opinions = await Promise.all(views.map((bars) => s.opinion({ symbol: 'ACME', asOf: bars.asOf, bars, signal: new AbortController().signal })));
      expect(opinions.map((o) => o.direction)).to.deep.equal(['SHORT', 'SHORT', 'SHORT', 'SHORT']);
    } finally {
      await server.close();
    }
  });

  it('refuses an answer over maxBodyBytes, coded, without retrying it', async () => {
    const server = await chatServer(['huge']);
    try {
      const error = await argoErrorOf(async () => ask(await source(server.url, { maxBodyBytes: 100_000 })));
      expect(error.code).to.equal('ARGO_ERR_BODY_TOO_LARGE');
      expect(error.message).to.contain('options.maxBodyBytes').and.contain('100000');
      expect(server.bodies).to.have.length(1);
    } finally {
      await server.close();
    }
  });

  it('fails with its own code for a refusal, an answer without JSON and one that breaks the schema', async () => {
    for (const [reply, code] of [
      ['refusal', 'ARGO_ERR_SOURCE_REFUSED'],
      ['not-json', 'ARGO_ERR_SOURCE_INVALID_JSON'],
      ['bad-schema', 'ARGO_ERR_SOURCE_SCHEMA'],
      ['infinite', 'ARGO_ERR_SOURCE_SCHEMA'],
    ] as const) {
      const server = await chatServer([reply]);
      try {
        const s = await source(server.url);
        const error = await argoErrorOf(() => ask(s));
        expect(error.code, reply).to.equal(code);
        if (reply === 'infinite') expect(error.message).to.contain('confidence Infinity').and.not.contain('null');
        expect(error.message).to.not.contain(KEY);
      } finally {
        await server.close();
      }
    }
    const prose = await chatServer(['prose']);
    try {
      expect((await ask(await source(prose.url))).direction).to.equal('NEUTRAL');
    } finally {
      await prose.close();
    }
  });

  it('is recorded in a run as a failure of that source with its code, and the other sources still give the signal', async () => {
    const server = await chatServer(['refusal']);
    try {
      expect(await analystOutcome(server.url)).to.include({ ok: false, failure: 'error', code: 'ARGO_ERR_SOURCE_REFUSED' });
    } finally {
      await server.close();
    }
  });

  it('stores no credential with a signal when the server echoes the key in an error', async () => {
    const server: Server = createServer((request, response) => {
      request.resume();
      request.on('end', () => response.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message: `bad key ${request.headers.authorization}` } })));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const dir = tempDir();
    try {
      const outcome = await analystOutcome(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, { 'storage.plugin': 'sqlite', 'storage.path': path.join(dir, 'signals.db') });
      expect(outcome.ok).to.equal(false);
      expect(JSON.stringify(outcome)).to.contain('HTTP 400').and.not.contain(KEY);
      const files = readdirSync(dir).map((f) => readFileSync(path.join(dir, f)).toString('latin1')).join('');
      expect(files).to.not.contain(KEY).and.not.contain(KEY.slice(0, 12));
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('refuses a rationale that echoes the key, whole or without its first characters, and stores no piece of it', async () => {
    for (const reply of ['echo-key', 'echo-tail'] as const) {
      const server = await chatServer([reply]);
      const dir = tempDir();
      try {
        const error = await argoErrorOf(async () => ask(await source(server.url)));
        expect(error.code, reply).to.equal('ARGO_ERR_SOURCE_SECRET');
        expect(error.message).to.contain('TEST_LLM_KEY').and.not.contain(KEY.slice(5));
        const outcome = await analystOutcome(server.url, { 'storage.plugin': 'sqlite', 'storage.path': path.join(dir, 'signals.db') });
        expect(outcome).to.include({ ok: false, code: 'ARGO_ERR_SOURCE_SECRET' });
        const files = readdirSync(dir).map((f) => readFileSync(path.join(dir, f)).toString('latin1')).join('');
        expect(files, reply).to.not.contain(KEY.slice(5, 13));
      } finally {
        await server.close();
      }
    }
  });

  it('retries a 429, times out a request that hangs, and never puts the key in an error', async () => {
    const limited = await chatServer(['429', 'valid']);
    try {
      expect((await ask(await source(limited.url))).direction).to.equal('LONG');
      expect(limited.bodies).to.have.length(2);
    } finally {
      await limited.close();
    }
    const hanging = await chatServer(['hang']);
    try {
      const error = await ask(await source(hanging.url)).catch((e: Error) => e);
      expect((error as Error).message).to.contain('no answer within 300 ms').and.not.contain(KEY);
      expect(hanging.bodies).to.have.length(2);
    } finally {
      await hanging.close();
    }
  });

  it('answers the second run from its sqlite cache without a request', async () => {
    const server = await chatServer(['valid']);
    const dir = tempDir();
    try {
      const options = { cache: { store: 'sqlite', path: path.join('cache', 'opinions.db') } };
      const first = await source(server.url, options, dir);
      await ask(first);
      await first.close!();
      const second = await source(server.url, options, dir);
      expect((await ask(second)).direction).to.equal('LONG');
      await second.close!();
      expect(server.bodies).to.have.length(1);
      const otherModel = await source(server.url, { ...options, model: 'other-model' }, dir);
      await ask(otherModel);
      await otherModel.close!();
      expect(server.bodies, 'another model is another key').to.have.length(2);
    } finally {
      await server.close();
    }
  });
});
