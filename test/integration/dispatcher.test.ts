// The delivery semantics table (docs/architecture.md, "Delivery"), row by row, against real receivers on
// loopback. Every test ends with the accounting invariant.
import { describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { RESPONSE_SNIPPET_BYTES, unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import type { AcceptedEvent } from '../../src/shared/events';
import { refusedUrl, waitUntil } from '../fixtures/receiver';
import { useDispatcherHarness } from '../fixtures/dispatcher-harness';

/** Small timings so the suite stays fast; the defaults are checked in the unit tests. */
// Generous per-attempt and drain limits (a loaded machine must not turn a 200 into a timeout);
// the tests about timeouts and drains set their own small ones.
const FAST = { timeoutMs: 2000, retryBackoffMs: 20, drainMs: 3000, circuitCooldownMs: 200 } as const;

const { cleanup, receiver, dispatcher } = useDispatcherHarness(FAST);

function event(n: number): AcceptedEvent {
  return { event: 'tunnel.established', node_id: 42, timestamp: '2025-06-01T12:00:00Z', data: { n }, daemonEventId: 900 + n };
}

const settled = (rec: DeliveryRecord) => waitUntil(() => rec.outcome !== 'queued', `record ${rec.id} to settle`);

describe('Dispatcher delivery semantics', () => {
  it('2xx: delivered once, exact body shape and headers', async () => {
    const rx = await receiver();
    const { d } = dispatcher({ url: rx.url });
    const rec = d.submit(event(1), 'daemon');
    expect(rec.outcome).toBe('queued');
    await settled(rec);
    expect(rec.outcome).toBe('delivered');
    expect(rec.detail).toBe('delivered: HTTP 200');
    expect(rec.attempts).toHaveLength(1);
    expect(rec.attempts[0]).toMatchObject({ status: 200 });
    expect(rec.attempts[0]!.error).toBeUndefined();
    expect(rec.daemonEventId).toBe(901);
    expect(rx.requests).toHaveLength(1);
    const req = rx.requests[0]!;
    expect(req.method).toBe('POST');
    expect(req.headers['content-type']).toBe('application/json');
    // The daemon's fields in the daemon's order, with the app's own event_id (= log id).
    expect(req.body).toBe(
      `{"event_id":${rec.id},"event":"tunnel.established","node_id":42,"timestamp":"2025-06-01T12:00:00Z","data":{"n":1}}`,
    );
    expect(req.body).toBe(rec.payload);
    expect(req.headers['webhook-id']).toMatch(new RegExp(`^msg_[0-9a-f]+_${rec.id}$`));
    expect(req.headers['x-pilot-signature-256']).toBeUndefined();
    expect(d.stats()).toMatchObject({ received: 1, delivered: 1, queued: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('event_id is the monotonic log id, events go out in order', async () => {
    const rx = await receiver();
    const { d } = dispatcher({ url: rx.url });
    const recs = [1, 2, 3, 4, 5].map((n) => d.submit(event(n), 'daemon'));
    await rx.waitForRequests(5);
    await Promise.all(recs.map(settled));
    const ids = rx.requests.map((r) => (r.json() as { event_id: number }).event_id);
    expect(ids).toEqual(recs.map((r) => r.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(5);
    expect(rx.requests.map((r) => (r.json() as { data: { n: number } }).data.n)).toEqual([1, 2, 3, 4, 5]);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('3xx: not followed, recorded with its Location, not retried, not counted by the breaker', async () => {
    const elsewhere = await receiver();
    const rx = await receiver({ reply: { status: 302, headers: { location: elsewhere.url } } });
    const { d } = dispatcher({ url: rx.url });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('redirect');
    expect(rec.attempts).toHaveLength(1);
    expect(rec.attempts[0]).toMatchObject({ status: 302, error: 'redirect', location: elsewhere.url });
    expect(rec.detail).toBe(`redirect to ${elsewhere.url} not followed (HTTP 302)`);
    expect(rx.requests).toHaveLength(1);
    expect(elsewhere.requests).toHaveLength(0);
    expect(d.breaker().consecutiveFailures).toBe(0);
    expect(d.stats()).toMatchObject({ failed: 1, delivered: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('4xx: permanent, one attempt, not counted by the breaker', async () => {
    const rx = await receiver({ reply: { status: 404, body: 'no such hook' } });
    const { d } = dispatcher({ url: rx.url, circuitThreshold: 2 });
    const recs = [1, 2, 3].map((n) => d.submit(event(n), 'daemon'));
    await Promise.all(recs.map(settled));
    for (const rec of recs) {
      expect(rec.outcome).toBe('client_error');
      expect(rec.attempts).toHaveLength(1);
      expect(rec.attempts[0]).toMatchObject({ status: 404, error: 'http', responseSnippet: 'no such hook' });
      expect(rec.detail).toBe('HTTP 404: refused by the receiver, not retried');
    }
    expect(rx.requests).toHaveLength(3);
    expect(d.breaker()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(d.stats().failed).toBe(3);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('429 is retried honouring Retry-After (seconds)', async () => {
    const rx = await receiver();
    rx.replyOnce({ status: 429, headers: { 'retry-after': '1' } });
    const { d } = dispatcher({ url: rx.url });
    const rec = d.submit(event(1), 'daemon');
    await waitUntil(() => rec.outcome !== 'queued', 'retry', 4000);
    expect(rec.outcome).toBe('delivered');
    expect(rec.detail).toBe('delivered: HTTP 200 on attempt 2');
    const [first, second] = rec.attempts;
    expect(first).toMatchObject({ status: 429, error: 'http' });
    // Retry-After 1 s beats the 20 ms backoff.
    expect(second!.startedAt - (first!.startedAt + first!.durationMs)).toBeGreaterThanOrEqual(995);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('408 is retried; still 408/429 at the end is failed but not counted by the breaker', async () => {
    const rx = await receiver({ reply: { status: 408 } });
    const { d } = dispatcher({ url: rx.url, circuitThreshold: 1 });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('failed');
    expect(rec.attempts.map((a) => a.status)).toEqual([408, 408, 408]);
    expect(rec.detail).toBe('HTTP 408 after 3 attempts');
    expect(d.breaker()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('5xx: retried with doubling backoff, then failed and counted by the breaker', async () => {
    const rx = await receiver({ reply: { status: 503, body: 'down for maintenance' } });
    const { d } = dispatcher({ url: rx.url, retryBackoffMs: 60 });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('failed');
    expect(rec.detail).toBe('HTTP 503 after 3 attempts');
    expect(rx.requests).toHaveLength(3);
    const gaps = rec.attempts.slice(1).map((a, i) => a.startedAt - (rec.attempts[i]!.startedAt + rec.attempts[i]!.durationMs));
    expect(gaps[0]).toBeGreaterThanOrEqual(59);
    expect(gaps[1]).toBeGreaterThanOrEqual(119);
    // One webhook-id for all attempts of one event.
    expect(new Set(rx.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
    expect(rec.attempts[2]!.responseSnippet).toBe('down for maintenance');
    expect(d.breaker().consecutiveFailures).toBe(1);
    expect(d.stats()).toMatchObject({ received: 1, failed: 1, queued: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('5xx then 2xx: delivered on the retry', async () => {
    const rx = await receiver();
    rx.replyOnce({ status: 500 }, { status: 502 });
    const { d } = dispatcher({ url: rx.url });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('delivered');
    expect(rec.attempts.map((a) => a.status)).toEqual([500, 502, 200]);
    expect(d.breaker().consecutiveFailures).toBe(0);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('timeout: a receiver that never answers', async () => {
    const rx = await receiver({ reply: { hang: true } });
    const { d } = dispatcher({ url: rx.url, timeoutMs: 150, maxAttempts: 2 });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('failed');
    expect(rec.attempts.map((a) => a.error)).toEqual(['timeout', 'timeout']);
    expect(rec.attempts[0]!.durationMs).toBeGreaterThanOrEqual(145);
    expect(rec.detail).toBe('no complete answer within 150 ms after 2 attempts');
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('timeout covers the body too: headers arrive, the body never finishes', async () => {
    const rx = await receiver({ reply: { hang: 'after-headers' } });
    const { d } = dispatcher({ url: rx.url, timeoutMs: 150, maxAttempts: 1 });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('failed');
    expect(rec.attempts[0]!.error).toBe('timeout');
    expect(rec.attempts[0]!.durationMs).toBeGreaterThanOrEqual(145);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('connection reset mid-response and before any answer: category reset, retried', async () => {
    const rx = await receiver();
    rx.replyOnce({ destroy: 'mid-body' }, { destroy: 'before-headers' });
    const { d } = dispatcher({ url: rx.url });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.attempts.map((a) => a.error ?? 'ok')).toEqual(['reset', 'reset', 'ok']);
    expect(rec.outcome).toBe('delivered');
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('connection refused: category refused, retried, failed', async () => {
    const url = await refusedUrl();
    const { d } = dispatcher({ url });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('failed');
    expect(rec.attempts.map((a) => a.error)).toEqual(['refused', 'refused', 'refused']);
    expect(rec.attempts[0]!.status).toBeUndefined();
    expect(rec.detail).toMatch(/^connection refused by 127\.0\.0\.1:\d+ after 3 attempts$/);
    expect(d.breaker().consecutiveFailures).toBe(1);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('a URL the rules refuse: failed as blocked, nothing sent, not counted by the breaker', async () => {
    const rx = await receiver();
    const { d } = dispatcher({
      url: rx.url,
      circuitThreshold: 1,
      checkUrl: () => ({ ok: false, code: 'link_local', message: 'link-local addresses are refused' }),
    });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('failed');
    expect(rec.attempts).toEqual([expect.objectContaining({ error: 'blocked', message: 'link-local addresses are refused' })]);
    expect(rec.detail).toBe('blocked: link-local addresses are refused');
    expect(rx.requests).toHaveLength(0);
    expect(d.breaker()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
    expect((await d.sendTest()).error).toBe('link-local addresses are refused');
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('the URL the rules return is the one sent to', async () => {
    const rx = await receiver();
    const { d } = dispatcher({ url: 'http://example.invalid/hook', checkUrl: () => ({ ok: true, url: rx.url }) });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('delivered');
    expect(rx.requests).toHaveLength(1);
  });

  it("the egress guard's EPILOT_BLOCKED at connect: failed as blocked, not retried, not counted", async () => {
    const guard = new Agent({
      connect: (_opts, cb) => {
        const err = Object.assign(new Error('127.0.0.1 resolves to a refused address'), { code: 'EPILOT_BLOCKED' });
        cb(err, null);
      },
    });
    cleanup.push(() => guard.close());
    const rx = await receiver();
    const { d } = dispatcher({ url: rx.url, agent: guard, circuitThreshold: 1 });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.outcome).toBe('failed');
    expect(rec.attempts).toHaveLength(1);
    expect(rec.attempts[0]).toMatchObject({ error: 'blocked', message: '127.0.0.1 resolves to a refused address' });
    expect(rec.detail).toBe('blocked: 127.0.0.1 resolves to a refused address');
    expect(rx.requests).toHaveLength(0);
    expect(d.breaker().consecutiveFailures).toBe(0);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('keeps only a snippet of a large answer', async () => {
    const rx = await receiver({ reply: { status: 500, body: 'x'.repeat(100_000) } });
    const { d } = dispatcher({ url: rx.url, maxAttempts: 1 });
    const rec = d.submit(event(1), 'daemon');
    await settled(rec);
    expect(rec.attempts[0]!.responseSnippet).toHaveLength(RESPONSE_SNIPPET_BYTES);
    expect(unaccounted(d.stats())).toBe(0);
  });
});
