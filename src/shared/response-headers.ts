// The response headers an attempt keeps, for the details panel: what the receiver answered
// beside the status (Retry-After, its rate-limit headers, a request id to quote to its support).
// Bounded, because every attempt of every record carries them into the history; and values that
// may be credentials (a session cookie, a token the receiver hands back) are masked before they
// are ever stored, so they never reach the window, the history or an export. Pure.

/** At most this many headers per attempt: a webhook answer's useful ones are a handful. */
export const MAX_RESPONSE_HEADERS = 24;

/** A longer value is cut with an ellipsis: a header worth reading is short. */
export const MAX_RESPONSE_HEADER_VALUE_CHARS = 200;

/** What all kept names and values of one attempt may take together (as the body's snippet does). */
export const MAX_RESPONSE_HEADER_CHARS = 2048;

/** Written in place of a value that may be a credential. */
export const MASKED_HEADER_VALUE = '(hidden: may be a credential)';

/**
 * Names whose values may be credentials or session state: cookies, auth challenges' answers,
 * and any name that says token, secret, key, signature, session or password.
 */
const SECRET_NAME = /cookie|authori[sz]ation|token|secret|api[-_]?key|signature|session|password|credential/i;

export function isSecretHeaderName(name: string): boolean {
  return SECRET_NAME.test(name);
}

function oneValue(value: string | readonly string[]): string {
  return typeof value === 'string' ? value : value.join(', ');
}

/**
 * The kept headers of one answer, names lower-case, in the order received; undefined when there
 * were none. Headers beyond the bounds are left out and counted in a last `…` entry, so the panel
 * says something is missing rather than pretending it showed everything.
 */
export function keepResponseHeaders(
  headers: Readonly<Record<string, string | readonly string[] | undefined>>,
): Record<string, string> | undefined {
  // No prototype: a header named __proto__ is just a name here.
  const kept = Object.create(null) as Record<string, string>;
  let chars = 0;
  let count = 0;
  let left = 0;
  for (const [rawName, rawValue] of Object.entries(headers)) {
    if (rawValue === undefined) continue;
    const name = rawName.toLowerCase();
    let value = isSecretHeaderName(name) ? MASKED_HEADER_VALUE : oneValue(rawValue);
    if (value.length > MAX_RESPONSE_HEADER_VALUE_CHARS) value = `${value.slice(0, MAX_RESPONSE_HEADER_VALUE_CHARS - 1)}…`;
    if (count >= MAX_RESPONSE_HEADERS || chars + name.length + value.length > MAX_RESPONSE_HEADER_CHARS || Object.hasOwn(kept, name)) {
      left++;
      continue;
    }
    kept[name] = value;
    chars += name.length + value.length;
    count++;
  }
  if (left > 0) kept['…'] = `${left} more not kept`;
  return count > 0 || left > 0 ? kept : undefined;
}
