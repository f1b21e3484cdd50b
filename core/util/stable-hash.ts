import { hash } from 'node:crypto';
import stringify from 'safe-stable-stringify';

/** A short hex hash of `value` that does not depend on key order: ids and config hashes. */
export function hashOf(value: unknown, length = 16): string {
  return hashOfText(stringify(value) ?? 'undefined', length);
}

/** The hash {@link hashOf} gives a value whose stable JSON is `text`: a hot path that writes its keys in sorted order itself hashes with `JSON.stringify`. */
export function hashOfText(text: string, length = 16): string {
  // The one-shot hash: a Hash object per signal cost twice as much.
  return hash('sha256', text, 'hex').slice(0, length);
}
