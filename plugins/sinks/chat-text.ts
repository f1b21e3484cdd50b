/** A signal as a person reads it in a chat: symbol, action, confidence (and probability), the levels, and the reasoning's first sentence. */
import type { SinkMessage } from '../../core/plugin-system/plugin-contracts';

/** The first sentence of `text` (at most 300 characters). */
function firstSentence(text: string): string {
  const end = text.search(/[.!?](\s|$)/);
  const sentence = end < 0 ? text : text.slice(0, end + 1);
  return sentence.length <= 300 ? sentence : `${sentence.slice(0, 299)}…`;
}

const price = (value: number) => (Math.abs(value) >= 1 ? value.toFixed(2) : value.toPrecision(4));

export function chatText(message: SinkMessage): string {
  const s = message.signal;
  const head = `${s.action} ${s.symbol} (${s.asOf})`;
  if (message.event === 'reasoning') return `Reasoning for ${head}: ${firstSentence(s.reasoning)}`;
  const probability = s.probability === undefined ? '' : `, probability ${(s.probability * 100).toFixed(0)}%`;
  return [`${head}: confidence ${s.confidence.toFixed(0)}%${probability}`, `entry ${price(s.entry)}, stop ${price(s.stop)}, target ${price(s.target)}`, firstSentence(s.reasoning)].join('\n');
}
