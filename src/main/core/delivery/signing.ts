// Request signing. Two schemes side by side, so receivers written for either verify us:
// - the daemon plugin's own: `X-Pilot-Signature-256: <lowercase hex HMAC-SHA256 of the body>`,
//   keyed with the secret string's UTF-8 bytes as Go's `[]byte(secret)`, no "sha256=" prefix;
// - Standard Webhooks (standardwebhooks.com): `webhook-id`, `webhook-timestamp`,
//   `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`.

import { createHmac, randomBytes } from 'node:crypto';

/** Header the daemon's plugin signs with (its WithSecret option). */
export const PILOT_SIGNATURE_HEADER = 'X-Pilot-Signature-256';

/** Standard Webhooks secrets are `whsec_` + base64 of the key bytes. */
export const STANDARD_SECRET_PREFIX = 'whsec_';

/** Key size of generated secrets: the SHA-256 output length, RFC 2104's minimum for HMAC keys. */
export const GENERATED_SECRET_BYTES = 32;

/** A new random secret in the Standard Webhooks form. */
export function generateSecret(): string {
  return STANDARD_SECRET_PREFIX + randomBytes(GENERATED_SECRET_BYTES).toString('base64');
}

/** The daemon plugin's signature: lowercase hex HMAC-SHA256 of the exact body bytes. */
export function pilotSignature(secret: string, body: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body, 'utf8').digest('hex');
}

/**
 * The Standard Webhooks key: the base64-decoded bytes after `whsec_` when the secret has that
 * prefix (what every Standard Webhooks library does with it), else the secret's UTF-8 bytes.
 */
export function standardKey(secret: string): Buffer {
  return secret.startsWith(STANDARD_SECRET_PREFIX)
    ? Buffer.from(secret.slice(STANDARD_SECRET_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

/** `v1,<base64 HMAC-SHA256 of "msgId.timestampSec.body">`. */
export function standardSignature(secret: string, msgId: string, timestampSec: number, body: string): string {
  const mac = createHmac('sha256', standardKey(secret)).update(`${msgId}.${timestampSec}.${body}`, 'utf8');
  return `v1,${mac.digest('base64')}`;
}

/** Every signing header for one attempt (the timestamp is the attempt's, the id the event's). */
export function signatureHeaders(
  secret: string,
  msgId: string,
  timestampSec: number,
  body: string,
): Record<string, string> {
  return {
    [PILOT_SIGNATURE_HEADER]: pilotSignature(secret, body),
    'webhook-id': msgId,
    'webhook-timestamp': String(timestampSec),
    'webhook-signature': standardSignature(secret, msgId, timestampSec, body),
  };
}

/** Characters of the secret a hint shows at the end. */
const HINT_TAIL = 4;
/** Below this length a tail would give away too much of the secret, so none is shown. */
const HINT_MIN_LENGTH = 16;

/** A masked form safe to show in the window: `whsec_…Ab3d` (the prefix only when present). */
export function secretHint(secret: string): string {
  const prefix = secret.startsWith(STANDARD_SECRET_PREFIX) ? STANDARD_SECRET_PREFIX : '';
  const tail = secret.length >= HINT_MIN_LENGTH ? secret.slice(-HINT_TAIL) : '';
  return `${prefix}…${tail}`;
}
