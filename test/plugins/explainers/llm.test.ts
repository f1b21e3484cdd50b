import { expect } from 'chai';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { ExplainRequest, Explainer } from '../../../core/plugin-system/plugin-contracts';
import { validateOptions } from '../../../core/plugin-system/plugin-loader';
import llm from '../../../plugins/explainers/llm';
import { argoErrorOf } from '../../helpers';

const KEY = 'sk-test-secret-0123456789';

const request: ExplainRequest = {
  symbol: 'AAPL',
  asOf: '2017-01-03',
  action: 'BUY',
  consensus: { direction: 'LONG', confidence: 82, contributions: { trend: 50 } },
  opinions: [{ source: 'trend', weight: 1.5, opinion: { direction: 'LONG', confidence: 90, features: { gapPct: 2.5 } } }],
  regime: 'trending-up',
  levels: { entry: 100, stop: 95, target: 110 },
};

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;

describe('llm explainer', () => {
  let server: Server;
  let handler: Handler;
  let requests: { headers: IncomingMessage['headers']; body: string }[];
  let logged: string;
  let baseUrl: string;

  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        requests.push({ headers: req.headers, body });
        handler(req, body, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    requests = [];
    logged = '';
  });

  function explainer(options: Record<string, unknown> = {}): Explainer {
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, done) => ((logged += chunk), done()) }));
    const validated = validateOptions(llm, { baseUrl, model: 'test-model', apiKeyEnv: 'TEST_LLM_KEY', retryBaseMs: 1, ...options }, 'reasoning.options');
    return llm.create({ options: validated, env: { TEST_LLM_KEY: KEY }, logger } as never) as Explainer;
  }

  const answer = (content: unknown) => JSON.stringify({ choices: [{ message: { role: 'assistant', content } }] });

  it('sends the model, the prompt and the key, and returns the answer', async () => {
    handler = (_req, _body, res) => res.end(answer(' Because the trend is up. '));
    expect(await explainer().explain(request)).to.equal('Because the trend is up.');
    expect(requests).to.have.length(1);
    expect(requests[0].headers.authorization).to.equal(`Bearer ${KEY}`);
    const sent = JSON.parse(requests[0].body);
    expect(sent.model).to.equal('test-model');
    expect(sent.messages[1].content).to.contain('BUY AAPL').and.contain('gapPct=2.500');
  });

  it('retries a 5xx with backoff and succeeds', async () => {
    let calls = 0;
    handler = (_req, _body, res) => {
      calls++;
      if (calls < 3) {
        res.statusCode = 503;
        res.end('overloaded');
      } else res.end(answer('third time'));
    };
    expect(await explainer({ retries: 2 }).explain(request)).to.equal('third time');
    expect(requests).to.have.length(3);
  });

  it('does not retry a 401, and never shows the key in the error or the log', async () => {
    handler = (_req, _body, res) => {
      res.statusCode = 401;
      res.end(`invalid key ${KEY}`);
    };
    const error = await Promise.resolve(explainer({ retries: 3 }).explain(request)).then(
      () => expect.fail('should reject'),
      (e: Error) => e,
    );
    expect(requests).to.have.length(1);
    expect(error.message).to.contain('HTTP 401').and.not.contain(KEY);
    expect(logged).to.not.contain(KEY);
  });

  it('times out a slow answer and gives up after its retries', async () => {
    handler = (_req, _body, res) => setTimeout(() => res.end(answer('too late')), 300);
    const error = await Promise.resolve(explainer({ timeoutMs: 50, retries: 1 }).explain(request)).then(
      () => expect.fail('should reject'),
      (e: Error) => e,
    );
    expect(error.message).to.contain('no answer within 50 ms');
    expect(requests).to.have.length(2);
    expect(logged).to.contain('retrying').and.not.contain(KEY);
  });

  it('rejects a malformed body', async () => {
    for (const body of ['not json', JSON.stringify({ choices: [] }), answer('')]) {
      handler = (_req, _body, res) => res.end(body);
      const error = await Promise.resolve(explainer({ retries: 0 }).explain(request)).then(
        () => expect.fail('should reject'),
        (e: Error) => e,
      );
      expect(error.message, body).to.contain('malformed answer');
    }
  });

  it('refuses to start without baseUrl or model', async () => {
    const error = await argoErrorOf(() => llm.create({ options: validateOptions(llm, {}, 'reasoning.options'), env: {} } as never));
    expect(error.code).to.equal('ARGO_ERR_PLUGIN_OPTIONS');
  });
});
