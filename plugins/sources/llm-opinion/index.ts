import KeyvSqlite from '@keyv/sqlite';
import Keyv from 'keyv';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Opinion } from '../../../core/domain/domain';
import { ArgoError, messageOf } from '../../../core/errors/errors';
import { PLUGIN_API_VERSION, defineSourcePlugin } from '../../../core/plugin-system/define-plugin';
import { ExpiringKeyv, lruKeyv } from '../../../core/util/expiring-keyv';
import { hashOf } from '../../../core/util/stable-hash';
import { CHAT_OPTIONS, ChatRefused, chatClient, type ChatOptions } from '../../llm/chat-client';
import { barSummary } from './bar-summary';

interface LlmOpinionOptions extends ChatOptions {
  systemPrompt: string;
  lookback: number;
  structuredOutput: boolean;
  cache: { store: 'memory' | 'sqlite'; path: string; maxEntries: number; ttlMs: number };
}

/** The answer asked for: what the JSON schema of `response_format` says. */
const OPINION_SCHEMA = {
  type: 'object',
  additionalProperties: false,
  required: ['direction', 'confidence', 'rationale'],
  properties: {
    direction: { type: 'string', enum: ['LONG', 'SHORT', 'NEUTRAL'] },
    confidence: { type: 'number', minimum: 0, maximum: 100 },
    rationale: { type: 'string', description: 'One line: why.' },
  },
} as const;

const INSTRUCTIONS =
  'Give your opinion on the next few days as a JSON object {"direction": "LONG" | "SHORT" | "NEUTRAL", "confidence": 0-100, "rationale": "one line"} and nothing else.';

const MAX_RATIONALE = 300;

/** The JSON object in `content`: the whole text, or failing that the span from its first `{` to its last `}` (servers without structured output wrap it in prose). */
function parseAnswer(content: string): unknown {
  try {
    return JSON.parse(content);
  } catch {
    const start = content.indexOf('{');
    const end = content.lastIndexOf('}');
    if (start >= 0 && end > start) {
      try {
        return JSON.parse(content.slice(start, end + 1));
      } catch {
        // falls through to the coded error
      }
    }
    throw new ArgoError('ARGO_ERR_SOURCE_INVALID_JSON', `the answer holds no JSON object: ${JSON.stringify(content.slice(0, 120))}`);
  }
}

/** The opinion in `value`, or ARGO_ERR_SOURCE_SCHEMA saying which field is wrong. */
function opinionOf(value: unknown): Opinion {
  const answer = (value ?? {}) as Record<string, unknown>;
  const violation = (what: string) => new ArgoError('ARGO_ERR_SOURCE_SCHEMA', `the answer breaks the opinion schema: ${what}`);
  if (!['LONG', 'SHORT', 'NEUTRAL'].includes(answer.direction as string)) throw violation(`direction ${JSON.stringify(answer.direction)} is not LONG, SHORT or NEUTRAL`);
  if (typeof answer.confidence !== 'number' || !(answer.confidence >= 0 && answer.confidence <= 100)) throw violation(`confidence ${typeof answer.confidence === 'number' ? String(answer.confidence) : JSON.stringify(answer.confidence)} is not a number in 0..100`);
  if (typeof answer.rationale !== 'string' || answer.rationale.trim() === '') throw violation('rationale is missing');
  const rationale = answer.rationale.replace(/\s+/g, ' ').trim().slice(0, MAX_RATIONALE);
  return { direction: answer.direction as Opinion['direction'], confidence: answer.confidence, rationale };
}

/**
 * A source that asks an OpenAI-compatible chat-completions endpoint (the `llm` explainer's
 * client: key from the environment, timeout, concurrency, retries) for an opinion on a
 * compact, point-in-time summary of the symbol's bars. It asks for JSON against a schema
 * (`response_format` json_schema) and, when the server does not take that (HTTP 400), asks in
 * words and finds the JSON in the text. Answers are cached by symbol, date, model and prompt.
 * A refusal, an answer without JSON and one that breaks the schema fail with their own codes.
 */
export default defineSourcePlugin<LlmOpinionOptions>({
  name: 'llm-opinion',
  version: '1.0.0',
  apiVersion: `^${PLUGIN_API_VERSION}`,
  description: 'An OpenAI-compatible chat model gives the opinion, as JSON against a schema, from a point-in-time summary of the bars; cached.',
  options: {
    ...CHAT_OPTIONS,
    systemPrompt: {
      doc: 'System message of every request.',
      format: String,
      default: 'You are a disciplined market analyst. You judge only from the figures given, and say NEUTRAL with low confidence when they are unclear.',
    },
    lookback: { doc: 'Bars summarised for the model (at most what is known at asOf).', format: 'nat', default: 60 },
    structuredOutput: { doc: 'Ask for JSON with response_format json_schema (a server that refuses it is asked in words from then on).', format: Boolean, default: true },
    cache: {
      store: { doc: 'Where answers are kept: memory (this run) or sqlite (across runs).', format: ['memory', 'sqlite'], default: 'memory' },
      path: { doc: 'The sqlite cache file, relative to the config file.', format: String, default: 'data/llm-opinions.db' },
      maxEntries: { doc: 'Answers kept in memory.', format: 'nat', default: 10_000 },
      ttlMs: { doc: 'How long an answer is served from the cache.', format: 'nat', default: 7 * 86_400_000 },
    },
  },
  async create({ options, env, logger, resolvePath, now, instanceName }) {
    if (options.baseUrl === '' || options.model === '') throw new ArgoError('ARGO_ERR_PLUGIN_OPTIONS', `sources (${instanceName}): llm-opinion needs options.baseUrl and options.model`);
    const client = chatClient(options, env, logger);
    let keyv: Keyv;
    if (options.cache.store === 'sqlite') {
      const file = resolvePath(options.cache.path);
      mkdirSync(path.dirname(file), { recursive: true });
      keyv = new Keyv({ store: new KeyvSqlite({ uri: `sqlite://${file}`, table: 'llm_opinions' }), namespace: 'llm-opinion' });
    } else {
      keyv = lruKeyv(options.cache.maxEntries, 'llm-opinion').keyv;
    }
    const cache = new ExpiringKeyv<Opinion>(keyv, options.cache.ttlMs, now);
    let structured = options.structuredOutput;

    const ask = async (user: string): Promise<Opinion> => {
      const messages = [
        { role: 'system' as const, content: options.systemPrompt },
        { role: 'user' as const, content: user },
      ];
      const format = { response_format: { type: 'json_schema', json_schema: { name: 'opinion', strict: true, schema: OPINION_SCHEMA } } };
      let answer;
      // What this call asked with: calls in flight together each learn of the refusal on their own.
      const asked = structured;
      try {
        answer = await client.complete(messages, asked ? format : {});
      } catch (error) {
        if (!(asked && error instanceof ChatRefused && error.status === 400)) throw error;
        if (structured) logger.warn({ status: error.status }, 'the server does not take response_format json_schema; asking for JSON in words from now on');
        structured = false;
        answer = await client.complete(messages);
      }
      if (answer.refusal !== null) throw new ArgoError('ARGO_ERR_SOURCE_REFUSED', `the model refused: ${answer.refusal.slice(0, 200)}`);
      const opinion = opinionOf(parseAnswer(answer.content ?? ''));
      // The explainer's rule: a text that echoes the key is refused, never stored or cached.
      if (client.reveals(opinion.rationale!)) throw new ArgoError('ARGO_ERR_SOURCE_SECRET', `llm-opinion (${client.url}): the model's rationale holds the API key (${options.apiKeyEnv}); the opinion is refused`);
      return opinion;
    };

    return {
      async opinion({ symbol, bars }) {
        const user = `${barSummary(symbol, bars, Math.max(2, options.lookback))}\n${INSTRUCTIONS}`;
        const key = `${symbol}|${bars.asOf}|${options.model}|${hashOf([options.systemPrompt, user])}`;
        const cached = await cache.get(key);
        if (cached !== undefined) return cached;
        try {
          const opinion = await ask(user);
          await cache.set(key, opinion);
          return opinion;
        } catch (error) {
          if (error instanceof ArgoError) throw error;
          throw new Error(`llm-opinion (${client.url}): ${messageOf(error)}`);
        }
      },
      close: () => keyv.disconnect(),
    };
  },
});
