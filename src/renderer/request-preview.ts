// What a delivery request looked like, rebuilt for the details panel and "Copy as curl". The
// window never holds the signing secret, so signatures are masked, never recomputed.

import type { DeliveryRecord } from '../shared/delivery';

/** Shown in place of every value derived from the secret. */
export const MASK = '••••••••';

export type Header = readonly [name: string, value: string];

/**
 * The headers the app sends with this record's body. With a secret set it signs twice: the
 * daemon's X-Pilot-Signature-256 and the Standard Webhooks trio (their values change per attempt).
 */
export function sentHeaders(secretSet: boolean): Header[] {
  const headers: Header[] = [['Content-Type', 'application/json']];
  if (secretSet) {
    headers.push(
      ['X-Pilot-Signature-256', MASK],
      ['webhook-id', '(set per attempt)'],
      ['webhook-timestamp', '(set per attempt)'],
      ['webhook-signature', `v1,${MASK}`],
    );
  }
  return headers;
}

/** POSIX shell single-quoting: safe for any text, including quotes and newlines. */
export function shellQuote(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * A curl command that replays the body unsigned: the secret is not in the window, and a
 * placeholder signature would only fail verification at the receiver.
 */
export function curlCommand(record: DeliveryRecord): string | null {
  if (record.url === null) return null;
  return [
    `curl -X POST ${shellQuote(record.url)}`,
    `-H ${shellQuote('Content-Type: application/json')}`,
    `--data-raw ${shellQuote(record.payload)}`,
  ].join(' \\\n  ');
}
