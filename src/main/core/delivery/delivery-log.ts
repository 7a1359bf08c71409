// The delivery log: every event the app accepted and what became of it, newest last, bounded in
// memory. Ids are allocated here and double as the event_id the app sends, so they only grow.

import { destinationOfRecord, type DeliveryRecord, type Outcome } from '../../../shared/delivery';
import type { LogQuery } from '../../../shared/bridge';
import { parseTopicList, passesTopicFilters, topicMatches } from '../../../shared/topic-patterns';

/** Records kept; the oldest go first. Enough for a day of a busy node's events at a glance. */
export const DEFAULT_LOG_CAPACITY = 5000;

/**
 * Payload bytes the in-memory log keeps at most (memory-only mode; the durable history is on
 * disk): 5,000 events of 1 MiB would otherwise hold 5 GiB. 32 MiB is 5,000 events of 6 KiB,
 * far above a node's ordinary events, so only large ones shorten the log. Records still queued
 * may leave the log and stay in the queue, so the two together hold at most twice this.
 */
export const DEFAULT_LOG_BYTES = 32 * 1024 * 1024;

/** Records a query returns when it names no limit: a screenful or two. */
export const DEFAULT_QUERY_LIMIT = 200;

export type RecordListener = (rec: DeliveryRecord) => void;

export { topicMatches };

/**
 * What the dispatcher needs of a log: the in-memory DeliveryLog below, or the SQLite-backed
 * OutboxLog (src/main/core/outbox), which keeps the same contract on disk.
 */
export interface RecordLog {
  nextId(): number;
  add(rec: DeliveryRecord): DeliveryRecord;
  update(rec: DeliveryRecord): void;
  get(id: number): DeliveryRecord | undefined;
  query(q?: LogQuery): DeliveryRecord[];
  onRecord(listener: RecordListener): () => void;
  /** ids received at or after `since` with one of `outcomes`, not already sent again; oldest first */
  redeliverable(since: number, outcomes: readonly Outcome[]): number[];
  /** every record, oldest first, a page at a time (for export) */
  pages(): Generator<DeliveryRecord[]>;
  /** records held */
  size(): number;
}

export class DeliveryLog implements RecordLog {
  readonly capacity: number;
  readonly maxBytes: number;
  // Sorted by id. Evicted records are cut from the front in batches (`start`), so eviction
  // costs nothing per add; their slots are cleared at once, so their payloads can be collected.
  private records: DeliveryRecord[] = [];
  private start = 0;
  /** payload characters of the live records */
  private bytes = 0;
  private lastId = 0;
  private readonly listeners = new Set<RecordListener>();

  constructor(opts: { capacity?: number; maxBytes?: number } = {}) {
    const capacity = opts.capacity ?? DEFAULT_LOG_CAPACITY;
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`log capacity must be a positive integer, got ${capacity}`);
    }
    this.capacity = capacity;
    this.maxBytes = opts.maxBytes ?? DEFAULT_LOG_BYTES;
  }

  /** Allocates the next id (monotonic from 1); ids are also the app-assigned event_id. */
  nextId(): number {
    return ++this.lastId;
  }

  /** Stores the record (evicting the oldest beyond capacity) and tells the listeners. */
  add(rec: DeliveryRecord): DeliveryRecord {
    if (rec.id > this.lastId) this.lastId = rec.id;
    const last = this.records[this.records.length - 1];
    if (this.size() === 0 || (last && rec.id > last.id)) {
      this.records.push(rec);
    } else {
      const at = this.indexOf(rec.id);
      if (at.found) this.bytes -= this.records[at.index]!.payload.length;
      if (at.found) this.records[at.index] = rec;
      else this.records.splice(at.index, 0, rec);
    }
    this.bytes += rec.payload.length;
    // The newest record always stays, however large.
    while (this.size() > this.capacity || (this.bytes > this.maxBytes && this.size() > 1)) {
      this.bytes -= this.records[this.start]!.payload.length;
      (this.records as (DeliveryRecord | undefined)[])[this.start] = undefined;
      this.start++;
    }
    // Compact once the dead prefix is as long as the live part: amortised O(1) per add.
    if (this.start >= this.capacity) {
      this.records = this.records.slice(this.start);
      this.start = 0;
    }
    this.emit(rec);
    return rec;
  }

  /** The record (same object as stored) changed: tells the listeners. */
  update(rec: DeliveryRecord): void {
    this.emit(rec);
  }

  get(id: number): DeliveryRecord | undefined {
    const at = this.indexOf(id);
    return at.found ? this.records[at.index] : undefined;
  }

  /** Matching records, newest first. */
  query(q: LogQuery = {}): DeliveryRecord[] {
    const limit = Math.max(0, Math.min(q.limit ?? DEFAULT_QUERY_LIMIT, this.capacity));
    const out: DeliveryRecord[] = [];
    // A pattern list (`tunnel.*, conn.fin`), as in the destinations' filters.
    const topics = q.topic === undefined ? [] : parseTopicList(q.topic);
    let i = q.before !== undefined ? this.indexOf(q.before).index - 1 : this.records.length - 1;
    for (; i >= this.start && out.length < limit; i--) {
      const rec = this.records[i];
      if (!rec) continue;
      if (q.since !== undefined && rec.receivedAt < q.since) continue;
      if (q.outcome !== undefined && rec.outcome !== q.outcome) continue;
      if (q.destination !== undefined && destinationOfRecord(rec) !== q.destination) continue;
      if (topics.length > 0 && !passesTopicFilters(topics, rec.event)) continue;
      out.push(rec);
    }
    return out;
  }

  redeliverable(since: number, outcomes: readonly Outcome[]): number[] {
    const wanted = new Set(outcomes);
    const ids: number[] = [];
    for (let i = this.start; i < this.records.length; i++) {
      const rec = this.records[i]!;
      if (rec.receivedAt >= since && wanted.has(rec.outcome) && rec.resentAs === undefined) ids.push(rec.id);
    }
    return ids;
  }

  *pages(): Generator<DeliveryRecord[]> {
    yield this.records.slice(this.start);
  }

  /** Called for every added or changed record; returns the unsubscribe function. */
  onRecord(listener: RecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  size(): number {
    return this.records.length - this.start;
  }

  /** Binary search over the live part: where `id` is, or where it would go. */
  private indexOf(id: number): { found: boolean; index: number } {
    let lo = this.start;
    let hi = this.records.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const midId = this.records[mid]!.id;
      if (midId === id) return { found: true, index: mid };
      if (midId < id) lo = mid + 1;
      else hi = mid;
    }
    return { found: false, index: lo };
  }

  private emit(rec: DeliveryRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(rec);
      } catch {
        // One broken listener (a closed window) must not stop delivery or the others.
      }
    }
  }
}
