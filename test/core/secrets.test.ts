import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ExplainRequest, Explainer } from '../../core/plugin-system/plugin-contracts';
import { validateOptions } from '../../core/plugin-system/plugin-loader';
import { REDACTED, SecretRedactor } from '../../core/util/secret-redactor';
import llm from '../../plugins/explainers/llm';
import { ROOT, runCliAsync, tempDir, writeJson } from '../helpers';

/** 33 characters with a quote in it, given with the trailing whitespace a copied key often has. */
const KEY = 'sk-"q"-ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const KEY_IN_ENV = `${KEY} \n`;

/** The first of the key's forms whose first eight characters appear in `text` (any case), checked without the redactor under test. */
function leak(text: string): string | undefined {
  const forms = [KEY, JSON.stringify(KEY).slice(1, -1), Buffer.from(KEY).toString('base64'), encodeURIComponent(KEY)];
  const lower = text.toLowerCase();
  return forms.find((form) => lower.includes(form.slice(0, 8).toLowerCase()));
}

/** How the echo server repeats the Authorization header it got, by the first part of the path. */
const ECHOES: Record<string, (auth: string) => { status: number; body: string }> = {
  plain: (auth) => ({ status: 401, body: `invalid key ${auth}` }),
  truncated: (auth) => ({ status: 500, body: `${'x'.repeat(175)} key ${auth}` }),
  upper: (auth) => ({ status: 401, body: `INVALID KEY ${auth.toUpperCase()}` }),
  json: (auth) => ({ status: 400, body: JSON.stringify({ error: { message: `bad key ${auth}` } }) }),
  base64: (auth) => ({ status: 403, body: `key=${Buffer.from(auth.replace(/^Bearer /, '')).toString('base64')}` }),
  answer: (auth) => ({ status: 200, body: JSON.stringify({ choices: [{ message: { content: `The trend is up. (Authorized as ${auth}.)` } }] }) }),
};

const request: ExplainRequest = {
  symbol: 'AAPL',
  asOf: '2017-01-03',
  action: 'BUY',
  consensus: { direction: 'LONG', confidence: 82, contributions: { trend: 50 } },
  opinions: [{ source: 'trend', weight: 1.5, opinion: { direction: 'LONG', confidence: 90 } }],
  regime: 'trending-up',
  levels: { entry: 100, stop: 95, target: 110 },
};

describe('secrets', () => {
  it('redacts every form of a secret: whole, trimmed, any prefix of 8+ characters, any case, JSON-escaped, URL-encoded, base64', () => {
    const secrets = new SecretRedactor();
    expect(secrets.redact(`a ${KEY} b`)).to.equal(`a ${KEY} b`);
    secrets.add(KEY_IN_ENV);
    for (const form of [KEY, KEY.slice(0, 8), KEY.slice(0, 25), KEY.toUpperCase(), JSON.stringify(KEY), encodeURIComponent(KEY), Buffer.from(KEY).toString('base64')]) {
      const text = `before ${form} after`;
      expect(secrets.reveals(text), form).to.equal(true);
      const redacted = secrets.redact(text);
      expect(leak(redacted), `${form} -> ${redacted}`).to.equal(undefined);
      expect(redacted).to.contain(REDACTED).and.match(/^before .*after$/);
    }
    expect(secrets.reveals('sk-"q"- is seven characters of it')).to.equal(false);
    expect(secrets.redact('nothing secret here')).to.equal('nothing secret here');
  });

  it('redacts any run of 8+ characters of a secret (a key echoed without its first characters), widened to all of it that follows', () => {
    const secrets = new SecretRedactor();
    secrets.add(KEY_IN_ENV);
    for (const fragment of [KEY.slice(3), KEY.slice(-8), KEY.slice(10, 18), KEY.slice(5, 30).toLowerCase()]) {
      const redacted = secrets.redact(`the key was ${fragment}, thanks`);
      expect(redacted, fragment).to.equal(`the key was ${REDACTED}, thanks`);
    }
    expect(secrets.redact(`${KEY.slice(4, 11)} and ${KEY.slice(20, 27)}`), 'seven characters are not the secret').to.equal(`${KEY.slice(4, 11)} and ${KEY.slice(20, 27)}`);
    expect(secrets.redact(`x${KEY.slice(2, 12)}|${KEY.slice(15)}y`)).to.equal(`x${REDACTED}|${REDACTED}y`);
  });

  it('registers what a plugin reads through its context env, and only that', () => {
    const secrets = new SecretRedactor();
    const env = secrets.watch({ API_KEY: KEY, OTHER: 'not-read-by-anyone' });
    expect(secrets.active).to.equal(false);
    expect(env.API_KEY).to.equal(KEY);
    expect(secrets.reveals(KEY)).to.equal(true);
    expect(secrets.reveals('not-read-by-anyone')).to.equal(false);
  });

  describe('against a server that echoes the Authorization header', () => {
    let server: Server;
    let base: string;
    before(async () => {
      server = createServer((req, res) => {
        req.resume();
        req.on('end', () => {
          const echo = ECHOES[(req.url ?? '').split('/')[1]];
          const { status, body } = echo(String(req.headers.authorization ?? ''));
          res.statusCode = status;
          res.end(body);
        });
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('keeps the llm explainer\'s errors and log free of the key in every echo, even cut to 200 characters', async () => {
      for (const mode of ['plain', 'truncated', 'upper', 'json', 'base64']) {
        let logged = '';
        const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => ((logged += chunk), done()) }));
        const options = validateOptions(llm, { baseUrl: `${base}/${mode}/v1`, model: 'm', apiKeyEnv: 'K', retries: 1, retryBaseMs: 1 }, 'reasoning.options');
        const explainer = (await llm.create({ options, env: { K: KEY_IN_ENV }, logger } as never)) as Explainer;
        const error: Error = await Promise.resolve(explainer.explain(request)).then(() => expect.fail(`${mode} should reject`), (e: Error) => e);
        expect(error.message, mode).to.match(/HTTP (400|401|403|500)/);
        expect(leak(error.message), `${mode}: ${error.message}`).to.equal(undefined);
        expect(leak(logged), `${mode}: ${logged}`).to.equal(undefined);
      }
    });

    it('stores the fallback instead of an answer that echoes the key, counts it, and prints the key nowhere', async () => {
      const dir = tempDir();
      const db = path.join(dir, 'signals.db');
      const config = writeJson(dir, 'llm.json', {
        symbols: ['ACME', 'BOLT', 'CRUX', 'DYNE'],
        consensus: { minConfidence: 0 },
        reasoning: { explainer: 'llm', options: { baseUrl: `${base}/answer/v1`, model: 'm', apiKeyEnv: 'ARGO_TEST_KEY' } },
        storage: { path: db },
        log: { level: 'debug' },
      });
      const run = await runCliAsync(['run', '--config', config, '--json'], { env: { ARGO_TEST_KEY: KEY_IN_ENV } });
      expect(run.code, run.stderr).to.equal(0);
      const report = JSON.parse(run.stdout);
      expect(report.stats.signals).to.be.above(0);
      expect(report.stats.reasoning.secretsRefused).to.equal(report.stats.signals);
      expect(report.stats.reasoning.fallbacks).to.equal(report.stats.signals);
      expect(run.stderr).to.contain('ARGO_ERR_EXPLAINER_SECRET');
      const query = await runCliAsync(['signals', '--db', db, '--json']);
      expect(query.code).to.equal(0);
      const stored = JSON.parse(query.stdout) as { reasoning: string; reasoningStatus: string }[];
      expect(stored.map((s) => s.reasoningStatus)).to.deep.equal(stored.map(() => 'fallback'));
      for (const text of [run.stdout, run.stderr, query.stdout, readFileSync(db, 'latin1')]) expect(leak(text)).to.equal(undefined);
    });

    it('keeps a secret any plugin reads from ctx.env out of the log, the output and the stored signals', async () => {
      const dir = tempDir();
      const db = path.join(dir, 'signals.db');
      const leaky = path.join(ROOT, 'test', 'fixtures', 'plugins', 'leaky-source.js');
      const config = writeJson(dir, 'leaky.json', {
        symbols: ['ACME', 'BOLT', 'CRUX', 'DYNE'],
        consensus: { minConfidence: 0 },
        sources: [
          { name: 'trend', plugin: 'technical-trend' },
          { name: 'leaky', plugin: leaky, weight: 0.1 },
        ],
        storage: { path: db },
        log: { level: 'debug' },
      });
      const run = await runCliAsync(['run', '--config', config, '--json'], { env: { LEAKY_KEY: KEY_IN_ENV } });
      expect(run.code, run.stderr).to.equal(0);
      expect(run.stderr).to.contain('starting with key').and.contain(REDACTED);
      const query = await runCliAsync(['signals', '--db', db, '--json']);
      const stored = JSON.parse(query.stdout) as { sources: { source: string; message?: string }[] }[];
      expect(stored.length).to.be.above(0);
      const failures = stored.flatMap((s) => s.sources.filter((o) => o.source === 'leaky'));
      expect(failures.map((f) => f.message)).to.have.length(stored.length).and.satisfy((m: string[]) => m.every((t) => t.startsWith('upstream refused key [redacted]')));
      for (const text of [run.stdout, run.stderr, query.stdout, readFileSync(db, 'latin1')]) expect(leak(text)).to.equal(undefined);
    });
  });
});
