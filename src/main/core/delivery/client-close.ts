// Closing a client (a URL change, or the app stopping): it delivers what is due for a while (the
// plugin's Close), then stops what is in flight, and decides what becomes of the events it still
// holds: closing the app with an outbox, they stay pending for the next start; in durable mode a
// URL change hands them on to the next URL's client, in order of acceptance; otherwise (reference
// mode) they are recorded as abandoned. One rule for what the queues hold after the drain and for
// a turn the stop cut off mid-way.

import type { DeliveryRecord } from '../../../shared/delivery';
import { sleep } from './abortable-sleep';
import type { ClientParts, DeliveryGate, ResolvedOptions } from './client-parts';
import type { PendingQueue } from './pending-queue';
import type { ClientEvents } from './record-keeper';
import type { RetryWaitList } from './retry-wait-list';
import type { WorkerWakeups } from './worker-wakeups';

export class ClientClose {
  /** Why the client stopped, for the records' details. */
  private reason = 'the dispatcher closed';
  private began = false;
  private closing: Promise<number[]> | null = null;
  private resolveClosed!: () => void;
  /** Settles when close() has finished: nothing of the client is queued or in flight any more. */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  constructor(
    private readonly d: {
      readonly o: ResolvedOptions;
      readonly gate: DeliveryGate;
      readonly events: ClientEvents;
      readonly records: ClientParts['records'];
      readonly pending: PendingQueue;
      readonly waiting: RetryWaitList;
      readonly inFlight: ReadonlySet<DeliveryRecord>;
      readonly wakeups: WorkerWakeups;
      /** aborts what is in flight, and the workers' waits */
      readonly stop: AbortController;
      /** the client's workers (started by `start`) */
      readonly workers: readonly Promise<void>[];
      readonly start: () => void;
    },
  ) {}

  /**
   * Delivers what is due for up to `drainMs` (the plugin's Close), then aborts what is in flight.
   * Reference mode records everything left as abandoned. With an outbox, closing the app leaves it
   * pending for the next start; in durable mode a URL change hands it on: the ids are returned,
   * in order of acceptance, for the next client. Paused, only the events already in flight are
   * waited for. Idempotent.
   */
  close(drainMs: number, reason: string): Promise<number[]> {
    if (this.closing) return this.closing;
    const { wakeups } = this.d;
    this.reason = reason;
    this.began = true;
    this.d.start();
    wakeups.wake();
    this.closing = (async () => {
      const paused = this.d.gate.paused;
      const drained = (paused ? this.nothingInFlight() : Promise.all(this.d.workers)).then(() => true);
      const timer = new AbortController();
      const inTime = await Promise.race([drained, sleep(drainMs, timer.signal).then(() => false)]);
      timer.abort();
      // Paused workers wait for a resume that will not come: stopped like those out of time.
      if (!inTime || paused) {
        this.d.stop.abort();
        wakeups.wake();
        await Promise.all(this.d.workers);
      }
      const left = this.afterDrain();
      wakeups.cancelAll();
      this.resolveClosed();
      return left;
    })();
    return this.closing;
  }

  /** close() has begun: a worker with nothing it may send ends instead of waiting. */
  get draining(): boolean {
    return this.began;
  }

  /** Closing with an outbox: what is still pending stays so, for the next start. */
  get keepsPending(): boolean {
    return this.d.gate.closing && this.d.o.outbox;
  }

  /** What is still pending after the drain: kept, handed on (the ids returned), or abandoned. */
  private afterDrain(): number[] {
    const { events } = this.d;
    const { records, parked } = this.d.pending.takeAll();
    const waiting = this.d.waiting.takeAll();
    if (this.keepsPending) {
      // Parked and waiting ones are pending in the log already; they stay so.
      for (const rec of records) events.keepPending(rec);
      return [];
    }
    if (this.d.o.durable) return [...records.map((r) => r.id), ...parked, ...waiting].sort((a, b) => a - b);
    const detail = `abandoned: still queued when ${this.reason}`;
    for (const rec of records) events.settle(rec, 'abandoned', detail);
    for (const id of [...parked, ...waiting]) {
      const rec = this.d.records.get(id);
      if (rec?.outcome === 'queued') events.settle(rec, 'abandoned', detail);
    }
    return [];
  }

  /** A turn the stop cut off: during attempt `during`, or (null) while it waited to retry. */
  cutOff(rec: DeliveryRecord, during: number | null): void {
    if (this.keepsPending) this.d.events.keepPending(rec);
    else if (this.d.o.durable) this.handOn(rec, during === null ? 'while it waited to retry' : `during attempt ${during} (the old receiver may have got it)`);
    else {
      const when = during === null ? 'while waiting to retry' : `during attempt ${during}; the receiver may have got it`;
      this.d.events.settle(rec, 'abandoned', `abandoned: ${this.reason} ${when}`);
    }
  }

  /** A digest request the stop cut off: its events are kept pending, handed on (durable), or abandoned. */
  cutOffDigest(covered: readonly DeliveryRecord[]): void {
    for (const rec of covered) {
      if (this.keepsPending) this.d.events.keepPending(rec);
      else if (this.d.o.durable) this.handOn(rec, 'during a digest (the old receiver may have got it)');
      else this.d.events.settle(rec, 'abandoned', `abandoned: ${this.reason} during a digest; the receiver may have got it`);
    }
  }

  /** Resolves once no event is in flight (workers wake the waiters when one finishes). */
  private async nothingInFlight(): Promise<void> {
    while (this.d.inFlight.size > 0) await this.d.wakeups.idle();
  }

  /**
   * Durable mode, a URL change whose drain ran out: the event cut off stays pending and goes with
   * the rest to the next URL (afterDrain() returns the waiting ids), as at-least-once asks: the old
   * receiver may have got it, the new one has not.
   */
  private handOn(rec: DeliveryRecord, when: string): void {
    this.d.waiting.add(rec.id, this.d.o.now());
    this.d.events.progress(rec, { detail: `queued: ${this.reason} ${when}; it goes to the new URL`, nextAttemptAt: null });
  }
}
