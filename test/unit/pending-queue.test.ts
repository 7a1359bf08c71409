// PendingQueue: the in-memory queue and the ids parked behind it (records read back from the log
// when there is room). Every event comes out once, in order of acceptance, whether it waited in
// memory or parked, full by count or by bytes; one whose record is no longer pending is passed
// over; and events handed over (adopt) take their place by id among those held already.

import { describe, expect, it } from 'vitest';
import { PendingQueue } from '../../src/main/core/delivery/pending-queue';
import type { DeliveryRecord } from '../../src/shared/delivery';

function record(id: number, payloadBytes = 10): DeliveryRecord {
  return { id, event: 'conn.fin', receivedAt: id, outcome: 'queued', url: 'http://127.0.0.1:9/hook', attempts: [], payload: 'x'.repeat(payloadBytes), source: 'daemon' };
}

/** A queue over a log of its own: `log` holds every record accepted, as the outbox does. */
function queueOver(capacity: number, maxBytes = Number.POSITIVE_INFINITY): { q: PendingQueue; log: Map<number, DeliveryRecord>; loads: number[] } {
  const log = new Map<number, DeliveryRecord>();
  const loads: number[] = [];
  const q = new PendingQueue(capacity, maxBytes, (id) => {
    loads.push(id);
    return log.get(id);
  });
  return { q, log, loads };
}

function drain(q: PendingQueue): number[] {
  const out: number[] = [];
  for (let rec = q.shift(); rec !== undefined; rec = q.shift()) out.push(rec.id);
  return out;
}

describe('PendingQueue', () => {
  it('past the bound events are parked by id and come out after those in memory, in order', () => {
    const { q, log, loads } = queueOver(3);
    for (let id = 1; id <= 10; id++) {
      const rec = record(id);
      log.set(id, rec);
      q.add(rec);
    }
    expect(q.size).toBe(10);
    expect(loads).toStrictEqual([]); // only ids are held past the bound
    expect(drain(q)).toStrictEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(loads).toStrictEqual([4, 5, 6, 7, 8, 9, 10]);
    expect(q.size).toBe(0);
  });

  it('once anything is parked a newcomer parks too, even when memory has room: the order holds', () => {
    const { q, log } = queueOver(2);
    for (let id = 1; id <= 4; id++) {
      log.set(id, record(id));
      q.add(log.get(id)!);
    }
    expect(q.shift()?.id).toBe(1); // room for one now, 3 and 4 still parked
    log.set(5, record(5));
    expect(q.hasRoomFor(record(5))).toBe(false);
    q.add(log.get(5)!);
    expect(drain(q)).toStrictEqual([2, 3, 4, 5]);
  });

  it('full by bytes: the parked head stays parked (not skipped) until deliveries make room', () => {
    const { q, log } = queueOver(100, 25);
    for (let id = 1; id <= 4; id++) {
      log.set(id, record(id, 10));
      q.add(log.get(id)!);
    }
    // 1 and 2 fit (20 bytes); 3 would make 30.
    expect(q.peek()?.id).toBe(1);
    expect(q.shift()?.id).toBe(1);
    expect(drain(q)).toStrictEqual([2, 3, 4]);
  });

  it('a parked id whose record is no longer pending (settled meanwhile) is passed over, the rest kept', () => {
    const { q, log } = queueOver(1);
    for (let id = 1; id <= 4; id++) {
      log.set(id, record(id));
      q.add(log.get(id)!);
    }
    log.set(3, { ...record(3), outcome: 'abandoned' });
    expect(drain(q)).toStrictEqual([1, 2, 4]);
  });

  it('adopt: handed-over events go before newer ones already held (accepted while the previous URL drained)', () => {
    const { q, log } = queueOver(2);
    for (let id = 1; id <= 8; id++) log.set(id, record(id));
    // The new URL's queue got 6, 7, 8 while the old one still held 1-5.
    for (const id of [6, 7, 8]) q.add(log.get(id)!);
    q.adopt([1, 2, 3, 4, 5]);
    expect(q.size).toBe(8);
    expect(drain(q)).toStrictEqual([1, 2, 3, 4, 5, 6, 7, 8]);
  });

  it('adopt at start (nothing held) keeps the order given; takeAll returns both parts', () => {
    const { q, log } = queueOver(2);
    for (let id = 1; id <= 5; id++) log.set(id, record(id));
    q.adopt([1, 2, 3, 4, 5]);
    expect(q.peek()?.id).toBe(1);
    const { records, parked } = q.takeAll();
    expect([records.map((r) => r.id), parked]).toStrictEqual([[1, 2], [3, 4, 5]]);
    expect(q.size).toBe(0);
  });
});
