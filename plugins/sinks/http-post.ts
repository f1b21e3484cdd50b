/**
 * The POSTs of a sink, classified for its runner: 2xx delivered; 429 and 5xx retryable (after
 * `Retry-After` when given); any other status final; a timeout or connection error retryable.
 * The URL is named by its origin only: chat webhooks and bot APIs carry their token in the path.
 */
import type { Agent as HttpAgent, IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { SinkDeliveryError } from '../../core/errors/sink-delivery-error';
import { ArgoError, messageOf } from '../../core/errors/errors';
import { retryAfterMs } from '../../core/util/retry-wait';

/** `url` as errors and logs may show it: scheme, host and port, no path, query or credentials. */
export function urlOrigin(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return 'an invalid URL';
  }
}

/**
 * POSTs JSON to one URL over connections kept alive between messages (node:http, an agent of
 * its own); `close` ends them, so a command that delivered exits at once instead of waiting for
 * idle sockets to time out. Redirects are not followed: a 3xx is a refusal.
 */
export class JsonPoster {
  readonly #agent: HttpAgent;
  readonly #request: typeof httpRequest;

  constructor(
    private readonly url: string,
    private readonly who: string,
  ) {
    // Required here, not imported: every command loads the built-in plugins, few deliver (https alone is 0.7 MB of heap).
    const http = (url.startsWith('https:') ? require('node:https') : require('node:http')) as typeof import('node:https');
    this.#agent = new http.Agent({ keepAlive: true });
    this.#request = http.request;
  }

  /** POSTs `body`; resolves with the answer's text on a 2xx, else throws a SinkDeliveryError. */
  async post(body: string, headers: Record<string, string>, signal: AbortSignal): Promise<string> {
    const where = `${this.who}: ${urlOrigin(this.url)}`;
    let answer: { status: number; headers: IncomingHttpHeaders; text: string };
    try {
      answer = await new Promise((resolve, reject) => {
        const request = this.#request(this.url, { method: 'POST', agent: this.#agent, signal, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers } }, (response) => {
          let text = '';
          response.setEncoding('utf8');
          response.on('data', (chunk: string) => {
            if (text.length < MAX_ANSWER) text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, text }));
          response.on('error', reject);
        });
        request.on('error', reject);
        request.end(body);
      });
    } catch (error) {
      throw new SinkDeliveryError(`${where}: ${signal.aborted ? 'no answer in time' : `request failed: ${messageOf(error)}`}`, { retryable: true, cause: error });
    }
    if (answer.status >= 200 && answer.status < 300) return answer.text;
    const retryable = answer.status === 429 || answer.status >= 500;
    const excerpt = answer.text.slice(0, 200).replace(/\s+/g, ' ');
    const retryAfter = answer.headers['retry-after'];
    throw new SinkDeliveryError(`${where}: HTTP ${answer.status}${excerpt === '' ? '' : `: ${excerpt}`}${retryable ? '' : ' (refused: not retried)'}`, {
      retryable,
      retryAfterMs: retryAfterMs(typeof retryAfter === 'string' ? retryAfter : null) || bodyRetryAfterMs(answer.text),
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

/** The most of an answer's text kept (for the error excerpt and the retry wait). */
const MAX_ANSWER = 64 * 1024;

/** The wait a JSON error body asks for, as Discord (`retry_after`) and Telegram (`parameters.retry_after`) give it, in seconds; 0 without one. */
function bodyRetryAfterMs(text: string): number {
  try {
    const body = JSON.parse(text) as { retry_after?: unknown; parameters?: { retry_after?: unknown } };
    const seconds = Number(body.retry_after ?? body.parameters?.retry_after);
    return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 0;
  } catch {
    return 0;
  }
}

/** The value of the variable `name` of `env`, or a coded error naming the option and the variable (never its value). */
export function requiredEnv(env: Readonly<Record<string, string | undefined>>, name: string, option: string, plugin: string): string {
  const value = env[name]?.trim();
  if (value === undefined || value === '') {
    throw new ArgoError('ARGO_ERR_PLUGIN_OPTIONS', `sinks: ${plugin}.${option} names the variable ${name}, which is not set`);
  }
  return value;
}
