/** A topic or subject from a template: `{symbol}`, `{action}` and `{event}` filled in from the message. */
import type { SinkMessage } from '../../core/plugin-system/plugin-contracts';

/** `template` with the message's fields; `token` makes a symbol safe as one level of the topic (NATS subjects split on dots). */
export function topicOf(template: string, message: SinkMessage, token: (part: string) => string = (part) => part): string {
  const fields: Record<string, string> = { symbol: message.signal.symbol, action: message.signal.action, event: message.event };
  return template.replace(/\{(symbol|action|event)\}/g, (_, name: string) => token(fields[name]));
}
