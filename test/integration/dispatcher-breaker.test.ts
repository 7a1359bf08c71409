// The circuit breaker end to end, as the plugin behaves: checked when an event is taken off the
// queue, skips counted in both counters, half-open probe after the cool-down.
import { describe, expect, it } from 'vitest';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import { Dispatcher, type DispatcherOptions } from '../../src/main/core/delivery/dispatcher';
import { waitUntil } from '../fixtures/receiver';
import { useDispatcherHarness } from '../fixtures/dispatcher-harness';

/** One attempt per event keeps these fast; the breaker counts events, not attempts. */
const FAST = { timeoutMs: 2000, retryBackoffMs: 10, maxAttempts: 1, drainMs: 3000, circuitCooldownMs: 300 } as const;

const harness = useDispatcherHarness(FAST);
const { cleanup, receiver } = harness;
const dispatcher = (opts: DispatcherOptions): Dispatcher => harness.dispatcher(opts).d;

const ev = (n: number) => ({ event: 'conn.established', data: { n } });
const allSettled = (recs: DeliveryRecord[]) =>
  waitUntil(() => recs.every((r) => r.outcome !== 'queued'), 'records to settle');

/** Opens the breaker of `d` with `threshold` failing events. */
async function openBreaker(d: Dispatcher, threshold = 5): Promise<DeliveryRecord[]> {
  const recs = Array.from({ length: threshold }, (_, i) => d.submit(ev(i), 'daemon'));
  await allSettled(recs);
  return recs;
}

describe('circuit breaker', () => {
  it('opens after 5 exhausted events; events met while open are skipped and counted in both counters', async () => {
    const rx = await receiver({ reply: { status: 500 } });
    const d = dispatcher({ url: rx.url, maxAttempts: 2, circuitCooldownMs: 10_000 });
    const failed = await openBreaker(d);
    expect(failed.map((r) => r.outcome)).toEqual(Array(5).fill('failed'));
    expect(failed[4]!.detail).toBe('HTTP 500 after 2 attempts; circuit breaker opened for 10000 ms');
    expect(rx.requests).toHaveLength(10);
    const view = d.breaker();
    expect(view.state).toBe('open');
    expect(view.consecutiveFailures).toBe(5);
    expect(view.openUntil).toBeGreaterThan(Date.now());

    const skipped = [5, 6, 7].map((n) => d.submit(ev(n), 'daemon'));
    await allSettled(skipped);
    for (const rec of skipped) {
      expect(rec.outcome).toBe('circuit_skipped');
      expect(rec.attempts).toHaveLength(0);
      expect(rec.detail).toMatch(/^not sent: circuit breaker open until .+ after 5 consecutive failures$/);
    }
    expect(rx.requests).toHaveLength(10);
    expect(d.stats()).toMatchObject({ received: 8, failed: 5, circuitSkips: 3 });
    expect(d.client().circuitSkips).toBe(3);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('is checked at dequeue: events queued before it opened are skipped too (as the plugin)', async () => {
    const rx = await receiver({ reply: { status: 503 } });
    const d = dispatcher({ url: rx.url, circuitThreshold: 2, circuitCooldownMs: 10_000 });
    const recs = Array.from({ length: 6 }, (_, i) => d.submit(ev(i), 'daemon'));
    // All six were accepted into the queue while the breaker was still closed.
    expect(recs.map((r) => r.outcome)).toEqual(Array(6).fill('queued'));
    await allSettled(recs);
    expect(recs.map((r) => r.outcome)).toEqual(['failed', 'failed', ...Array(4).fill('circuit_skipped')]);
    expect(rx.requests).toHaveLength(2);
    expect(d.client().circuitSkips).toBe(4);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('after the cool-down the probe runs half-open; its success closes the breaker', async () => {
    const rx = await receiver({ reply: { status: 500 } });
    const d = dispatcher({ url: rx.url });
    let changes = 0;
    cleanup.push(d.onChange(() => changes++));
    await openBreaker(d);
    expect(d.breaker().state).toBe('open');
    const before = changes;
    // The cool-down ends by the clock alone; the breaker shows half-open and says so.
    await waitUntil(() => d.breaker().state === 'half-open', 'half-open', 2000);
    expect(d.breaker().openUntil).toBeNull();
    await waitUntil(() => changes > before, 'a change notice at the end of the cool-down', 2000);

    rx.reply({ status: 200, delayMs: 150 });
    const probe = d.submit(ev(99), 'daemon');
    await rx.waitForRequests(6);
    expect(probe.outcome).toBe('queued');
    expect(probe.detail).toBe('sending: probe after the circuit breaker cool-down');
    expect(d.breaker().state).toBe('half-open');
    await allSettled([probe]);
    expect(probe.outcome).toBe('delivered');
    expect(probe.detail).toBe('delivered: HTTP 200 (probe: circuit breaker closed)');
    expect(d.breaker()).toEqual({ state: 'closed', openUntil: null, consecutiveFailures: 0, held: 0, probing: false, refusing: null });
    const next = d.submit(ev(100), 'daemon');
    await allSettled([next]);
    expect(next.outcome).toBe('delivered');
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('a failed probe reopens it for another cool-down', async () => {
    const rx = await receiver({ reply: { status: 500 } });
    const d = dispatcher({ url: rx.url });
    await openBreaker(d);
    const firstUntil = d.breaker().openUntil!;
    await waitUntil(() => d.breaker().state === 'half-open', 'half-open', 2000);
    const probe = d.submit(ev(99), 'daemon');
    await allSettled([probe]);
    expect(probe.outcome).toBe('failed');
    expect(rx.requests).toHaveLength(6);
    const view = d.breaker();
    expect(view.state).toBe('open');
    expect(view.openUntil!).toBeGreaterThan(firstUntil);
    expect(view.consecutiveFailures).toBe(6);
    const skipped = d.submit(ev(100), 'daemon');
    await allSettled([skipped]);
    expect(skipped.outcome).toBe('circuit_skipped');
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('a 4xx probe decides nothing: still half-open, the next event probes', async () => {
    const rx = await receiver({ reply: { status: 500 } });
    const d = dispatcher({ url: rx.url });
    await openBreaker(d);
    await waitUntil(() => d.breaker().state === 'half-open', 'half-open', 2000);
    rx.replyOnce({ status: 400 });
    rx.reply({ status: 200 });
    const a = d.submit(ev(1), 'daemon');
    await allSettled([a]);
    expect(a.outcome).toBe('client_error');
    expect(d.breaker().state).toBe('half-open');
    const b = d.submit(ev(2), 'daemon');
    await allSettled([b]);
    expect(b.outcome).toBe('delivered');
    expect(d.breaker().state).toBe('closed');
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('skipped events stay in the log and can be sent again once it closes', async () => {
    const rx = await receiver({ reply: { status: 500 } });
    const d = dispatcher({ url: rx.url, circuitThreshold: 1 });
    await openBreaker(d, 1);
    const skipped = d.submit(ev(7), 'daemon');
    await allSettled([skipped]);
    expect(skipped.outcome).toBe('circuit_skipped');
    await waitUntil(() => d.breaker().state === 'half-open', 'half-open', 2000);
    rx.reply({ status: 200 });
    expect(d.resend([skipped.id])).toBe(1);
    await waitUntil(() => rx.requests.length === 2, 'the resend');
    const body = rx.requests[1]!.json() as { event_id: number; data: unknown };
    expect(body.data).toEqual({ n: 7 });
    expect(body.event_id).toBeGreaterThan(skipped.id);
    await waitUntil(() => d.stats().queued === 0, 'settled');
    expect(d.breaker().state).toBe('closed');
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('with concurrency > 1 only one probe is in flight; the others wait for its outcome', async () => {
    const rx = await receiver({ reply: { status: 500 } });
    const d = dispatcher({ url: rx.url, concurrency: 3, circuitThreshold: 3 });
    await openBreaker(d, 3);
    await waitUntil(() => d.breaker().state === 'half-open', 'half-open', 2000);
    rx.reply({ status: 200, delayMs: 100 });
    const recs = [1, 2, 3].map((n) => d.submit(ev(n), 'daemon'));
    await allSettled(recs);
    expect(recs.map((r) => r.outcome)).toEqual(['delivered', 'delivered', 'delivered']);
    // The probe went alone; the other two only after it closed the breaker.
    const probeEnd = recs[0]!.attempts[0]!.startedAt + recs[0]!.attempts[0]!.durationMs;
    expect(recs[1]!.attempts[0]!.startedAt).toBeGreaterThanOrEqual(probeEnd);
    expect(recs[2]!.attempts[0]!.startedAt).toBeGreaterThanOrEqual(probeEnd);
    expect(unaccounted(d.stats())).toBe(0);
  });
});
