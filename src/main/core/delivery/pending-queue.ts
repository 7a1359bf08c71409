// The events a client has not sent yet, in order of acceptance: a bounded in-memory queue (the
// plugin's channel) and, with an outbox, the ids of those parked in the log behind it (a full
// queue, or events resumed at start). Only ids are parked, so memory stays bounded by the queue
// size however long the backlog grows.

import type { DeliveryRecord } from '../../../shared/delivery';
import { BoundedQueue } from './queue';

/** What a record weighs in the queue: its payload's length (characters, about bytes for JSON). */
function payloadBytes(rec: DeliveryRecord): number {
  return rec.payload.length;
}

const BYTES_PER_MIB = 1_048_576;

export class PendingQueue {
  private readonly queue: BoundedQueue<DeliveryRecord>;
  private parked: number[] = [];
  private parkedHead = 0;

  constructor(
    capacity: number,
    maxBytes: number,
    /** the stored record of a parked id; only ones still queued are taken up */
    private readonly load: (id: number) => DeliveryRecord | undefined,
  ) {
    this.queue = new BoundedQueue<DeliveryRecord>(capacity, maxBytes, payloadBytes);
  }

  /** Events waiting, in memory and parked. */
  get size(): number {
    return this.queue.size + this.parkedSize;
  }

  /** `rec` would go into memory (nothing parked ahead of it, room left by count and bytes). */
  hasRoomFor(rec: DeliveryRecord): boolean {
    return this.parkedSize === 0 && this.queue.hasRoomFor(rec);
  }

  /** Why the in-memory queue is full, for a "dropped: the queue was full (…)" detail: count or bytes. */
  fullDetail(): string {
    const q = this.queue;
    if (q.size === q.capacity) return `${q.size} events waiting`;
    const mib = (n: number): string => (n >= BYTES_PER_MIB ? `${(n / BYTES_PER_MIB).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`);
    return `${q.size} events of ${mib(q.bytes)} waiting; at most ${mib(q.maxBytes)} wait in memory`;
  }

  /** At the tail; parked once anything is parked already, so the order of acceptance holds. */
  add(rec: DeliveryRecord): void {
    if (this.parkedSize > 0 || !this.queue.push(rec)) this.parked.push(rec.id);
  }

  /**
   * Events pending in the outbox, by id, ascending (resumed at start, or handed over by the
   * previous URL's client). Taken up in order of acceptance (ids are given in that order) together
   * with what this queue holds already: events accepted while the previous client was still
   * draining are newer than the ones it hands over, and go after them. What was in memory goes
   * back to being parked (its record is in the log) so one ordered list holds everything.
   */
  adopt(ids: readonly number[]): void {
    if (ids.length === 0) return;
    const held = [...this.queue.takeAll().map((rec) => rec.id), ...this.parked.slice(this.parkedHead)];
    const merged: number[] = [];
    let i = 0;
    let j = 0;
    while (i < ids.length || j < held.length) {
      if (j >= held.length || (i < ids.length && ids[i]! < held[j]!)) merged.push(ids[i++]!);
      else merged.push(held[j++]!);
    }
    this.parked = merged;
    this.parkedHead = 0;
  }

  /** The head, loading parked events into memory while there is room. */
  peek(): DeliveryRecord | undefined {
    this.refill();
    return this.queue.peek();
  }

  shift(): DeliveryRecord | undefined {
    this.refill();
    return this.queue.shift();
  }

  /** Empties both parts: the records in memory, and the ids parked. */
  takeAll(): { records: DeliveryRecord[]; parked: number[] } {
    const parked = this.parked.slice(this.parkedHead);
    this.parked = [];
    this.parkedHead = 0;
    return { records: this.queue.takeAll(), parked };
  }

  private get parkedSize(): number {
    return this.parked.length - this.parkedHead;
  }

  /** Moves parked events into the queue while it has room, oldest first. */
  private refill(): void {
    while (this.parkedSize > 0 && this.queue.size < this.queue.capacity) {
      const rec = this.load(this.parked[this.parkedHead]!);
      if (rec?.outcome === 'queued') {
        // Full by bytes: it stays parked (in the log) until deliveries make room.
        if (!this.queue.hasRoomFor(rec)) break;
        this.queue.push(rec);
      }
      this.parkedHead++;
    }
    // Drop the consumed prefix once it is as long as the rest: amortised O(1) per event.
    if (this.parkedHead > 0 && this.parkedHead >= this.parkedSize) {
      this.parked = this.parked.slice(this.parkedHead);
      this.parkedHead = 0;
    }
  }
}
