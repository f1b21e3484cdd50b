/**
 * A reasoning text shared between signals through the cache must still be true of each one.
 * The words of a text depend on what its cache key holds (symbol, action, confidence bucket,
 * regime, each source's weight, direction and rank); its other numbers and its date do not. So a text is cached
 * as a template, each number of the request it quotes replaced by a slot naming that fact,
 * and rendered with the facts of every signal that reads it. A text quoting a number that is
 * no fact of its request, or one several facts could be, is not shared.
 */
import type { ExplainRequest } from '../plugin-system/plugin-contracts';
import { hashOf } from '../util/stable-hash';

/** Marks a template, so a cached plain text (an older version's, another writer's) is never rendered as one. */
const TEMPLATE = 'argo-template:1\n';
const DATE_SLOT = '{{asOf}}';
/** A number as texts write it: not part of a word or of a longer number; a sign kept with it. */
const NUMBER = /(?<![\w.])[+-]?\d+(?:\.\d+)?(?![\w]|\.\d)/g;
const SLOT = /\{\{(asOf|n):?([^}]*)\}\}/g;

/** Every number of `request` a text may quote, by fact name. */
function factsOf(request: ExplainRequest): Map<string, number> {
  const { entry, stop, target } = request.levels;
  const facts = new Map<string, number>([
    ['confidence', request.consensus.confidence],
    ['entry', entry],
    ['stop', stop],
    ['target', target],
    ['rewardRisk', Math.abs(target - entry) / Math.abs(entry - stop)],
    ['sources', request.opinions.length],
  ]);
  for (const [source, share] of Object.entries(request.consensus.contributions)) facts.set(`${source}.share`, share);
  for (const { source, opinion } of request.opinions) {
    facts.set(`${source}.confidence`, opinion.confidence);
    for (const [feature, value] of Object.entries(opinion.features ?? {})) facts.set(`${source}.${feature}`, value);
  }
  return facts;
}

function written(value: number, decimals: number, plus: boolean): string {
  const text = value.toFixed(decimals);
  return plus && value >= 0 ? `+${text}` : text;
}

/**
 * What a text may say in words: each source that answered, by strength of its contribution,
 * with its direction (and its rationale, if it gave one). Part of the cache key.
 */
export function wordingKey(request: ExplainRequest): string {
  const shares = request.consensus.contributions;
  return request.opinions
    .map(({ source, weight, opinion }) => ({ source, weight, opinion, strength: Math.abs(shares[source] ?? 0) }))
    .sort((a, b) => b.strength - a.strength || (a.source < b.source ? -1 : 1))
    .map(({ source, weight, opinion }) => `${source}:${weight}:${opinion.direction}${opinion.rationale === undefined ? '' : `:${hashOf(opinion.rationale, 8)}`}`)
    .join('>');
}

/**
 * `text` with the facts of `request` it quotes as slots, or null when it cannot be shared. A
 * number several facts (or a weight, which the key holds) read the same is slotted with every
 * reading: it renders only for a signal on which they still agree.
 */
export function templateOf(text: string, request: ExplainRequest): string | null {
  if (text.includes('{{')) return null;
  const facts = [...factsOf(request)];
  const weights = request.opinions.map((o) => o.weight);
  let unshareable = false;
  const slotted = text.replaceAll(request.asOf, DATE_SLOT).replace(NUMBER, (token) => {
    const plus = token.startsWith('+');
    const digits = token.replace(/^[+-]/, '');
    const decimals = digits.includes('.') ? digits.length - digits.indexOf('.') - 1 : 0;
    const readings = facts.filter(([, value]) => written(value, decimals, plus) === token).map(([name]) => name);
    const isWeight = weights.some((weight) => written(weight, decimals, plus) === token);
    if (readings.length === 0) {
      unshareable ||= !isWeight;
      return token;
    }
    return `{{n:${readings.join(',')}|${decimals}|${plus ? '+' : ''}|${isWeight ? token : ''}}}`;
  });
  // A date of the text that is not its signal's (a window's start, an earnings day) is no fact we can render.
  if (unshareable || /\d{4}-\d{2}-\d{2}/.test(slotted)) return null;
  return TEMPLATE + slotted;
}

/** `template` told of `request`, or undefined when it is no template or its facts do not read as it says on `request`. */
export function renderTemplate(template: string, request: ExplainRequest): string | undefined {
  if (!template.startsWith(TEMPLATE)) return undefined;
  const facts = factsOf(request);
  let untrue = false;
  const text = template.slice(TEMPLATE.length).replace(SLOT, (_, kind: string, spec: string) => {
    if (kind === 'asOf') return request.asOf;
    const [names, decimals, plus, literal] = spec.split('|');
    const readings = new Set(names.split(',').map((name) => (facts.has(name) ? written(facts.get(name)!, Number(decimals), plus === '+') : undefined)));
    if (literal !== '') readings.add(literal);
    const [reading] = readings;
    if (readings.size !== 1 || reading === undefined) untrue = true;
    return reading ?? '';
  });
  return untrue ? undefined : text;
}
