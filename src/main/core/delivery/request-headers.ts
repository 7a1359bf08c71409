// The request headers of one delivery: one builder for queued events and the test send alike, so
// what "Send test event" shows a receiver is what its real events get.

import { USER_AGENT } from '../../../shared/delivery';
import type { BodyShaper } from '../destinations/body-shaper';
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

  private shaper: BodyShaper | null = null;

  /** The destination's format (and extra headers) from the next attempt on; null = the payload as it is. */
  setShaper(shaper: BodyShaper | null): void {
    this.shaper = shaper;
  }

  /**
   * Body and headers of one attempt of a stored payload: shaped for the destination's format
   * when it has one (signed over the shaped body), else the payload as it is. Throws when the
   * format cannot render this event (a custom template failing on it).
   */
  async request(msgId: string, payload: string): Promise<{ body: string; headers: Record<string, string> }> {
    if (this.shaper === null) return { body: payload, headers: this.headers(msgId, payload) };
    const shaped = await this.shaper(payload);
    return { body: shaped.body, headers: { ...this.headers(msgId, shaped.body), ...shaped.headers } };
  }

  /**
   * The same request for another attempt of one turn: the attempt's own webhook-timestamp and the
   * Standard Webhooks signature over it (Standard Webhooks: the timestamp is the attempt's). The
   * id, the body and every other header stay as they were.
   */
  restamp(msgId: string, request: { body: string; headers: Record<string, string> }): { body: string; headers: Record<string, string> } {
    const fresh = this.headers(msgId, request.body);
    const headers: Record<string, string> = { ...request.headers, 'webhook-timestamp': fresh['webhook-timestamp']! };
    if (fresh['webhook-signature'] !== undefined) headers['webhook-signature'] = fresh['webhook-signature'];
    return { body: request.body, headers };
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
