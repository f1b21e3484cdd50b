/**
 * A short, escaped excerpt of untrusted text for an error message: never more than `max`
 * characters of it, and every character outside printable ASCII written as an escape, so a
 * binary or hostile file cannot put control bytes or a whole secret file into a terminal.
 */
export function excerpt(text: string, max = 40): string {
  const shown = [...text.slice(0, max)]
    .map((c) => {
      const code = c.codePointAt(0)!;
      if (c === '"' || c === '\\') return `\\${c}`;
      if (code >= 0x20 && code < 0x7f) return c;
      return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
    })
    .join('');
  return `"${shown}"${text.length > max ? '…' : ''}`;
}
