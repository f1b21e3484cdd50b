/** `url` as it may be printed: its password, if any, replaced by REDACTED (a database or cache URL). */
export function urlWithoutPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = 'REDACTED';
    return parsed.toString();
  } catch {
    return '(an unparsable URL)';
  }
}
