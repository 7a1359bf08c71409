// A timer may fire before the clock the client reads says it is due: Node counts a timer from the
// event loop's cached time, which lags the wall clock after a long turn (a busy machine), so the
// timer ends a few ms early by Date.now(). The client must then wait again, not go idle with
// nothing left to wake it (a waiting retry, or the events the open breaker holds, stuck queued
// until a restart). Modelled exactly with a client clock running at half speed: every timer
// fires when that clock says half its wait is still to go. Real receivers on loopback.

import { describe, expect, it } from 'vitest';
import type { DispatcherOptions } from '../../src/main/core/delivery/dispatcher';
import { unaccounted } from '../../src/shared/delivery';
import { useDispatcherHarness } from '../fixtures/dispatcher-harness';
import { waitUntil } from '../fixtures/receiver';

/** A clock that runs at half the wall clock's speed from the moment it is made. */
function halfSpeedClock(): () => number {
  const base = Date.now();
  return () => base + Math.floor((Date.now() - base) / 2);
}

const DURABLE: Partial<DispatcherOptions> = {
  outbox: true,
  durable: true,
  maxEventAgeMs: 600_000,
  retryBackoffMs: 10,
  timeoutMs: 2000,
};
const harness = useDispatcherHarness(DURABLE);
const ev = (seq: number) => ({ event: 'tunnel.established', data: { seq } });

describe('a timer that fires early by the client clock', () => {
  it('a retry due later: the client waits again instead of going idle, and the event is delivered', async () => {
    const rx = await harness.receiver();
    // The first attempts fail; the later attempt (the schedule's, 300 ms on) succeeds.
    rx.reply((req) => (req.index < 3 ? { status: 503 } : { status: 200 }));
    const { d } = harness.dispatcher({ url: rx.url, now: halfSpeedClock(), retrySchedule: [300], circuitThreshold: 100 });
    const rec = d.submit(ev(1), 'daemon');
    await waitUntil(() => d.stats().retrying === 1, 'waiting for the later attempt');
    await waitUntil(() => rec.outcome !== 'queued', 'the later attempt made', 5000);
    expect(rec.outcome).toBe('delivered');
    expect(rec.attempts.map((a) => a.status)).toStrictEqual([503, 503, 503, 200]);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('the breaker cool-down: held events probe once it has really ended, and all are delivered', async () => {
    const rx = await harness.receiver();
    rx.reply((req) => (req.index < 3 ? { status: 503 } : { status: 200 }));
    const { d } = harness.dispatcher({ url: rx.url, now: halfSpeedClock(), retrySchedule: [60_000], circuitThreshold: 1, circuitCooldownMs: 300 });
    const recs = [1, 2, 3].map((seq) => d.submit(ev(seq), 'daemon'));
    await waitUntil(() => d.breaker().state === 'open', 'the breaker open');
    await waitUntil(() => recs.every((r) => r.outcome !== 'queued'), 'all delivered after the cool-down', 5000);
    expect(recs.map((r) => r.outcome)).toStrictEqual(['delivered', 'delivered', 'delivered']);
    expect(d.breaker().state).toBe('closed');
    expect(unaccounted(d.stats())).toBe(0);
  });
});
