// Cutting text to a service's limits: by UTF-16 code units (what JavaScript and most JSON APIs
// count) or by UTF-8 bytes (what HTTP bodies and some services count), never mid-character. Pure.

/** Cuts a string to `max` characters (code units), ending in "…" when cut. */
export function truncate(s: string, max: number): string {
  if (s.length <= max) return s;
  if (max <= 1) return s.slice(0, max);
  // Never split a surrogate pair: a lone half is invalid UTF-16 that some services refuse.
  let end = max - 1;
  const code = s.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${s.slice(0, end)}…`;
}

/** UTF-8 length of a string (no TextEncoder in src/shared's language-only environment). */
export function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** Cuts to at most `max` UTF-8 bytes on a character boundary, ending in "…" when cut. */
export function truncateBytes(s: string, max: number): string {
  if (utf8Length(s) <= max) return s;
  let out = '';
  let n = 0;
  const room = max - 3; // "…" is 3 bytes
  for (const ch of s) {
    const len = utf8Length(ch);
    if (n + len > room) break;
    out += ch;
    n += len;
  }
  return `${out}…`;
}

