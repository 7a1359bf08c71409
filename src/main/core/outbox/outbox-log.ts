// The delivery log kept in the history database: the same contract as the in-memory DeliveryLog
// (ids, add, update, get, query, listeners), so the dispatcher does not know which it has.
//
// Writes are group-committed: new and changed records are staged and written in one transaction
// per turn of the event loop (new records) or per UPDATE_FLUSH_MS (changes only). The ingest waits
// for committed() before it answers 2xx, so an acknowledged event is on disk; events arriving
// together on several connections share one commit. Losing the last staged changes in a crash only
// means an event resumes as pending and may be delivered twice (same webhook-id), never lost.

import type { LogQuery } from '../../../shared/bridge';
import type { DeliveryRecord, Outcome } from '../../../shared/delivery';
import type { RecordListener, RecordLog } from '../delivery/delivery-log';
import { OutboxDb, PAGE_ROWS } from './outbox-db';

/** The most records one query may return (the API's own cap is the same). */
export const MAX_QUERY_ROWS = 100_000;

/**
 * How long outcome and attempt changes may wait to be written when no new event forces a commit:
 * a few commits a second instead of one per attempt, at the price of a possible duplicate
 * delivery of the events settled in the last UPDATE_FLUSH_MS before a crash.
 */
export const UPDATE_FLUSH_MS = 20;

interface Staged {
  rec: DeliveryRecord;
  /** not in the database yet: inserted, not updated */
  isNew: boolean;
}

interface Batch {
  promise: Promise<void>;
  resolve(): void;
  reject(err: Error): void;
}

function newBatch(): Batch {
  let resolve!: () => void;
  let reject!: (err: Error) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // Nobody may be waiting (events accepted outside the ingest): a failure is reported in the state.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export class OutboxLog implements RecordLog {
  private lastId: number;
  /** records to write at the next flush, by id: the newest version wins */
  private staged = new Map<number, Staged>();
  private batch: Batch | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<RecordListener>();
  private recordCount: number;
  /** a write failed (disk full, file removed): said in the state; the writes are retried */
  private writeError: string | null = null;

  constructor(readonly db: OutboxDb) {
    this.lastId = db.maxId();
    this.recordCount = db.count();
  }

  nextId(): number {
    return ++this.lastId;
  }

  /** Stages the record for the next commit (this turn of the event loop); see committed(). */
  add(rec: DeliveryRecord): DeliveryRecord {
    if (rec.id > this.lastId) this.lastId = rec.id;
    this.staged.set(rec.id, { rec, isNew: true });
    this.recordCount++;
    this.batch ??= newBatch();
    this.immediate ??= setImmediate(() => this.flush());
    this.emit(rec);
    return rec;
  }

  update(rec: DeliveryRecord): void {
    const was = this.staged.get(rec.id);
    this.staged.set(rec.id, { rec, isNew: was?.isNew ?? false });
    this.batch ??= newBatch();
    if (this.immediate === null && this.timer === null) this.timer = setTimeout(() => this.flush(), UPDATE_FLUSH_MS);
    this.emit(rec);
  }

  /** Resolves once everything added or changed so far is committed; rejects if that write failed. */
  committed(): Promise<void> {
    return this.batch?.promise ?? Promise.resolve();
  }

  /** Writes everything staged in one transaction. Safe to call at any time. */
  flush(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = null;
    this.timer = null;
    const batch = this.batch;
    this.batch = null;
    if (this.staged.size === 0) {
      batch?.resolve();
      return;
    }
    const staged = this.staged;
    this.staged = new Map();
    try {
      this.db.write(staged.values());
      this.writeError = null;
      batch?.resolve();
    } catch (err) {
      // Kept for the next flush (newer versions staged meanwhile win); whoever waits is told.
      for (const [id, st] of staged) if (!this.staged.has(id)) this.staged.set(id, st);
      this.writeError = `The history database could not be written (${(err as Error).message}); retrying. Events arriving meanwhile are refused so the daemon sends them again.`;
      batch?.reject(err as Error);
      this.timer = setTimeout(() => this.flush(), UPDATE_FLUSH_MS);
      this.timer.unref();
    }
  }

  get(id: number): DeliveryRecord | undefined {
    return this.staged.get(id)?.rec ?? this.db.get(id);
  }

  query(q: LogQuery = {}): DeliveryRecord[] {
    this.flush();
    return this.db.query(q, MAX_QUERY_ROWS);
  }

  /** Ids to send again, oldest first: see OutboxDb.redeliverable. */
  redeliverable(since: number, outcomes: readonly Outcome[]): number[] {
    this.flush();
    return this.db.redeliverable(since, outcomes);
  }

  /** Every record, oldest first, a page per step: nothing is held open between steps. */
  *pages(): Generator<DeliveryRecord[]> {
    let after = 0;
    for (;;) {
      this.flush();
      const page = this.db.page(after, PAGE_ROWS);
      if (page.length === 0) return;
      yield page;
      after = page[page.length - 1]!.id;
    }
  }

  onRecord(listener: RecordListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Records held (approximate: counted as they come and go, not queried). */
  size(): number {
    return this.recordCount;
  }

  /** Applies retention; returns how many records it removed. */
  prune(olderThan: number, maxBytes: number): number {
    this.flush();
    const removed = this.db.prune(olderThan, maxBytes);
    this.recordCount = Math.max(0, this.recordCount - removed);
    if (removed > 0) this.db.reclaim();
    return removed;
  }

  get problem(): string | null {
    return this.writeError;
  }

  close(): void {
    this.flush();
    this.db.close();
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
