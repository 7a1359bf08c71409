// Durable mode, a URL change whose drain runs out: the event the old URL's client was still busy
// with (in an attempt, in the backoff between its first attempts, or in a digest request) goes to
// the new URL with the rest instead of ending abandoned — at-least-once, against real receivers
// on loopback.

import { describe, expect, it } from 'vitest';
import type { DispatcherOptions } from '../../src/main/core/delivery/dispatcher';
import { unaccounted } from '../../src/shared/delivery';
import { RateGate } from '../../src/main/core/destinations/rate-gate';
import { useDispatcherHarness } from '../fixtures/dispatcher-harness';
import { waitUntil } from '../fixtures/receiver';

const DURABLE: Partial<DispatcherOptions> = {
  outbox: true,
  durable: true,
  retrySchedule: [100, 200],
  maxEventAgeMs: 60_000,
  retryBackoffMs: 10,
  timeoutMs: 5000,
  // Short: the old receiver below never lets its client finish within it.
  drainMs: 150,
};
const harness = useDispatcherHarness(DURABLE);
const ev = (seq: number) => ({ event: 'tunnel.established', data: { seq } });
const seqOf = (body: unknown): number => (body as { data: { seq: number } }).data.seq;

describe('durable mode: URL change with the drain running out', () => {
  it('the event cut off during its attempt goes to the new URL, with the queued ones, in order', async () => {
    const old = await harness.receiver({ reply: { hang: true } });
    const next = await harness.receiver();
    const { d } = harness.dispatcher({ url: old.url });
    const recs = [1, 2, 3].map((seq) => d.submit(ev(seq), 'daemon'));
    await old.waitForRequests(1);
    await d.setUrl(next.url);
    await waitUntil(() => recs.every((r) => r.outcome !== 'queued'), 'all three settled');
    expect(recs.map((r) => [r.outcome, r.url])).toStrictEqual([1, 2, 3].map(() => ['delivered', next.url]));
    expect(next.requests.map((r) => seqOf(r.json()))).toStrictEqual([1, 2, 3]);
    // The one the old receiver may have got says so in its attempts: the cut-off one, then the 200.
    expect(recs[0]!.attempts.map((a) => a.status ?? a.error)).toStrictEqual([expect.any(String), 200]);
    expect(d.stats()).toMatchObject({ received: 3, delivered: 3, abandoned: 0, queued: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('the events of a digest cut off go to the new URL too, each delivered once there', async () => {
    const old = await harness.receiver({ reply: { hang: true } });
    const next = await harness.receiver();
    const { d } = harness.dispatcher({ url: old.url });
    // 600 a minute lets about 40 through in the digest horizon: a backlog of 45 is one digest.
    d.setRateLimit({
      gate: new RateGate(600),
      digest: (no, payloads) => ({ body: JSON.stringify({ digest: no, events: payloads.length }), headers: { 'content-type': 'application/json' } }),
    });
    const recs = Array.from({ length: 45 }, (_, i) => d.submit(ev(i + 1), 'daemon'));
    await old.waitForRequests(1);
    expect(old.requests[0]!.json()).toStrictEqual({ digest: 1, events: 45 });
    await d.setUrl(next.url);
    await waitUntil(() => recs.every((r) => r.outcome !== 'queued'), 'all settled', 20_000);
    expect(recs.filter((r) => r.outcome !== 'delivered' || r.url !== next.url)).toStrictEqual([]);
    // Still a backlog at the new URL: one digest there stands for all 45, and each record names it.
    expect(next.requests.map((r) => r.json())).toStrictEqual([{ digest: 2, events: 45 }]);
    expect(new Set(recs.map((r) => r.digest))).toStrictEqual(new Set([2]));
    expect(d.stats()).toMatchObject({ received: 45, delivered: 45, abandoned: 0, queued: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('the event cut off in the backoff between its first attempts goes to the new URL too', async () => {
    const old = await harness.receiver({ reply: { status: 503 } });
    const next = await harness.receiver();
    // The backoff after the first 503 outlasts the drain.
    const { d } = harness.dispatcher({ url: old.url, retryBackoffMs: 10_000 });
    const rec = d.submit(ev(1), 'daemon');
    await old.waitForRequests(1);
    await waitUntil(() => /retrying in/.test(rec.detail ?? ''), 'waiting to retry');
    await d.setUrl(next.url);
    await waitUntil(() => rec.outcome !== 'queued', 'settled');
    expect(rec).toMatchObject({ outcome: 'delivered', url: next.url });
    expect(next.requests).toHaveLength(1);
    expect(d.stats()).toMatchObject({ received: 1, delivered: 1, abandoned: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });
});
