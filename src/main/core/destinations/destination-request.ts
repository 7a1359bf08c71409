// The request a destination sends for one body: the format's content type and headers, the app's
// identity and webhook-id, the signatures when the destination has a secret, and the user's extra
// headers last (their names were checked against the deny list when saved, so they cannot replace
// the framing or the signatures).

import { USER_AGENT } from '../../../shared/delivery';
import type { RenderedBody } from '../../../shared/formats/rendered';
import { signatureHeaders } from '../delivery/signing';
import type { SecretBundle } from './destination-secrets';

export function destinationHeaders(rendered: RenderedBody, bundle: SecretBundle, msgId: string, nowMs: number): Record<string, string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'content-type': rendered.contentType,
    'user-agent': USER_AGENT,
    'webhook-id': msgId,
    'webhook-timestamp': String(timestamp),
    ...rendered.headers,
    ...(bundle.secret ? signatureHeaders(bundle.secret, msgId, timestamp, rendered.body) : {}),
    ...bundle.headers,
  };
}
