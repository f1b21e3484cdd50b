import { createHash } from 'node:crypto';
import stringify from 'safe-stable-stringify';

/** A short hex hash of `value` that does not depend on key order: ids and config hashes. */
export function hashOf(value: unknown, length = 16): string {
  return createHash('sha256').update(stringify(value) ?? 'undefined').digest('hex').slice(0, length);
}
