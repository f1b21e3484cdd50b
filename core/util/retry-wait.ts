/** How long to wait before trying again: what a server asked for (`Retry-After`), and jittered exponential backoff. */

/** How long `Retry-After` (seconds or an HTTP date) asks to wait, 0 without one. */
export function retryAfterMs(header: string | null, now = Date.now()): number {
  if (header === null || header.trim() === '') return 0;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const at = Date.parse(header);
  return Number.isNaN(at) ? 0 : Math.max(0, at - now);
}

/** The wait before retry number `retry` (0 for the first): `baseMs` doubled each time, jittered to 50-100% so retrying clients spread out; never before `retryAfter`. */
export function backoffMs(baseMs: number, retry: number, retryAfter = 0): number {
  return Math.max(retryAfter, baseMs * 2 ** retry * (0.5 + Math.random() / 2));
}
