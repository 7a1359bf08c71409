// The queue's byte bound with real deliveries: in durable mode, events past it wait in the log
// and go out in order once there is room; in reference mode they are dropped and counted.

import { describe, expect, it } from 'vitest';
import { unaccounted } from '../../src/shared/delivery';
import { useDispatcherHarness } from '../fixtures/dispatcher-harness';
import { waitUntil } from '../fixtures/receiver';

const h = useDispatcherHarness({ timeoutMs: 2000, retryBackoffMs: 10, drainMs: 500 });
const big = (n: number): { event: string; data: { n: number; body: string } } => ({ event: 'big', data: { n, body: 'x'.repeat(10_000) } });

describe('queue bounded in bytes', () => {
  it('durable: events past the byte bound wait in the log and are all delivered, in order', async () => {
    const rx = await h.receiver({ reply: { delayMs: 20, status: 200 } });
    const { d } = h.dispatcher({ url: rx.url, outbox: true, queueBytes: 25_000 });
    const recs = Array.from({ length: 12 }, (_, i) => d.submit(big(i), 'api'));
    expect(recs.every((r) => r.outcome === 'queued')).toBe(true);
    await waitUntil(() => recs.every((r) => r.outcome === 'delivered'), 'all delivered', 10_000);
    expect(rx.requests.map((r) => (r.json() as { data: { n: number } }).data.n)).toEqual([...Array(12).keys()]);
    expect(d.stats()).toMatchObject({ received: 12, delivered: 12, dropped: 0 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('reference: events past the byte bound are dropped, counted and say why', async () => {
    const rx = await h.receiver({ reply: { hang: true } });
    const { d } = h.dispatcher({ url: rx.url, queueBytes: 25_000 });
    const recs = Array.from({ length: 6 }, (_, i) => d.submit(big(i), 'api'));
    const dropped = recs.filter((r) => r.outcome === 'dropped');
    expect(dropped.length).toBeGreaterThan(0);
    expect(dropped[0]!.detail).toMatch(/^dropped: the queue was full \(2 events of 20 KiB waiting; at most 25 KiB wait in memory\)$/);
    expect(d.stats().dropped).toBe(dropped.length);
    expect(d.client().dropped).toBe(dropped.length);
    expect(unaccounted(d.stats())).toBe(0);
  });
});
