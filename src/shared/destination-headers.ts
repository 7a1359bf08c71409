// Extra request headers a destination sends (an n8n "Header Auth" token, a Basic login, an API
// key). Names are checked against a deny list of headers the app itself must control; values are
// secrets: every answer shows them masked, and they never reach the log, an export or stderr.
// Pure.

/** At most this many extra headers per destination: auth needs one or two. */
export const MAX_EXTRA_HEADERS = 20;
/** Longest header value accepted (a long JWT fits; a body smuggled into a header does not). */
export const MAX_HEADER_VALUE_CHARS = 8192;
/** Longest header name accepted. */
export const MAX_HEADER_NAME_CHARS = 256;

/**
 * Headers the app sets or the HTTP layer owns: replacing them would break framing (Host,
 * Content-Length, Transfer-Encoding, Connection and their hop-by-hop kin), the body's type, or
 * the signatures a receiver verifies (the daemon's and Standard Webhooks'). Lower-case.
 */
export const DENIED_HEADER_NAMES: ReadonlySet<string> = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'expect',
  'content-type',
  'x-pilot-signature-256',
  'webhook-id',
  'webhook-timestamp',
  'webhook-signature',
]);

/** RFC 9110 token characters: what a header name may consist of. */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Visible ASCII, space and tab (obs-text is refused: clients disagree on its encoding). */
const FIELD_VALUE = /^[\t\x20-\x7e]*$/;

export type HeaderCheck = { ok: true; headers: Record<string, string> } | { ok: false; message: string; name?: string };

/** Checks a headers object from the user; answers the clean copy (names as typed, values trimmed). */
export function checkExtraHeaders(input: unknown): HeaderCheck {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    return { ok: false, message: 'headers must be an object such as {"Authorization": "Bearer …"}' };
  }
  const entries = Object.entries(input as Record<string, unknown>);
  if (entries.length > MAX_EXTRA_HEADERS) return { ok: false, message: `at most ${MAX_EXTRA_HEADERS} extra headers` };
  const seen = new Set<string>();
  const headers: Record<string, string> = {};
  for (const [name, value] of entries) {
    const lower = name.toLowerCase();
    if (name.length === 0 || name.length > MAX_HEADER_NAME_CHARS || !TOKEN.test(name)) {
      return { ok: false, name, message: `"${name.slice(0, 60)}" is not a valid header name (letters, digits and - only, as in X-Api-Key)` };
    }
    if (DENIED_HEADER_NAMES.has(lower)) {
      return { ok: false, name, message: `the header "${name}" is set by the app itself and cannot be replaced` };
    }
    if (seen.has(lower)) return { ok: false, name, message: `the header "${name}" is given twice` };
    seen.add(lower);
    if (typeof value !== 'string') return { ok: false, name, message: `the value of "${name}" must be a string` };
    const trimmed = value.trim();
    if (trimmed.length === 0) return { ok: false, name, message: `the value of "${name}" is empty` };
    if (trimmed.length > MAX_HEADER_VALUE_CHARS) return { ok: false, name, message: `the value of "${name}" is longer than ${MAX_HEADER_VALUE_CHARS} characters` };
    // A line break would start a header of the attacker's choosing (header injection).
    if (!FIELD_VALUE.test(trimmed)) return { ok: false, name, message: `the value of "${name}" may hold only printable ASCII characters (no line breaks)` };
    headers[name] = trimmed;
  }
  return { ok: true, headers };
}

/** Characters of a header value a hint shows at the end (none below the minimum length). */
const HINT_TAIL = 4;
const HINT_MIN_LENGTH = 16;

/**
 * A header value as answers show it: the auth scheme (`Bearer`, `Basic`) when there is one, then
 * an ellipsis and, for long values, the last four characters. Never enough to use.
 */
export function maskHeaderValue(value: string): string {
  const scheme = /^(Bearer|Basic|Token|Digest|ApiKey)\s+/i.exec(value);
  const rest = scheme ? value.slice(scheme[0].length) : value;
  const tail = rest.length >= HINT_MIN_LENGTH ? rest.slice(-HINT_TAIL) : '';
  return `${scheme ? `${scheme[1]} ` : ''}…${tail}`;
}

/** Every value masked; the names as they are. */
export function maskHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, maskHeaderValue(v)]));
}
