// The delivery log kept in the history database: the same contract as the in-memory DeliveryLog
// (ids, add, update, get, query, listeners), so the dispatcher does not know which it has.
//
// Two steps per change (see ack-journal.ts for why):
//   1. durable: the record is appended to the acknowledgement journal, at the latest at the end of
//      this turn of the event loop (new records) or within UPDATE_FLUSH_MS (changes only). The
//      ingest thread has already journaled each event itself before it answered (see
//      ingest/ingest-journal.ts); the line after the records, the ingest mark (noteIngested),
//      lets that journal go. The changes staged since the last append ride along in the write().
//   2. stored: every DB_WRITE_MS (or once STAGED_MAX_RECORDS / STAGED_MAX_BYTES are staged), all
//      staged records are written to the database in ONE transaction and the journal emptied.
// Without a journal (it could not be opened) step 1 is a database commit, as before.
// Losing the last staged changes in a crash only means an event resumes as pending and may be
// delivered twice (same webhook-id), never lost: the journal is read back at the next start.

import type { LogQuery } from '../../../shared/bridge';
import type { DeliveryRecord, Outcome } from '../../../shared/delivery';
import type { RecordListener, RecordLog } from '../delivery/delivery-log';
import { ingestMarkLine, type AckJournal } from './ack-journal';
import { OutboxDb, PAGE_ROWS } from './outbox-db';

/** The most records one query may return (the API's own cap is the same). */
export const MAX_QUERY_ROWS = 100_000;

/**
 * How long outcome and attempt changes may wait to be made durable when no new event forces a
 * write: a few writes a second instead of one per attempt, at the price of a possible duplicate
 * delivery of the events settled in the last UPDATE_FLUSH_MS before a crash.
 */
export const UPDATE_FLUSH_MS = 20;

/**
 * How long journaled records wait to be written to the database: one transaction for all of them
 * (a few pages for a hundred records, where one commit per event wrote those pages every time).
 * Queries, retention and close() write at once, so the database is never seen behind.
 */
export const DB_WRITE_MS = 50;
/** Staged records (or payload bytes) that make the database write happen at once: bounds memory. */
export const STAGED_MAX_RECORDS = 2_000;
export const STAGED_MAX_BYTES = 8 * 1_048_576;

interface Staged {
  rec: DeliveryRecord;
  /** not in the database yet: inserted, not updated */
  isNew: boolean;
  /**
   * The record as JSON, once this version was journaled: the database write reuses it instead of
   * serialising the record again (every change goes through update(), which stages a new version).
   */
  json?: string;
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
  /** records to write to the database at the next database write, by id: the newest version wins */
  private staged = new Map<number, Staged>();
  private stagedBytes = 0;
  /** records changed since the last journal append (a subset of staged) */
  private unjournaled = new Map<number, DeliveryRecord>();
  /** who waits for the changes not yet durable */
  private batch: Batch | null = null;
  private immediate: NodeJS.Immediate | null = null;
  private timer: NodeJS.Timeout | null = null;
  private dbTimer: NodeJS.Timeout | null = null;
  /** the database write is due at the end of this turn (the staged bound was reached) */
  private dbSoon = false;
  private readonly listeners = new Set<RecordListener>();
  private recordCount: number;
  /** a write failed (disk full, file removed): said in the state; the writes are retried */
  private writeError: string | null = null;
  private journalError: string | null = null;
  /**
   * The ingest thread's events whose records exist (noteIngested), are durable (journaled, or in
   * the database without a journal), and are in the database: three marks, each ≤ the one before.
   */
  private ingestNoted = 0;
  private ingestDurable = 0;
  private ingestStored = 0;
  private ingestListener: ((mark: number) => void) | null = null;

  /**
   * `journal` (optional): the acknowledgement journal. What it still holds (the app stopped
   * before those records reached the database) is written to the database first.
   */
  constructor(
    readonly db: OutboxDb,
    private readonly journal: AckJournal | null = null,
  ) {
    let mark = db.ingestMark();
    if (journal) {
      const left = journal.read();
      mark = Math.max(mark, left.ingestMark);
      // A line may be a change of a record the database already has: written as an update then.
      if (left.records.size > 0 || mark > db.ingestMark()) {
        db.write([...left.records.values()].map((rec) => ({ rec, isNew: db.get(rec.id) === undefined })), mark);
      }
      journal.clear();
    }
    this.ingestNoted = this.ingestDurable = this.ingestStored = mark;
    this.lastId = db.maxId();
    this.recordCount = db.count();
  }

  nextId(): number {
    return ++this.lastId;
  }

  /** Stages the record; durable by the end of this turn of the event loop, or at commitNow(). */
  add(rec: DeliveryRecord): DeliveryRecord {
    if (rec.id > this.lastId) this.lastId = rec.id;
    this.stage(rec, true);
    this.recordCount++;
    this.scheduleNow();
    this.emit(rec);
    return rec;
  }

  update(rec: DeliveryRecord): void {
    this.stage(rec, this.staged.get(rec.id)?.isNew ?? false);
    this.scheduleLater();
    this.emit(rec);
  }

  /**
   * The ingest thread's events up to `seq` have their records now (added just before): the mark
   * is journaled with them, last in the same write (by the end of this turn, one write for all
   * the events the turn took), and then told to onIngestDurable's listener. Eager rather than
   * within UPDATE_FLUSH_MS: each write also carries the outcomes settled since the last one, so
   * a crash repeats only the deliveries in flight, not those of the last UPDATE_FLUSH_MS.
   */
  noteIngested(seq: number): void {
    if (seq <= this.ingestNoted) return;
    this.ingestNoted = seq;
    this.batch ??= newBatch();
    this.scheduleNow();
  }

  /** The highest ingest sequence number whose records are durable (read back at open). */
  get ingestMark(): number {
    return this.ingestDurable;
  }

  /** Told each time the durable ingest mark moves. */
  onIngestDurable(listener: ((mark: number) => void) | null): void {
    this.ingestListener = listener;
  }

  /** Resolves once everything added or changed so far is durable; rejects if that write failed. */
  committed(): Promise<void> {
    return this.batch?.promise ?? Promise.resolve();
  }

  /**
   * Makes everything added or changed so far durable now (the recovery of the ingest journal,
   * before it lets the journal go). Throws when it could not.
   */
  commitNow(): void {
    this.makeDurable();
    if (this.writeError !== null) throw new Error(this.writeError);
  }

  /** Writes everything staged to the database in one transaction. Safe to call at any time. */
  flush(): void {
    this.clearTimers();
    if (this.dbTimer) clearTimeout(this.dbTimer);
    this.dbTimer = null;
    this.dbSoon = false;
    const batch = this.batch;
    this.batch = null;
    const mark = this.ingestNoted;
    if (this.staged.size === 0 && mark === this.ingestStored) {
      batch?.resolve();
      return;
    }
    const staged = this.staged;
    this.staged = new Map();
    this.stagedBytes = 0;
    const unjournaled = this.unjournaled;
    this.unjournaled = new Map();
    try {
      this.db.write(staged.values(), mark);
      // Everything the journal held is in the database now (it only ever holds staged records).
      this.journal?.clear();
      this.writeError = null;
      this.ingestStored = mark;
      this.markDurable(mark);
      batch?.resolve();
    } catch (err) {
      // Kept for the next write (newer versions staged meanwhile win); whoever waits is told.
      for (const [id, st] of staged) {
        if (this.staged.has(id)) continue;
        this.staged.set(id, st);
        this.stagedBytes += st.rec.payload.length;
      }
      for (const [id, rec] of unjournaled) if (!this.unjournaled.has(id)) this.unjournaled.set(id, rec);
      this.writeError = `The history database could not be written (${(err as Error).message}); retrying. Events arriving meanwhile are refused so the daemon sends them again.`;
      batch?.reject(err as Error);
      this.dbTimer = setTimeout(() => this.flush(), UPDATE_FLUSH_MS);
      this.dbTimer.unref();
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
    this.journal?.close();
    this.db.close();
  }

  private stage(rec: DeliveryRecord, isNew: boolean): void {
    const was = this.staged.get(rec.id);
    if (!was) this.stagedBytes += rec.payload.length;
    this.staged.set(rec.id, { rec, isNew });
    this.unjournaled.set(rec.id, rec);
    this.batch ??= newBatch();
    if (!this.dbSoon && (this.staged.size >= STAGED_MAX_RECORDS || this.stagedBytes >= STAGED_MAX_BYTES)) {
      // Bounded memory: the database write happens at the end of this turn.
      if (this.dbTimer) clearTimeout(this.dbTimer);
      this.dbSoon = true;
      this.dbTimer = setTimeout(() => this.flush(), 0);
    } else {
      this.dbTimer ??= setTimeout(() => this.flush(), DB_WRITE_MS);
    }
  }

  /** Step 1: appends what changed since the last append to the journal (one write). */
  private makeDurable(): void {
    this.clearTimers();
    if (!this.journal) {
      this.flush();
      return;
    }
    const batch = this.batch;
    this.batch = null;
    const mark = this.ingestNoted;
    if (this.unjournaled.size === 0 && mark === this.ingestDurable) {
      batch?.resolve();
      return;
    }
    let text = '';
    for (const rec of this.unjournaled.values()) {
      const json = JSON.stringify(rec);
      text += `${json}\n`;
      const st = this.staged.get(rec.id);
      if (st?.rec === rec) st.json = json;
    }
    // Last in the write: a write cut short loses the mark, never a record it vouches for.
    if (mark > this.ingestDurable) text += ingestMarkLine(mark);
    try {
      this.journal.append(text);
      this.unjournaled.clear();
      if (this.writeError === this.journalError) this.writeError = null;
      this.markDurable(mark);
      batch?.resolve();
    } catch (err) {
      // The database write (scheduled) makes them durable instead; whoever waits now is told.
      this.writeError = this.journalError = `The outbox journal could not be written (${(err as Error).message}); retrying. Events arriving meanwhile are refused so the daemon sends them again.`;
      batch?.reject(err as Error);
      this.timer = setTimeout(() => this.makeDurable(), UPDATE_FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Durable by the end of this turn of the event loop. */
  private scheduleNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.immediate ??= setImmediate(() => this.makeDurable());
  }

  /** Durable within UPDATE_FLUSH_MS, unless a write is due sooner anyway. */
  private scheduleLater(): void {
    if (this.immediate === null && this.timer === null) this.timer = setTimeout(() => this.makeDurable(), UPDATE_FLUSH_MS);
  }

  private markDurable(mark: number): void {
    if (mark <= this.ingestDurable) return;
    this.ingestDurable = mark;
    this.ingestListener?.(mark);
  }

  private clearTimers(): void {
    if (this.immediate) clearImmediate(this.immediate);
    if (this.timer) clearTimeout(this.timer);
    this.immediate = null;
    this.timer = null;
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
