// The request headers of one delivery: one builder for queued events and the test send alike, so
// what "Send test event" shows a receiver is what its real events get.

import { USER_AGENT } from '../../../shared/delivery';
import { signatureHeaders } from './signing';

/** Signs and identifies a destination's requests; the secret can change between attempts. */
export class RequestSigner {
  private secretValue: string | null;

  constructor(
    /** middle part of every webhook-id (`msg_<prefix>_<id>`): stable per outbox database */
    private readonly messageIdPrefix: string,
    secret: string | null,
    private readonly now: () => number,
  ) {
    this.secretValue = secret || null;
  }

  get secret(): string | null {
    return this.secretValue;
  }

  /** Signs from the next attempt on; null or '' stops signing. */
  setSecret(secret: string | null): void {
    this.secretValue = secret || null;
  }

  /** The webhook-id of an event: the same for each of its attempts, and across restarts. */
  messageId(eventId: number | string): string {
    return `msg_${this.messageIdPrefix}_${eventId}`;
  }

  /** Headers for one attempt of `body` under webhook-id `msgId` (timestamp: the attempt's). */
  headers(msgId: string, body: string): Record<string, string> {
    const timestamp = Math.floor(this.now() / 1000);
    return {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      // Sent unsigned too: a stable id per event lets any receiver drop duplicate retries.
      'webhook-id': msgId,
      'webhook-timestamp': String(timestamp),
      ...(this.secretValue ? signatureHeaders(this.secretValue, msgId, timestamp, body) : {}),
    };
  }
}
