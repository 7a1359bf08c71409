// The window's copy of the delivery log: records by id, newest first, at most `max` of them. The
// host keeps the full history; the window keeps what a person can scroll through.

import type { DeliveryRecord } from '../shared/delivery';

/** Records the window keeps. Older ones fall off the end (they stay in the host's log). */
export const MAX_CLIENT_RECORDS = 5_000;

export class LogStore {
  /** newest first (descending id) */
  private list: DeliveryRecord[] = [];
  private readonly byId = new Map<number, DeliveryRecord>();

  constructor(private readonly max = MAX_CLIENT_RECORDS) {}

  /** Newest first. Replaced, never mutated, on every change: callers may hold on to it. */
  get records(): readonly DeliveryRecord[] {
    return this.list;
  }

  get(id: number): DeliveryRecord | undefined {
    return this.byId.get(id);
  }

  /**
   * Adds new records and replaces changed ones (same id, e.g. queued → delivered). Returns how
   * many were new. `preferExisting` keeps what is already here when it looks at least as recent:
   * used for a fetched page that may be older than the pushes that arrived meanwhile.
   */
  upsert(records: readonly DeliveryRecord[], preferExisting = false): number {
    const added: DeliveryRecord[] = [];
    let replaced = false;
    for (const r of records) {
      const old = this.byId.get(r.id);
      if (old === undefined) {
        this.byId.set(r.id, r);
        added.push(r);
      } else if (!(preferExisting && isAtLeastAsRecent(old, r))) {
        this.byId.set(r.id, r);
        replaced = true;
      }
    }
    if (added.length === 0 && !replaced) return 0;
    // One batch may hold a new id twice (a hidden window gets no frames, so "queued" and
    // "delivered" arrive together): the list must show the version get() answers, the last.
    for (let i = 0; i < added.length; i++) added[i] = this.byId.get(added[i]!.id)!;

    let next: DeliveryRecord[];
    if (replaced) {
      next = this.list.map((r) => this.byId.get(r.id) ?? r);
    } else {
      next = this.list;
    }
    if (added.length > 0) {
      added.sort((a, b) => b.id - a.id);
      const head = next[0];
      const last = added[added.length - 1];
      // The common case: every new record is newer than all we have.
      next = head === undefined || (last !== undefined && last.id > head.id)
        ? added.concat(next)
        : mergeDescending(added, next);
    }
    if (next.length > this.max) {
      for (const r of next.slice(this.max)) this.byId.delete(r.id);
      next = next.slice(0, this.max);
    }
    this.list = next === this.list ? next.slice() : next;
    return added.length;
  }

  clear(): void {
    this.list = [];
    this.byId.clear();
  }
}

/** A finished record beats a queued one; among equals, more attempts means later. */
function isAtLeastAsRecent(a: DeliveryRecord, b: DeliveryRecord): boolean {
  if (a.outcome !== 'queued' && b.outcome === 'queued') return true;
  if (a.outcome === 'queued' && b.outcome !== 'queued') return false;
  return a.attempts.length >= b.attempts.length;
}

function mergeDescending(a: readonly DeliveryRecord[], b: readonly DeliveryRecord[]): DeliveryRecord[] {
  const out: DeliveryRecord[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x.id > y.id) {
      out.push(x);
      i++;
    } else {
      out.push(y);
      j++;
    }
  }
  while (i < a.length) out.push(a[i++]!);
  while (j < b.length) out.push(b[j++]!);
  return out;
}
