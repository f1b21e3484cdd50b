/**
 * Keeps secrets out of everything argo-signals writes: logs, error messages, stored signals
 * and command output. A secret is registered when a plugin reads it from its context's `env`
 * (see {@link SecretRedactor.watch}); from then on every form in which it can come back (a
 * server echoing a trimmed, upper-cased, JSON-escaped, URL-encoded or base64 copy, or any run of
 * eight or more of its characters)
 * is found and replaced.
 */

/** What replaces a secret in any text. */
export const REDACTED = '[redacted]';

/**
 * Shortest fragment of a secret that counts as the secret (a prefix, a suffix or any run of
 * it): shorter ones are too likely in ordinary text.
 */
export const MIN_SECRET_FRAGMENT = 8;

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The forms of `secret` a server or a library may send back, lower-cased (matching ignores case). */
function formsOf(secret: string): string[] {
  const trimmed = secret.trim();
  const forms = new Set([secret, trimmed, JSON.stringify(trimmed).slice(1, -1), encodeURIComponent(trimmed)]);
  const base64 = Buffer.from(trimmed).toString('base64');
  forms.add(base64).add(base64.replace(/=+$/, '')).add(Buffer.from(trimmed).toString('base64url'));
  forms.delete('');
  return [...forms].map((form) => form.toLowerCase());
}

/** What the pattern looks for in a form: the whole form, and each of its runs of {@link MIN_SECRET_FRAGMENT} characters (a match is then widened to all of the secret that follows). */
function needlesOf(form: string): string[] {
  const needles = [form];
  for (let start = 0; start + MIN_SECRET_FRAGMENT <= form.length; start++) needles.push(form.slice(start, start + MIN_SECRET_FRAGMENT));
  return needles;
}

/** The secrets of one run (or one CLI invocation) and the redaction of every text that leaves it. */
export class SecretRedactor {
  readonly #secrets = new Set<string>();
  #forms: string[] = [];
  #pattern: RegExp | null = null;

  /** Registers a secret; a value of only whitespace is not one. */
  add(secret: string): void {
    if (secret.trim() === '' || this.#secrets.has(secret)) return;
    this.#secrets.add(secret);
    this.#forms = [...new Set([...this.#secrets].flatMap(formsOf))];
    // Longest first, so a whole key is replaced rather than one of its fragments.
    const needles = [...new Set(this.#forms.flatMap(needlesOf))].sort((a, b) => b.length - a.length);
    this.#pattern = new RegExp(needles.map(escapeRegExp).join('|'), 'gi');
  }

  /** True once any secret is registered. */
  get active(): boolean {
    return this.#pattern !== null;
  }

  /** `text` with every form of every secret replaced by {@link REDACTED}. */
  redact(text: string): string {
    const pattern = this.#pattern;
    if (pattern === null) return text;
    let lower: string | undefined;
    let redacted = '';
    let from = 0;
    pattern.lastIndex = 0;
    for (let match; (match = pattern.exec(text)) !== null; ) {
      lower ??= text.toLowerCase();
      // A fragment found is widened to as much of the secret as follows it, so no tail is left.
      let end = match.index + match[0].length;
      while (end < text.length && this.#forms.some((form) => form.includes(lower!.slice(match!.index, end + 1)))) end++;
      redacted += text.slice(from, match.index) + REDACTED;
      from = end;
      pattern.lastIndex = end;
    }
    return from === 0 ? text : redacted + text.slice(from);
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
