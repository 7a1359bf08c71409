// @vitest-environment happy-dom
// The window's copy of the delivery log (src/renderer/log-store.ts): newest first whatever order
// records arrive in, a changed record replaces its old version in place, a fetched page older
// than the pushes does not undo them, and at most `max` records are kept (the oldest fall off).

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { DeliveryRecord, Outcome } from '../../src/shared/delivery';
import { LogStore } from '../../src/renderer/log-store';

function rec(id: number, outcome: Outcome = 'delivered', attempts = 1): DeliveryRecord {
  return {
    id,
    event: 'conn.established',
    receivedAt: 1_700_000_000_000 + id,
    outcome,
    url: 'https://hooks.example/x',
    attempts: Array.from({ length: attempts }, (_, i) => ({ startedAt: id * 10 + i, durationMs: 5, status: 200 })),
    payload: '{}',
    source: 'demo',
  };
}

const ids = (s: LogStore): number[] => s.records.map((r) => r.id);

describe('LogStore', () => {
  it('keeps records newest first, whether they arrive newest-first, oldest-first or interleaved', () => {
    const s = new LogStore();
    expect(s.upsert([rec(5), rec(3)])).toBe(2);
    expect(s.upsert([rec(1), rec(2)])).toBe(2); // older than all held: they go to the end
    expect(s.upsert([rec(4), rec(9), rec(7)])).toBe(3); // some in between, some newer
    expect(ids(s)).toEqual([9, 7, 5, 4, 3, 2, 1]);
  });

  it('replaces a changed record in its place and counts only new ones', () => {
    const s = new LogStore();
    s.upsert([rec(1, 'queued', 0), rec(2, 'queued', 0), rec(3, 'queued', 0)]);
    const delivered = rec(2, 'delivered', 1);
    expect(s.upsert([delivered])).toBe(0);
    expect(ids(s)).toEqual([3, 2, 1]);
    expect(s.get(2)).toBe(delivered);
    expect(s.records[1]).toBe(delivered);
  });

  it('never mutates a list a caller holds: every change is a new array, no change keeps the same one', () => {
    const s = new LogStore();
    s.upsert([rec(1)]);
    const before = s.records;
    s.upsert([rec(2)]);
    expect(before.map((r) => r.id)).toEqual([1]);
    const after = s.records;
    expect(s.upsert([])).toBe(0);
    expect(s.records).toBe(after);
  });

  it('a fetched page that is older than the pushes meanwhile does not undo them', () => {
    const s = new LogStore();
    // pushed: 8 finished with two attempts, 9 still queued
    s.upsert([rec(8, 'failed', 2), rec(9, 'queued', 0)]);
    // the page was read before those pushes: 8 queued, 9 queued — and one record the window lacks
    expect(s.upsert([rec(8, 'queued', 0), rec(9, 'queued', 0), rec(6)], true)).toBe(1);
    expect(s.get(8)?.outcome).toBe('failed');
    expect(s.get(8)?.attempts).toHaveLength(2);
    // a page with news (9 finished) still replaces
    s.upsert([rec(9, 'delivered', 1)], true);
    expect(s.get(9)?.outcome).toBe('delivered');
    expect(ids(s)).toEqual([9, 8, 6]);
  });

  it('keeps at most max records: the oldest fall off and are forgotten', () => {
    const s = new LogStore(3);
    s.upsert([rec(1), rec(2), rec(3)]);
    s.upsert([rec(4), rec(5)]);
    expect(ids(s)).toEqual([5, 4, 3]);
    expect(s.get(1)).toBeUndefined();
    expect(s.get(2)).toBeUndefined();
    // a record older than all kept, into a full store, does not stay either
    s.upsert([rec(0)]);
    expect(ids(s)).toEqual([5, 4, 3]);
    expect(s.get(0)).toBeUndefined();
  });

  // FrameBatch gathers a frame's pushes, and a hidden window gets no frames: one batch may carry
  // an id as queued and then as delivered.
  it('a batch with the same new record twice shows its last version (queued, then delivered)', () => {
    const s = new LogStore();
    s.upsert([rec(42, 'queued', 0), rec(42, 'delivered', 1)]);
    expect(s.records.map((r) => r.outcome)).toEqual(['delivered']);
    expect(s.records[0]).toBe(s.get(42));
  });

  it('clear empties it', () => {
    const s = new LogStore();
    s.upsert([rec(1), rec(2)]);
    s.clear();
    expect(s.records).toEqual([]);
    expect(s.get(1)).toBeUndefined();
  });

  it('for any batches of ids: strictly newest first, each id once, the newest max of all it saw', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.uniqueArray(fc.integer({ min: 1, max: 200 }), { maxLength: 15 }), { maxLength: 20 }), (max, batches) => {
        const s = new LogStore(max);
        const seen = new Set<number>();
        for (const batch of batches) {
          s.upsert(batch.map((id) => rec(id)));
          for (const id of batch) seen.add(id);
        }
        const kept = ids(s);
        // nothing is dropped below the cap, and a full store stays full
        expect(kept.length).toBe(Math.min(max, seen.size));
        for (let i = 1; i < kept.length; i++) expect(kept[i - 1]).toBeGreaterThan(kept[i]!);
        for (const r of s.records) expect(s.get(r.id)).toBe(r);
        for (const id of kept) expect(seen.has(id)).toBe(true);
        // the newest id it ever saw is always shown (an id dropped at the cap may come back as new:
        // the host still has it, so below the top the kept set depends on the order of arrival)
        if (seen.size > 0) expect(kept[0]).toBe(Math.max(...seen));
      }),
    );
  });
});
