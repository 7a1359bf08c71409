import { describe, expect, it } from 'vitest';
import type { DeliveryRecord, Outcome } from '../../src/shared/delivery';
import { DEFAULT_LOG_CAPACITY, DeliveryLog, topicMatches } from '../../src/main/core/delivery/delivery-log';

function rec(log: DeliveryLog, event: string, outcome: Outcome = 'delivered', receivedAt = 1000): DeliveryRecord {
  const id = log.nextId();
  return { id, event, receivedAt, outcome, url: 'http://127.0.0.1:1/x', attempts: [], payload: '{}', source: 'api' };
}

describe('DeliveryLog', () => {
  it('allocates increasing ids from 1 and keeps 5000 records by default', () => {
    const log = new DeliveryLog();
    expect(DEFAULT_LOG_CAPACITY).toBe(5000);
    expect(log.capacity).toBe(5000);
    expect([log.nextId(), log.nextId(), log.nextId()]).toEqual([1, 2, 3]);
  });

  it('stores, finds and evicts the oldest beyond capacity', () => {
    const log = new DeliveryLog({ capacity: 3 });
    for (let i = 0; i < 10; i++) log.add(rec(log, `t.${i}`));
    expect(log.size()).toBe(3);
    expect(log.get(7)).toBeUndefined();
    expect(log.get(8)?.event).toBe('t.7');
    expect(log.query({}).map((r) => r.id)).toEqual([10, 9, 8]);
    // Long runs keep working after internal compaction.
    for (let i = 0; i < 50; i++) log.add(rec(log, 'more'));
    expect(log.size()).toBe(3);
    expect(log.query({}).map((r) => r.id)).toEqual([60, 59, 58]);
  });

  it('queries newest first with limit, before, outcome, since and topic patterns', () => {
    const log = new DeliveryLog();
    log.add(rec(log, 'tunnel.established', 'delivered', 100)); // 1
    log.add(rec(log, 'tunnel.rx_silence', 'failed', 200)); // 2
    log.add(rec(log, 'conn.established', 'delivered', 300)); // 3
    log.add(rec(log, 'tunnel', 'delivered', 400)); // 4
    log.add(rec(log, 'policy.a.b', 'dropped', 500)); // 5
    const ids = (q: Parameters<DeliveryLog['query']>[0]) => log.query(q).map((r) => r.id);
    expect(ids({})).toEqual([5, 4, 3, 2, 1]);
    expect(ids({ limit: 2 })).toEqual([5, 4]);
    expect(ids({ before: 4, limit: 2 })).toEqual([3, 2]);
    expect(ids({ outcome: 'delivered' })).toEqual([4, 3, 1]);
    expect(ids({ since: 300 })).toEqual([5, 4, 3]);
    expect(ids({ topic: 'tunnel.*' })).toEqual([2, 1]);
    expect(ids({ topic: 'tunnel' })).toEqual([4]);
    expect(ids({ topic: 'policy.*' })).toEqual([5]);
    expect(ids({ topic: '*' })).toEqual([5, 4, 3, 2, 1]);
    expect(ids({ topic: 'tunnel.*', outcome: 'failed' })).toEqual([2]);
  });

  it('topic patterns', () => {
    expect(topicMatches('*', 'anything')).toBe(true);
    expect(topicMatches('conn.*', 'conn.fin')).toBe(true);
    expect(topicMatches('conn.*', 'connx.fin')).toBe(false);
    expect(topicMatches('conn.*', 'conn')).toBe(false);
    expect(topicMatches('conn.fin', 'conn.fin')).toBe(true);
    expect(topicMatches('conn.fin', 'conn.fins')).toBe(false);
  });

  it('notifies listeners on add and update, until unsubscribed; a throwing listener harms no one', () => {
    const log = new DeliveryLog();
    const seen: string[] = [];
    log.onRecord(() => {
      throw new Error('broken window');
    });
    const off = log.onRecord((r) => seen.push(`${r.id}:${r.outcome}`));
    const r = log.add(rec(log, 'a', 'queued'));
    r.outcome = 'delivered';
    log.update(r);
    off();
    log.add(rec(log, 'b'));
    expect(seen).toEqual(['1:queued', '1:delivered']);
  });

  it('keeps id order when a record is added late', () => {
    const log = new DeliveryLog();
    const a = rec(log, 'a');
    const b = rec(log, 'b');
    log.add(b);
    log.add(a);
    expect(log.query({}).map((r) => r.id)).toEqual([2, 1]);
    expect(log.get(1)?.event).toBe('a');
  });

  it('refuses a nonsensical capacity', () => {
    expect(() => new DeliveryLog({ capacity: 0 })).toThrow(RangeError);
  });
});
