// What an attempt record keeps of the request it sent and the answer it got, against a real
// loopback receiver: the webhook-timestamp header the request really carried (the details panel
// shows it; the headers of one turn's attempts are built before the first one starts), and the
// answer's headers, bounded, with credential-like values masked before they are stored.
import { describe, expect, it } from 'vitest';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import type { AcceptedEvent } from '../../src/shared/events';
import { MASKED_HEADER_VALUE } from '../../src/shared/response-headers';
import { standardSignature } from '../../src/main/core/delivery/signing';
import { waitUntil } from '../fixtures/receiver';
import { useDispatcherHarness } from '../fixtures/dispatcher-harness';

const FAST = { timeoutMs: 2000, retryBackoffMs: 20, drainMs: 3000, circuitCooldownMs: 200 } as const;
const { receiver, dispatcher } = useDispatcherHarness(FAST);

function event(n: number): AcceptedEvent {
  return { event: 'tunnel.established', node_id: 42, timestamp: '2025-06-01T12:00:00Z', data: { n }, daemonEventId: 700 + n };
}

const settled = (rec: DeliveryRecord) => waitUntil(() => rec.outcome !== 'queued', `record ${rec.id} to settle`);

describe('attempt records', () => {
  it('keep the webhook-timestamp each request really carried: each attempt its own, signed over it', async () => {
    const rx = await receiver();
    rx.replyOnce({ status: 500 }, { status: 500 });
    // A clock that moves 7 s on every reading: an attempt's start second and the second its
    // headers were built in are far apart, so reading one for the other shows.
    let clock = Date.UTC(2026, 11, 1, 12, 0, 0);
    const { d } = dispatcher({ url: rx.url, secret: 'a-signing-secret', now: () => (clock += 7000) });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('delivered');
    expect(rec.attempts).toHaveLength(3);
    expect(rx.requests).toHaveLength(3);
    rec.attempts.forEach((a, i) => {
      expect(a.webhookTimestamp).toBe(String(rx.requests[i]!.headers['webhook-timestamp']));
    });
    // Each attempt carries its own timestamp (Standard Webhooks), signed over it: every request
    // verifies, and the id stays the event's.
    expect(new Set(rec.attempts.map((a) => a.webhookTimestamp)).size).toBe(3);
    for (const req of rx.requests) {
      const h = { 'webhook-id': String(req.headers['webhook-id']), 'webhook-timestamp': String(req.headers['webhook-timestamp']), 'webhook-signature': String(req.headers['webhook-signature']) };
      // The clock is far ahead of the verifier's: only the signature is checked here.
      expect(h['webhook-signature']).toBe(standardSignature('a-signing-secret', h['webhook-id'], Number(h['webhook-timestamp']), req.body));
      expect(req.headers['webhook-id']).toBe(rx.requests[0]!.headers['webhook-id']);
    }
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('keep the answer’s headers, masking values that may be credentials', async () => {
    const rx = await receiver({
      reply: {
        status: 429,
        body: 'slow down',
        headers: {
          'retry-after': '1',
          'x-request-id': 'req-8841',
          'set-cookie': 'session=SESSION-VALUE-NEVER-STORED; HttpOnly',
          'x-auth-token': 'TOKEN-VALUE-NEVER-STORED',
        },
      },
    });
    const { d } = dispatcher({ url: rx.url, maxAttempts: 1 });
    const rec = d.submit(event(2), 'daemon');
    await settled(rec);
    const headers = rec.attempts[0]!.responseHeaders!;
    expect(headers['retry-after']).toBe('1');
    expect(headers['x-request-id']).toBe('req-8841');
    expect(headers['set-cookie']).toBe(MASKED_HEADER_VALUE);
    expect(headers['x-auth-token']).toBe(MASKED_HEADER_VALUE);
    expect(JSON.stringify(rec)).not.toMatch(/NEVER-STORED/);
    expect(unaccounted(d.stats())).toBe(0);
  });
});
