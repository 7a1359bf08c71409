// What a delivery request looked like, rebuilt for the details panel and "Copy as curl". The
// window never holds the signing secret, so signatures are masked, never recomputed.

import { USER_AGENT, type DeliveryRecord } from '../shared/delivery';

/** Shown in place of every value derived from the secret. */
export const MASK = '••••••••';

export type Header = readonly [name: string, value: string];

/**
 * The headers the app sends with this record's body. webhook-id and webhook-timestamp go with
 * every request, signed or not (receivers drop duplicate retries by the id). With a secret set it
 * also signs twice: the daemon's X-Pilot-Signature-256 and Standard Webhooks' webhook-signature
 * (both change per attempt, as the timestamp does).
 */
export function sentHeaders(secretSet: boolean): Header[] {
  const headers: Header[] = [
    ['Content-Type', 'application/json'],
    ['User-Agent', USER_AGENT],
    ['webhook-id', '(one per event, the same on every attempt)'],
    ['webhook-timestamp', '(time of each attempt)'],
  ];
  if (secretSet) headers.push(['X-Pilot-Signature-256', MASK], ['webhook-signature', `v1,${MASK}`]);
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
