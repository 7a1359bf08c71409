// The one owner of delivery records: every change to a record (its outcome, detail, attempts,
// next-attempt time) goes through here, is counted here and is persisted here. The clients only
// report what happened (ClientEvents); nobody else writes to the log.

import type { AttemptRecord, DeliveryRecord, Outcome, Stats } from '../../../shared/delivery';
import type { RecordLog } from './delivery-log';
import { Tally } from './tally';

/** The outcomes an event can end with once it was queued. */
export type FinalOutcome = Exclude<Outcome, 'queued' | 'rejected' | 'filtered'>;

/** What a delivery client reports about the records it holds. */
export interface ClientEvents {
  /** still queued, with a new explanation (sending, retrying in …, waiting for …) */
  progress(rec: DeliveryRecord, change: Progress): void;
  /** an attempt was made; `detail` explains what comes next */
  attempt(rec: DeliveryRecord, attempt: AttemptRecord, detail: string): void;
  /** the record reached its final outcome */
  settle(rec: DeliveryRecord, outcome: FinalOutcome, detail: string): void;
  /** the app is closing and the outbox keeps this record pending for the next start */
  keepPending(rec: DeliveryRecord): void;
  /** something shown changed without a record changing (the breaker's cool-down ended) */
  changed(): void;
  /** a pending id whose record is gone (removed from the database by another program) */
  lost(): void;
}

export interface Progress {
  detail: string;
  /** the URL it goes to (a record taken up after a restart or a URL change) */
  url?: string;
  /** epoch ms of the next attempt, or null once it is no longer waiting for one */
  nextAttemptAt?: number | null;
}

export class RecordKeeper implements ClientEvents {
  private readonly tally = new Tally();
  private readonly listeners = new Set<() => void>();

  constructor(readonly log: RecordLog) {}

  /**
   * A new record, counted under its first outcome (and as resumed: see Dispatcher.submit). Logged
   * first: a log that throws leaves no trace.
   */
  add(rec: DeliveryRecord, resumed = false): void {
    this.log.add(rec);
    this.tally.receive(rec.outcome as Exclude<Outcome, 'rejected'>, rec.source === 'resend', resumed);
  }

  /** A record outside every count (a test event): logged and shown, never tallied. */
  addUncounted(rec: DeliveryRecord): void {
    this.log.add(rec);
    this.changed();
  }

  /** An event pending in the outbox when the app started: received in this run, queued. */
  resumed(): void {
    this.tally.resume();
  }

  /** A pending id whose record is gone (removed from the database): counted as abandoned. */
  lost(): void {
    this.tally.move('queued', 'abandoned');
    this.changed();
  }

  progress(rec: DeliveryRecord, change: Progress): void {
    rec.detail = change.detail;
    if (change.url !== undefined) rec.url = change.url;
    if (change.nextAttemptAt === null) delete rec.nextAttemptAt;
    else if (change.nextAttemptAt !== undefined) rec.nextAttemptAt = change.nextAttemptAt;
    this.log.update(rec);
  }

  attempt(rec: DeliveryRecord, attempt: AttemptRecord, detail: string): void {
    rec.attempts.push(attempt);
    rec.detail = detail;
    this.log.update(rec);
  }

  settle(rec: DeliveryRecord, outcome: FinalOutcome, detail: string): void {
    this.tally.move('queued', outcome);
    rec.outcome = outcome;
    rec.detail = detail;
    delete rec.nextAttemptAt;
    this.log.update(rec);
    this.changed();
  }

  keepPending(rec: DeliveryRecord): void {
    rec.detail = 'waiting in the outbox: the app closed before it was delivered; it is sent at the next start';
    this.log.update(rec);
  }

  /** The record was sent again as `copyId`: "send all failed since …" no longer picks it. */
  resentAs(rec: DeliveryRecord, copyId: number): void {
    rec.resentAs = copyId;
    this.log.update(rec);
  }

  stats(): Stats {
    return this.tally.snapshot();
  }

  /** Called on any change of stats, breaker or paused (not batched: the caller batches). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A failing listener must not break delivery.
      }
    }
  }
}
