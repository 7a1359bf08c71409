// A destination's own concurrency on the real core (controller, settings file, dispatchers) and
// real slow receivers on 127.0.0.1 that count the requests open at once and the order they came
// in: one destination at 8 has 8 requests in flight while one at 1 (the default) gets one at a
// time, strictly in order; changing it on a live destination, up and down, loses and repeats
// nothing, in reference and in durable (outbox) mode; the accounting invariant per destination.
// Nothing here measures speed: it counts what is open at the receiver.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Controller } from '../../src/main/core/controller';
import { unaccounted } from '../../src/shared/delivery';
import { ok, useCoreController } from '../fixtures/core-controller';
import { waitUntil } from '../fixtures/receiver';
import { SLOW_ANSWER_MS, startSlowReceiver, type SlowAnswer, type SlowReceiver } from '../fixtures/slow-receiver';

const core = useCoreController('conc');

const slowReceiver = async (answer: SlowAnswer): Promise<SlowReceiver> => {
  const rx = await startSlowReceiver(answer);
  core.cleanup(() => rx.close());
  return rx;
};


function expectAccounted(c: Controller): void {
  for (const d of c.getState().destinations) expect(unaccounted(d.stats), d.name).toBe(0);
  expect(unaccounted(c.getState().stats)).toBe(0);
}

const settled = (c: Controller) => () => c.getState().stats.queued === 0;
const range = (n: number): number[] => Array.from({ length: n }, (_, i) => i);
const send = (c: Controller, n: number): void => {
  for (const i of range(n)) c.accept({ event: 'message.received', node_id: 9, data: { n: i } }, 'api');
};

describe('a destination\'s own concurrency', () => {
  it('at 8 it has 8 requests in flight while one at 1 (the default) gets them one at a time, in order', async () => {
    const EVENTS = 16;
    const serial = await slowReceiver({ after: SLOW_ANSWER_MS });
    const parallel = await slowReceiver({ releaseAt: 8, total: EVENTS });
    const c = await core.start();
    const one = await ok(c.handlers.createDestination({ url: serial.url, name: 'Serial' }));
    const eight = await ok(c.handlers.createDestination({ url: parallel.url, name: 'Parallel', concurrency: 8 }));
    expect(one.destination).toMatchObject({ concurrencyInUse: 1 });
    expect(one.destination.concurrency).toBeUndefined();
    expect(eight.destination).toMatchObject({ concurrency: 8, concurrencyInUse: 8 });

    send(c, EVENTS);
    await waitUntil(settled(c), 'every event settled', 15_000);

    // The receiver answers the parallel one only once 8 are open: reaching the end at all shows
    // they were; never more than 8.
    expect(parallel.peak).toBe(8);
    expect([...parallel.order].sort((a, b) => a - b)).toEqual(range(EVENTS));
    expect(serial.peak).toBe(1);
    expect(serial.order).toEqual(range(EVENTS));
    expect(c.getState().destinations.map((d) => [d.name, d.stats.delivered, d.stats.received])).toEqual([
      ['Serial', EVENTS, EVENTS],
      ['Parallel', EVENTS, EVENTS],
    ]);
    expectAccounted(c);
  });

  it.each([
    ['reference mode', false],
    ['durable mode (the outbox)', true],
  ])('changed on a live destination in %s: what is in flight finishes, nothing is lost or sent twice', async (_mode, durable) => {
    const EVENTS = 20;
    const rx = await slowReceiver('hold');
    const c = await core.start(durable ? { dataDir: join(core.dir, 'data') } : {});
    expect(c.getState().history.durable).toBe(durable);
    const { destination } = await ok(c.handlers.createDestination({ url: rx.url, name: 'Live' }));
    send(c, EVENTS);
    await waitUntil(() => rx.open === 1, 'the first request open', 10_000);

    // Up: seven more start beside the one held, which is not cut off.
    const up = await ok(c.handlers.updateDestination({ id: destination.id, concurrency: 8 }));
    expect(up.destination).toMatchObject({ concurrency: 8, concurrencyInUse: 8 });
    await waitUntil(() => rx.open === 8, '8 requests open', 10_000);
    // Started in order, but on separate connections: they may arrive in any order.
    expect([...rx.order].sort((a, b) => a - b)).toEqual(range(8));

    // Down, with 8 open: they finish; after them the rest go one at a time, in order.
    const down = await ok(c.handlers.updateDestination({ id: destination.id, concurrency: 1 }));
    expect(down.destination).toMatchObject({ concurrency: 1, concurrencyInUse: 1 });
    expect(rx.open).toBe(8);
    rx.release(20);
    await waitUntil(() => c.getState().destinations[0]!.stats.delivered >= 8, 'the 8 delivered');
    rx.resetPeak();
    await waitUntil(settled(c), 'every event settled', 15_000);

    expect(rx.peak).toBe(1);
    expect(rx.order.slice(8)).toEqual(range(EVENTS).slice(8));
    expect(rx.order).toHaveLength(EVENTS);
    const stats = c.getState().destinations[0]!.stats;
    expect(stats).toMatchObject({ received: EVENTS, delivered: EVENTS, abandoned: 0, failed: 0 });
    expectAccounted(c);
    if (durable) {
      const stored = c.storedOutcomes();
      expect(stored.delivered).toBe(EVENTS);
      expect(stored.queued ?? 0).toBe(0);
    }
  });

  it('saved in the settings: a restart uses it; cleared (null), the app-wide setting applies again', async () => {
    const rx = await slowReceiver({ after: 0 });
    const overrides = { runOverrides: { retryBackoffMs: 10, timeoutMs: 2000, concurrency: 3 } };
    let c = await core.start(overrides);
    const { destination } = await ok(c.handlers.createDestination({ url: rx.url, concurrency: 12 }));
    await core.stop();
    c = await core.start(overrides);
    expect(c.getState().destinations[0]).toMatchObject({ id: destination.id, concurrency: 12, concurrencyInUse: 12 });
    const cleared = await ok(c.handlers.updateDestination({ id: destination.id, concurrency: null }));
    expect(cleared.destination.concurrency).toBeUndefined();
    expect(cleared.destination.concurrencyInUse).toBe(3);
    send(c, 4);
    await waitUntil(settled(c), 'every event settled');
    expect([...rx.order].sort((a, b) => a - b)).toEqual(range(4));
    expectAccounted(c);
  });
});
