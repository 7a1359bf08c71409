// The in-memory bounds by bytes: the queue (beside its count) and the memory-only log.

import { describe, expect, it } from 'vitest';
import { BoundedQueue } from '../../src/main/core/delivery/queue';
import { DeliveryLog } from '../../src/main/core/delivery/delivery-log';
import type { DeliveryRecord } from '../../src/shared/delivery';

const rec = (id: number, bytes: number): DeliveryRecord => ({
  id, event: 'e', receivedAt: 0, outcome: 'queued', url: null, attempts: [], payload: 'x'.repeat(bytes), source: 'api',
});

describe('BoundedQueue by bytes', () => {
  it('refuses what would pass the byte limit, takes it again once room is made', () => {
    const q = new BoundedQueue<DeliveryRecord>(10, 100, (r) => r.payload.length);
    expect(q.push(rec(1, 60))).toBe(true);
    expect(q.hasRoomFor(rec(2, 41))).toBe(false);
    expect(q.push(rec(2, 41))).toBe(false);
    expect(q.push(rec(3, 40))).toBe(true);
    expect(q.bytes).toBe(100);
    expect(q.shift()?.id).toBe(1);
    expect(q.bytes).toBe(40);
    expect(q.push(rec(2, 41))).toBe(true);
    expect(q.size).toBe(2);
  });

  it('takes one event larger than the limit when it is alone, and still bounds the count', () => {
    const q = new BoundedQueue<DeliveryRecord>(2, 100, (r) => r.payload.length);
    expect(q.push(rec(1, 500))).toBe(true);
    expect(q.push(rec(2, 1))).toBe(false);
    q.shift();
    expect(q.bytes).toBe(0);
    const counted = new BoundedQueue<number>(2);
    expect([counted.push(1), counted.push(2), counted.push(3)]).toEqual([true, true, false]);
  });

  it('refuses a byte limit below 1', () => {
    expect(() => new BoundedQueue(1, 0)).toThrow(RangeError);
  });
});

describe('DeliveryLog by bytes', () => {
  it('evicts the oldest records past its byte limit, keeping the newest however large', () => {
    const log = new DeliveryLog({ capacity: 100, maxBytes: 100 });
    for (let id = 1; id <= 5; id++) log.add(rec(id, 30));
    expect(log.query({ limit: 100 }).map((r) => r.id)).toEqual([5, 4, 3]);
    expect(log.get(1)).toBeUndefined();
    log.add(rec(6, 1000));
    expect(log.query({ limit: 100 }).map((r) => r.id)).toEqual([6]);
    expect(log.size()).toBe(1);
    log.add(rec(7, 10));
    expect(log.query({ limit: 100 }).map((r) => r.id)).toEqual([7]);
  });
});
