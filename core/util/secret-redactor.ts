/**
 * Keeps secrets out of everything argo-signals writes: logs, error messages, stored signals
 * and command output. A secret is registered when a plugin reads it from its context's `env`
 * (see {@link SecretRedactor.watch}); from then on every form in which it can come back (a
 * server echoing a trimmed, truncated, upper-cased, JSON-escaped, URL-encoded or base64 copy)
 * is found and replaced.
 */

/** What replaces a secret in any text. */
export const REDACTED = '[redacted]';

/** Shortest prefix of a secret that counts as the secret: shorter ones are too likely in ordinary text. */
export const MIN_SECRET_PREFIX = 8;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms of `secret` a server or a library may send back, each with its prefixes of at least {@link MIN_SECRET_PREFIX} characters. */
function variantsOf(secret: string): string[] {
  const trimmed = secret.trim();
  const forms = new Set([secret, trimmed, JSON.stringify(trimmed).slice(1, -1), encodeURIComponent(trimmed)]);
  const base64 = Buffer.from(trimmed).toString('base64');
  forms.add(base64).add(base64.replace(/=+$/, '')).add(Buffer.from(trimmed).toString('base64url'));
  const variants = new Set<string>();
  for (const form of forms) {
    if (form === '') continue;
    variants.add(form);
    for (let length = MIN_SECRET_PREFIX; length < form.length; length++) variants.add(form.slice(0, length));
  }
  return [...variants];
}

/** The secrets of one run (or one CLI invocation) and the redaction of every text that leaves it. */
export class SecretRedactor {
  readonly #secrets = new Set<string>();
  #pattern: RegExp | null = null;

  /** Registers a secret; a value of only whitespace is not one. */
  add(secret: string): void {
    if (secret.trim() === '' || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    // Longest first, so a whole key is replaced rather than its first eight characters.
    const variants = [...this.#secrets].flatMap(variantsOf).sort((a, b) => b.length - a.length);
    this.#pattern = new RegExp(variants.map(escapeRegExp).join('|'), 'gi');
  }

  /** True once any secret is registered. */
  get active(): boolean {
    return this.#pattern !== null;
  }

  /** `text` with every form of every secret replaced by {@link REDACTED}. */
  redact(text: string): string {
    if (this.#pattern === null) return text;
    return text.replace(this.#pattern, REDACTED);
  }

  /** True when `text` holds any form of a secret. */
  reveals(text: string): boolean {
    if (this.#pattern === null) return false;
    this.#pattern.lastIndex = 0;
    return this.#pattern.test(text);
  }

  /**
   * A view of `env` that registers every value read through it as a secret: plugins read
   * only secrets there (an API key, by the name an option gives), so whatever they read is
   * protected without their help.
   */
  watch(env: Readonly<Record<string, string | undefined>>): Readonly<Record<string, string | undefined>> {
    return new Proxy(env, {
      get: (target, name) => {
        const value = Reflect.get(target, name);
        if (typeof name === 'string' && typeof value === 'string') this.add(value);
        return value;
      },
    });
  }
}
