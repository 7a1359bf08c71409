// What a delivery request looked like, rebuilt for the details panel and "Copy as curl": the real
// webhook-id of the record and the timestamp of each attempt. The window never holds the signing
// secret, so signatures are masked, never recomputed.

import { USER_AGENT, type AttemptRecord, type DeliveryRecord } from '../shared/delivery';
import { hasUnsafeChars, safeText } from '../shared/safe-text';

/** Shown in place of every value derived from the secret. */
export const MASK = '••••••••';

export type Header = readonly [name: string, value: string];

/** Shown for a header value an older record did not keep. */
export const NOT_RECORDED = '(not recorded for this older entry)';

/**
 * The headers the app sends with this record's body. webhook-id and webhook-timestamp go with
 * every request, signed or not (receivers drop duplicate retries by the id). With a secret set it
 * also signs twice: the daemon's X-Pilot-Signature-256 and Standard Webhooks' webhook-signature
 * (both change per attempt, as the timestamp does). The timestamp is the value the attempt
 * really carried, as the sender recorded it (it is read when the request is built, which may be a
 * second before the attempt starts), never one worked out here.
 */
export function sentHeaders(secretSet: boolean, record?: DeliveryRecord, attempt?: AttemptRecord): Header[] {
  const headers: Header[] = [
    ['Content-Type', 'application/json'],
    ['User-Agent', USER_AGENT],
    ['webhook-id', record?.webhookId ?? '(one per event, the same on every attempt)'],
    ['webhook-timestamp', attempt === undefined ? '(time of each attempt)' : (attempt.webhookTimestamp ?? NOT_RECORDED)],
  ];
  if (secretSet) headers.push(['X-Pilot-Signature-256', MASK], ['webhook-signature', `v1,${MASK}`]);
  return headers;
}

/** A UTF-8 byte escape for bash's $'…' quoting: the exact bytes, none of them raw in the text. */
function byteEscape(char: string): string {
  return [...new TextEncoder().encode(char)].map((b) => `\\x${b.toString(16).padStart(2, '0')}`).join('');
}

/**
 * Quotes text for a shell. Plain text: POSIX single quotes, safe for any character. Text with a
 * bidi or control character (newlines too): bash/zsh `$'…'`, with each such character written as
 * its UTF-8 bytes (`\xe2\x80\xae`), so the command carries the exact bytes when run, yet what is
 * pasted and shown holds nothing a terminal or the eye would act on.
 */
export function shellQuote(text: string): string {
  if (!hasUnsafeChars(text)) return `'${text.replace(/'/g, `'\\''`)}'`;
  const inner = safeText(text.replace(/\\/g, '\\\\').replace(/'/g, "\\'"), { escape: byteEscape });
  return `$'${inner}'`;
}

/**
 * A curl command that replays the body unsigned: the secret is not in the window, and a
 * placeholder signature would only fail verification at the receiver.
 */
export function curlCommand(record: DeliveryRecord, shaped?: { body: string; contentType: string }): string | null {
  if (record.url === null) return null;
  // A chat or custom destination's format shaped the body it sent: the command sends that body
  // (its extra headers are secrets the window does not hold, so they are left out too).
  return [
    `curl -X POST ${shellQuote(record.url)}`,
    `-H ${shellQuote(`Content-Type: ${shaped?.contentType ?? 'application/json'}`)}`,
    `-H ${shellQuote(`User-Agent: ${USER_AGENT}`)}`,
    `--data-raw ${shellQuote(shaped?.body ?? record.payload)}`,
  ].join(' \\\n  ');
}
