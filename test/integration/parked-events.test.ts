// Events parked in the outbox (the in-memory queue full: only their ids wait, the records are in
// the log) through what could lose them: a restart, a URL change, a resend. Each acknowledged
// event must end with one record, delivered, counted once, under the real controller with a tiny
// queue so nearly everything is parked.

import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Controller, ControllerOptions } from '../../src/main/core/controller';
import { HISTORY_FILE } from '../../src/main/core/outbox/outbox-db';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import { useCoreController } from '../fixtures/core-controller';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

/** In-memory queue bound: with more events than this, the rest are parked by id. */
const QUEUE = 2;
const EVENTS = 12;

const core = useCoreController('parked');
let receiver: Receiver;

beforeEach(async () => {
  receiver = await startReceiver();
  core.cleanup(() => receiver.close());
});

async function start(url = receiver.url): Promise<Controller> {
  return core.start({
    runOverrides: { url, retryBackoffMs: 20, timeoutMs: 2000, queueSize: QUEUE } satisfies ControllerOptions['runOverrides'],
    dataDir: dataDir(),
  });
}

/** The data folder: the settings file and the history live there. */
const dataDir = (): string => join(core.dir, 'data');

function seqsAt(rx: Receiver): number[] {
  return rx.requests.map((r) => (r.json() as { data: { seq: number } }).data.seq);
}

/** Every record of the history, oldest first (from the database, written first). */
function records(c: Controller): DeliveryRecord[] {
  return [...c.historyPages()].flat();
}

/** Accepts events seq from..to while delivery is paused: all but QUEUE of them are parked. */
async function acceptParked(c: Controller, from: number, to: number): Promise<void> {
  await c.handlers.pause(undefined);
  for (let seq = from; seq <= to; seq++) c.accept({ event: 'conn.established', data: { seq } }, 'api');
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('parked events', () => {
  it('a restart while events are parked: every one resumes and is delivered once, in order', async () => {
    let c = await start();
    await acceptParked(c, 1, EVENTS);
    expect(c.getState().stats).toMatchObject({ received: EVENTS, queued: EVENTS, dropped: 0 });
    await c.close();
    expect(receiver.requests).toHaveLength(0);

    c = await start();
    await waitUntil(() => c.getState().stats.queued === 0 && receiver.requests.length >= EVENTS, 'the resumed events delivered');
    expect(seqsAt(receiver)).toStrictEqual(range(1, EVENTS));
    const stats = c.getState().stats;
    expect(stats).toMatchObject({ received: EVENTS, resumed: EVENTS, delivered: EVENTS });
    expect(unaccounted(stats)).toBe(0);
    expect(records(c).map((r) => r.outcome)).toStrictEqual(Array(EVENTS).fill('delivered'));
  });

  it('a URL change while events are parked: the new URL gets every one in order of acceptance (also one accepted mid-change), the old none', async () => {
    const next = await startReceiver();
    try {
      const c = await start();
      await acceptParked(c, 1, EVENTS);
      const changing = c.handlers.setUrl({ url: next.url });
      // One accepted while the old URL's client is still closing (it goes to the new one at
      // once), one after the change: both go after the ones handed over, in order of acceptance.
      c.accept({ event: 'conn.established', data: { seq: EVENTS + 1 } }, 'api');
      expect((await changing).ok).toBe(true);
      c.accept({ event: 'conn.established', data: { seq: EVENTS + 2 } }, 'api');
      await c.handlers.resume(undefined);
      const all = EVENTS + 2;
      await waitUntil(() => c.getState().stats.queued === 0 && next.requests.length >= all, 'every event delivered to the new URL');
      expect(receiver.requests).toHaveLength(0);
      expect(seqsAt(next)).toStrictEqual(range(1, all));
      const stats = c.getState().stats;
      expect(stats).toMatchObject({ received: all, delivered: all, abandoned: 0 });
      expect(unaccounted(stats)).toBe(0);
      const recs = records(c);
      expect(recs.map((r) => [r.outcome, r.url])).toStrictEqual(Array(all).fill(['delivered', next.url]));
    } finally {
      await next.close();
    }
  });

  it('a resend while events are parked: the copies park behind them and every one is delivered; originals point at their copies', async () => {
    // The first EVENTS/2 are refused (4xx: failed, not retried), then the receiver takes everything.
    receiver.reply((req) => ((req.json() as { data: { seq: number } }).data.seq <= EVENTS / 2 && req.index < EVENTS / 2 ? { status: 400 } : { status: 200 }));
    const c = await start();
    for (let seq = 1; seq <= EVENTS / 2; seq++) c.accept({ event: 'conn.established', data: { seq } }, 'api');
    await waitUntil(() => c.getState().stats.queued === 0, 'the first events refused');
    expect(c.getState().stats.failed).toBe(EVENTS / 2);
    const refused = records(c).map((r) => r.id);

    await acceptParked(c, EVENTS / 2 + 1, EVENTS);
    const resent = await c.handlers.resend({ ids: refused });
    expect(resent).toStrictEqual({ ok: true, value: { queued: EVENTS / 2 } });
    // A parked event is not resendable (it is still pending): no second copy of it.
    const parkedId = records(c).find((r) => r.outcome === 'queued')!.id;
    expect(await c.handlers.resend({ ids: [parkedId] })).toStrictEqual({ ok: true, value: { queued: 0 } });
    await c.handlers.resume(undefined);

    const total = EVENTS + EVENTS / 2;
    await waitUntil(() => c.getState().stats.queued === 0 && receiver.requests.length >= total, 'the parked events and the copies delivered');
    // Refused once each, then the parked ones in order, then the copies of the refused ones.
    expect(seqsAt(receiver)).toStrictEqual([...range(1, EVENTS / 2), ...range(EVENTS / 2 + 1, EVENTS), ...range(1, EVENTS / 2)]);
    const stats = c.getState().stats;
    expect(stats).toMatchObject({ received: total, resent: EVENTS / 2, failed: EVENTS / 2, delivered: EVENTS });
    expect(unaccounted(stats)).toBe(0);
    const recs = records(c);
    const copies = recs.filter((r) => r.source === 'resend');
    expect(copies.map((r) => [r.resendOf, r.outcome])).toStrictEqual(refused.map((id) => [id, 'delivered']));
    for (const id of refused) expect(recs.find((r) => r.id === id)?.resentAs).toBe(copies.find((r) => r.resendOf === id)?.id);
  });

  it('a parked event whose record another program removed is counted abandoned (queued drains to 0); the others are delivered', async () => {
    const c = await start();
    await acceptParked(c, 1, 6);
    const gone = records(c)[4]!; // parked: behind the QUEUE in memory
    const other = new Database(join(dataDir(), HISTORY_FILE));
    try {
      expect(other.prepare('DELETE FROM records WHERE id = ?').run(gone.id).changes).toBe(1);
    } finally {
      other.close();
    }
    await c.handlers.resume(undefined);
    await waitUntil(() => c.getState().stats.queued === 0, 'queued to drain to 0');
    expect(seqsAt(receiver)).toStrictEqual([1, 2, 3, 4, 6]);
    const stats = c.getState().stats;
    expect(stats).toMatchObject({ received: 6, delivered: 5, abandoned: 1, queued: 0 });
    expect(unaccounted(stats)).toBe(0);
  });
});
