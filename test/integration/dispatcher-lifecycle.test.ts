// Queue, pause, URL changes, close, connection reuse, concurrency, resend, signing on the wire
// and the test send — against real receivers on loopback.
import { describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import { TEST_EVENT_TOPIC } from '../../src/main/core/delivery/dispatcher';
import { generateSecret, pilotSignature } from '../../src/main/core/delivery/signing';
import { refusedUrl, waitUntil } from '../fixtures/receiver';
import { useDispatcherHarness } from '../fixtures/dispatcher-harness';
import { startSlowReceiver } from '../fixtures/slow-receiver';

// Generous per-attempt and drain limits (a loaded machine must not turn a 200 into a timeout);
// the tests about timeouts and drains set their own small ones.
const FAST = { timeoutMs: 2000, retryBackoffMs: 20, drainMs: 3000, circuitCooldownMs: 200 } as const;

const { cleanup, receiver, dispatcher } = useDispatcherHarness(FAST);

const ev = (n: number) => ({ event: 'message.received', node_id: 1, data: { n } });
const allSettled = (recs: DeliveryRecord[], timeoutMs = 5000) =>
  waitUntil(() => recs.every((r) => r.outcome !== 'queued'), 'records to settle', timeoutMs);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('queue and pause', () => {
  it('a full queue drops: recorded, counted in stats.dropped and client().dropped; the one in flight not counted', async () => {
    const rx = await receiver({ reply: { status: 200, delayMs: 150 } });
    const { d } = dispatcher({ url: rx.url, queueSize: 2 });
    const first = d.submit(ev(0), 'daemon');
    await rx.waitForRequests(1); // in flight: no longer in the queue
    const recs = [1, 2, 3, 4].map((n) => d.submit(ev(n), 'daemon'));
    expect(recs.map((r) => r.outcome)).toEqual(['queued', 'queued', 'dropped', 'dropped']);
    expect(recs[2]!.detail).toBe('dropped: the queue was full (2 events waiting)');
    expect(d.stats()).toMatchObject({ received: 5, queued: 3, dropped: 2 });
    expect(unaccounted(d.stats())).toBe(0);
    expect(d.client().dropped).toBe(2);
    await allSettled([first, ...recs]);
    expect(rx.requests.map((r) => (r.json() as { data: { n: number } }).data.n)).toEqual([0, 1, 2]);
    expect(d.stats()).toMatchObject({ received: 5, delivered: 3, dropped: 2, queued: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('paused: events stay queued (and can overflow); resume sends them in order', async () => {
    const rx = await receiver();
    const { d } = dispatcher({ url: rx.url, queueSize: 3 });
    let changes = 0;
    cleanup.push(d.onChange(() => changes++));
    d.pause();
    expect(d.paused).toBe(true);
    expect(changes).toBe(1);
    const recs = [1, 2, 3, 4].map((n) => d.submit(ev(n), 'daemon'));
    expect(recs.map((r) => r.outcome)).toEqual(['queued', 'queued', 'queued', 'dropped']);
    expect(recs[0]!.detail).toBe('queued: delivery is paused');
    await sleep(100);
    expect(rx.requests).toHaveLength(0);
    expect(d.stats().queued).toBe(3);
    expect(unaccounted(d.stats())).toBe(0);
    d.resume();
    expect(d.paused).toBe(false);
    await allSettled(recs);
    expect(recs.slice(0, 3).map((r) => r.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(rx.requests.map((r) => (r.json() as { data: { n: number } }).data.n)).toEqual([1, 2, 3]);
    expect(d.stats()).toMatchObject({ delivered: 3, dropped: 1, queued: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('no URL: recorded "not sent: no URL", counted unsent', async () => {
    const { d, log } = dispatcher({ url: null });
    const rec = d.submit(ev(1), 'demo');
    expect(rec).toMatchObject({ outcome: 'no_url', detail: 'not sent: no URL', url: null, source: 'demo' });
    expect(log.get(rec.id)).toBe(rec);
    expect(d.stats()).toMatchObject({ received: 1, unsent: 1 });
    expect(d.client()).toEqual({ dropped: 0, circuitSkips: 0 });
    expect(d.breaker().state).toBe('closed');
    expect(await d.sendTest()).toEqual({ ok: false, durationMs: 0, error: 'no URL set' });
    expect(unaccounted(d.stats())).toBe(0);
  });
});

describe('URL change', () => {
  it('hot swap: the old URL drains, later events go to the new one, per-URL counters restart, totals stay', async () => {
    const a = await receiver({ reply: { status: 200, delayMs: 60 } });
    const b = await receiver();
    const { d } = dispatcher({ url: a.url, queueSize: 2 });
    const toA = [d.submit(ev(1), 'daemon')];
    await a.waitForRequests(1);
    toA.push(...[2, 3, 4].map((n) => d.submit(ev(n), 'daemon')));
    expect(toA.map((r) => r.outcome)).toEqual(['queued', 'queued', 'queued', 'dropped']);
    expect(d.client().dropped).toBe(1);
    const swap = d.setUrl(b.url);
    expect(d.url).toBe(b.url);
    expect(d.client()).toEqual({ dropped: 0, circuitSkips: 0 });
    const toB = [5, 6].map((n) => d.submit(ev(n), 'daemon'));
    expect(toB.map((r) => r.url)).toEqual([b.url, b.url]);
    await swap;
    // The old client delivered its whole queue before the new one sent anything.
    expect(toA.slice(0, 3).map((r) => r.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(a.requests).toHaveLength(3);
    await allSettled(toB);
    expect(b.requests.map((r) => (r.json() as { data: { n: number } }).data.n)).toEqual([5, 6]);
    expect(b.requests[0]!.receivedAt).toBeGreaterThanOrEqual(a.requests[2]!.receivedAt);
    expect(d.stats()).toMatchObject({ received: 6, delivered: 5, dropped: 1 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('a swap whose drain runs out abandons what is left; the new URL still works', async () => {
    const a = await receiver({ reply: { hang: true } });
    const b = await receiver();
    const { d } = dispatcher({ url: a.url, drainMs: 150, timeoutMs: 5000 });
    const toA = [1, 2].map((n) => d.submit(ev(n), 'daemon'));
    await a.waitForRequests(1);
    await d.setUrl(b.url);
    expect(toA.map((r) => r.outcome)).toEqual(['abandoned', 'abandoned']);
    expect(toA[0]!.detail).toBe('abandoned: the URL changed during attempt 1; the receiver may have got it');
    expect(toA[1]!.detail).toBe('abandoned: still queued when the URL changed');
    const next = d.submit(ev(3), 'daemon');
    await allSettled([next]);
    expect(next.outcome).toBe('delivered');
    expect(d.stats()).toMatchObject({ received: 3, abandoned: 2, delivered: 1 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('the breaker restarts with the URL; clearing the URL makes later events no_url', async () => {
    const a = await receiver({ reply: { status: 500 } });
    const { d } = dispatcher({ url: a.url, maxAttempts: 1, circuitThreshold: 1, circuitCooldownMs: 10_000 });
    await allSettled([d.submit(ev(1), 'daemon')]);
    await allSettled([d.submit(ev(2), 'daemon')]);
    expect(d.breaker().state).toBe('open');
    expect(d.client().circuitSkips).toBe(1);
    await d.setUrl(null);
    expect(d.breaker()).toEqual({ state: 'closed', openUntil: null, consecutiveFailures: 0, held: 0, probing: false, refusing: null });
    expect(d.client().circuitSkips).toBe(0);
    expect(d.submit(ev(3), 'daemon').outcome).toBe('no_url');
    expect(d.stats()).toMatchObject({ received: 3, failed: 1, circuitSkips: 1, unsent: 1 });
    expect(unaccounted(d.stats())).toBe(0);
  });
});

describe('close', () => {
  it('drains what is queued within drainMs', async () => {
    const rx = await receiver({ reply: { status: 200, delayMs: 30 } });
    const { d } = dispatcher({ url: rx.url });
    const recs = [1, 2, 3].map((n) => d.submit(ev(n), 'daemon'));
    await d.close();
    expect(recs.map((r) => r.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
    expect(d.stats()).toMatchObject({ delivered: 3, queued: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('then abandons the rest, recorded; later events are recorded abandoned too', async () => {
    const rx = await receiver({ reply: { hang: true } });
    const { d, log } = dispatcher({ url: rx.url, drainMs: 150, timeoutMs: 5000 });
    const recs = [1, 2, 3].map((n) => d.submit(ev(n), 'daemon'));
    await rx.waitForRequests(1);
    await d.close();
    expect(recs.map((r) => r.outcome)).toEqual(['abandoned', 'abandoned', 'abandoned']);
    expect(recs[0]!.attempts).toHaveLength(1);
    expect(recs[0]!.detail).toBe('abandoned: the dispatcher closed during attempt 1; the receiver may have got it');
    expect(recs[2]!.detail).toBe('abandoned: still queued when the dispatcher closed');
    const late = d.submit(ev(4), 'daemon');
    expect(late).toMatchObject({ outcome: 'abandoned', detail: 'not sent: the dispatcher has closed' });
    expect(log.query({ outcome: 'abandoned' })).toHaveLength(4);
    expect(d.stats()).toMatchObject({ received: 4, abandoned: 4, queued: 0 });
    expect(unaccounted(d.stats())).toBe(0);
    expect(await d.sendTest()).toMatchObject({ ok: false, error: 'the dispatcher has closed' });
  });

  it('an event waiting to retry is abandoned at once when the drain runs out', async () => {
    const rx = await receiver({ reply: { status: 503 } });
    const { d } = dispatcher({ url: rx.url, retryBackoffMs: 10_000, drainMs: 100 });
    const rec = d.submit(ev(1), 'daemon');
    await rx.waitForRequests(1);
    await d.close();
    expect(rec.outcome).toBe('abandoned');
    expect(rec.detail).toBe('abandoned: the dispatcher closed while waiting to retry');
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('closing while paused abandons the queue without waiting', async () => {
    const rx = await receiver();
    const { d } = dispatcher({ url: rx.url, drainMs: 10_000 });
    d.pause();
    const recs = [1, 2].map((n) => d.submit(ev(n), 'daemon'));
    await d.close();
    expect(recs.map((r) => r.outcome)).toEqual(['abandoned', 'abandoned']);
    expect(rx.requests).toHaveLength(0);
    expect(unaccounted(d.stats())).toBe(0);
  });
});

describe('connections and concurrency', () => {
  it('reuses one keep-alive connection for many events', async () => {
    const rx = await receiver({ reply: { status: 200, body: 'ok' } });
    const { d } = dispatcher({ url: rx.url });
    const recs = Array.from({ length: 10 }, (_, i) => d.submit(ev(i), 'daemon'));
    await allSettled(recs);
    expect(recs.every((r) => r.outcome === 'delivered')).toBe(true);
    expect(rx.requests).toHaveLength(10);
    expect(rx.socketCount).toBe(1);
    expect(new Set(rx.requests.map((r) => r.socketId)).size).toBe(1);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('concurrency 1 sends one at a time (the reference)', async () => {
    const rx = await receiver({ reply: { status: 200, delayMs: 40 } });
    const { d } = dispatcher({ url: rx.url });
    await allSettled([1, 2, 3, 4].map((n) => d.submit(ev(n), 'daemon')));
    expect(rx.maxConcurrent).toBe(1);
  });

  it('concurrency > 1 really overlaps; events start in submission order', async () => {
    const rx = await receiver({ reply: { status: 200, delayMs: 150 } });
    const { d } = dispatcher({ url: rx.url, concurrency: 4 });
    const recs = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => d.submit(ev(n), 'daemon'));
    await allSettled(recs);
    expect(recs.every((r) => r.outcome === 'delivered')).toBe(true);
    expect(rx.maxConcurrent).toBe(4);
    const starts = recs.map((r) => r.attempts[0]!.startedAt);
    expect(starts).toEqual([...starts].sort((x, y) => x - y));
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('with concurrency > 1 one event retrying does not hold up the others', async () => {
    const rx = await receiver();
    rx.reply((req) => ((req.json() as { data: { n: number } }).data.n === 1 ? { status: 503 } : { status: 200 }));
    const { d } = dispatcher({ url: rx.url, concurrency: 2, retryBackoffMs: 300, maxAttempts: 2 });
    const slow = d.submit(ev(1), 'daemon');
    const others = [2, 3, 4].map((n) => d.submit(ev(n), 'daemon'));
    await allSettled(others);
    expect(slow.outcome).toBe('queued'); // still between its retries
    await allSettled([slow]);
    expect(slow.outcome).toBe('failed');
    expect(unaccounted(d.stats())).toBe(0);
  });
});

describe('concurrency changed while running (setConcurrency)', () => {
  const n = (r: { json(): unknown }): number => (r.json() as { data: { n: number } }).data.n;

  it('raised while paused: nothing starts until resume, then up to the new number at once; null goes back to the built-in one', async () => {
    const rx = await startSlowReceiver({ releaseAt: 4, total: 8 });
    cleanup.push(() => rx.close());
    const { d } = dispatcher({ url: rx.url });
    d.pause();
    const recs = Array.from({ length: 8 }, (_, i) => d.submit({ ...ev(i) }, 'daemon'));
    d.setConcurrency(4);
    expect(d.concurrency).toBe(4);
    await sleep(50);
    expect(rx.order).toEqual([]);
    d.resume();
    await allSettled(recs);
    // Held until 4 were open: all delivered means they were.
    expect(rx.peak).toBe(4);
    expect(recs.every((r) => r.outcome === 'delivered')).toBe(true);
    d.setConcurrency(null);
    expect(d.concurrency).toBe(1);
    expect(d.defaultConcurrency).toBe(1);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('lowered while a URL change drains: the old URL\'s surplus workers end, one drains the rest; nothing lost or sent twice', async () => {
    const old = await startSlowReceiver('hold');
    const next = await receiver({ reply: { status: 200, delayMs: 10 } });
    cleanup.push(() => old.close());
    const { d } = dispatcher({ url: old.url, concurrency: 3 });
    const recs = Array.from({ length: 6 }, (_, i) => d.submit(ev(i), 'daemon'));
    await waitUntil(() => old.open === 3, '3 open at the old URL');
    const swap = d.setUrl(next.url);
    d.setConcurrency(1);
    old.release(0);
    await swap;
    await allSettled(recs);
    // The old URL got what was in flight and (its drain) the rest of its queue; nothing twice.
    const seen = [...old.order, ...next.requests.map(n)].sort((a, b) => a - b);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(next.maxConcurrent).toBeLessThanOrEqual(1);
    expect(d.stats()).toMatchObject({ received: 6, delivered: 6, abandoned: 0 });
    expect(recs.every((r) => r.outcome === 'delivered')).toBe(true);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('closing while a URL change waits: the new URL\'s client, never started, still drains its events there', async () => {
    const first = await startSlowReceiver('hold');
    cleanup.push(() => first.close());
    const next = await receiver();
    const { d } = dispatcher({ url: first.url, concurrency: 2 });
    const e0 = d.submit(ev(0), 'daemon');
    await waitUntil(() => first.open === 1, 'the first request open');
    // The new URL's client waits for the old one's drain; the close reaches it before it started.
    void d.setUrl(next.url);
    const e1 = d.submit(ev(1), 'daemon');
    const closed = d.close();
    first.release(0);
    await closed;
    expect([e0.outcome, e1.outcome]).toEqual(['delivered', 'delivered']);
    expect(next.requests.map(n)).toEqual([1]);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('refuses a value below one', () => {
    const { d } = dispatcher({ url: null });
    expect(() => d.setConcurrency(0)).toThrow(RangeError);
    expect(d.concurrency).toBe(1);
  });
});

describe('resend, signing, test send', () => {
  it('resend: new records pointing at the old ones; only resendable outcomes', async () => {
    const rx = await receiver();
    rx.replyOnce({ status: 410 });
    const { d } = dispatcher({ url: rx.url });
    const gone = d.submit({ ...ev(1), daemonEventId: 77, timestamp: '2025-01-02T03:04:05Z' }, 'daemon');
    const ok = d.submit(ev(2), 'daemon');
    await allSettled([gone, ok]);
    expect(gone.outcome).toBe('client_error');
    expect(d.resend([gone.id, ok.id, 12345])).toBe(1);
    await waitUntil(() => d.stats().queued === 0, 'resend to settle');
    const again = rx.requests[2]!.json() as Record<string, unknown>;
    expect(again).toEqual({ event_id: 3, event: 'message.received', node_id: 1, timestamp: '2025-01-02T03:04:05Z', data: { n: 1 } });
    expect(d.stats()).toMatchObject({ received: 3, delivered: 2, failed: 1 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('resent records carry source resend and resendOf', async () => {
    const { d, log } = dispatcher({ url: null });
    const first = d.submit(ev(1), 'api');
    expect(d.resend([first.id])).toBe(0); // no URL: recorded, but not queued
    const copy = log.query({ limit: 1 })[0]!;
    expect(copy).toMatchObject({ source: 'resend', resendOf: first.id, outcome: 'no_url' });
    expect(copy.id).toBeGreaterThan(first.id);
  });

  it('resends are counted apart (stats.resent, inside received); a resent original links to its copy', async () => {
    const rx = await receiver();
    rx.replyOnce({ status: 503 }, { status: 503 }, { status: 503 });
    const { d, log } = dispatcher({ url: rx.url });
    const first = d.submit(ev(1), 'daemon');
    await allSettled([first]);
    expect(first.outcome).toBe('failed');
    expect(d.resend([first.id])).toBe(1);
    await waitUntil(() => d.stats().queued === 0, 'resend to settle');
    const copy = log.get(first.resentAs!)!;
    expect(copy).toMatchObject({ source: 'resend', resendOf: first.id, outcome: 'delivered' });
    expect(d.stats()).toMatchObject({ received: 2, resent: 1, delivered: 1, failed: 1 });
    expect(unaccounted(d.stats())).toBe(0);
    // The copy is a new event with its own webhook-id, which the window shows as sent.
    expect(rx.requests[3]!.headers['webhook-id']).toBe(copy.webhookId);
    expect(first.webhookId).not.toBe(copy.webhookId);
  });

  it('sendTest is recorded in the log as a test (answer, snippet, webhook-id), never counted or sent again', async () => {
    const rx = await receiver({ reply: { status: 400, body: 'no_text' } });
    const { d, log } = dispatcher({ url: rx.url });
    const r = await d.sendTest();
    expect(r).toMatchObject({ ok: false, status: 400, responseSnippet: 'no_text' });
    const rec = log.get(r.recordId!)!;
    expect(rec).toMatchObject({ source: 'test', event: TEST_EVENT_TOPIC, outcome: 'client_error', url: rx.url });
    expect(rec.attempts).toHaveLength(1);
    expect(rec.attempts[0]).toMatchObject({ status: 400, responseSnippet: 'no_text' });
    expect(rec.webhookId).toBe(rx.requests[0]!.headers['webhook-id']);
    expect(rec.payload).toBe(rx.requests[0]!.body);
    expect(d.resend([rec.id])).toBe(0);
    expect(rx.requests).toHaveLength(1);
    expect(d.stats()).toMatchObject({ received: 0, failed: 0, resent: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('signs every attempt: X-Pilot-Signature-256 and Standard Webhooks headers that verify', async () => {
    const secret = generateSecret();
    const rx = await receiver();
    rx.replyOnce({ status: 500 });
    const { d } = dispatcher({ url: rx.url, secret });
    const rec = d.submit(ev(1), 'daemon');
    await allSettled([rec]);
    expect(rec.outcome).toBe('delivered');
    expect(rx.requests).toHaveLength(2);
    for (const req of rx.requests) {
      expect(req.headers['x-pilot-signature-256']).toBe(pilotSignature(secret, req.body));
      const headers = {
        'webhook-id': String(req.headers['webhook-id']),
        'webhook-timestamp': String(req.headers['webhook-timestamp']),
        'webhook-signature': String(req.headers['webhook-signature']),
      };
      expect(new Webhook(secret).verify(req.body, headers)).toEqual(JSON.parse(rec.payload));
    }
    expect(rx.requests[0]!.headers['webhook-id']).toBe(rx.requests[1]!.headers['webhook-id']);
    d.setSecret(null);
    const unsigned = d.submit(ev(2), 'daemon');
    await allSettled([unsigned]);
    expect(rx.requests[2]!.headers['x-pilot-signature-256']).toBeUndefined();
    expect(rx.requests[2]!.headers['webhook-signature']).toBeUndefined();
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('sendTest: one sample event, outside the queue, breaker and counts', async () => {
    const rx = await receiver();
    const other = await receiver({ reply: { status: 500 } });
    const { d } = dispatcher({ url: rx.url, secret: 'shh-this-is-a-secret' });
    const ok = await d.sendTest();
    expect(ok).toMatchObject({ ok: true, status: 200 });
    expect(ok.durationMs).toBeGreaterThanOrEqual(0);
    const body = rx.requests[0]!.json() as { event_id: number; event: string };
    expect(body).toMatchObject({ event_id: 0, event: TEST_EVENT_TOPIC });
    expect(rx.requests[0]!.headers['x-pilot-signature-256']).toBe(pilotSignature('shh-this-is-a-secret', rx.requests[0]!.body));
    expect(await d.sendTest(other.url)).toMatchObject({ ok: false, status: 500, error: 'HTTP 500' });
    const refused = await d.sendTest(await refusedUrl());
    expect(refused.ok).toBe(false);
    expect(refused.status).toBeUndefined();
    expect(refused.error).toMatch(/^connection refused/);
    expect(d.stats().received).toBe(0);
    expect(d.breaker().consecutiveFailures).toBe(0);
    expect(unaccounted(d.stats())).toBe(0);
  });
});
