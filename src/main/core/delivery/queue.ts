// A bounded FIFO: the reference plugin's `chan *Event` with a 1024 buffer. Pushing onto a full
// queue fails instead of blocking, so the caller can record the drop (Emit never blocks).
// Bounded in bytes as well as in count: 1,024 events of 1 MiB (the ingest's limit) would hold a
// gigabyte for a receiver that hangs, where the reference's events are a few hundred bytes.

/** Events waiting for delivery, the ones in flight not counted (Go: `make(chan *Event, 1024)`). */
export const DEFAULT_QUEUE_SIZE = 1024;

/**
 * Bytes of payload the queue holds at most: 32 MiB is 1,024 events of 32 KiB — far above what a
 * node's ordinary events (under 1 KiB) ever reach, so only large events meet it, and then 32 of
 * the largest (1 MiB, the ingest's limit) still fit. An event alone in the queue is taken
 * whatever its size.
 */
export const DEFAULT_QUEUE_BYTES = 32 * 1024 * 1024;

export class BoundedQueue<T> {
  // A ring buffer: shift and push are O(1) however long the queue has been in use.
  private readonly slots: (T | undefined)[];
  private head = 0;
  private count = 0;
  private heldBytes = 0;

  /** `sizeOf` gives an item's weight in bytes; without it only the count bounds the queue. */
  constructor(
    readonly capacity: number,
    readonly maxBytes: number = Number.POSITIVE_INFINITY,
    private readonly sizeOf: (item: T) => number = () => 0,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    }
    if (!(maxBytes >= 1)) throw new RangeError(`queue byte limit must be at least 1, got ${maxBytes}`);
    this.slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** bytes held, as sizeOf counts them */
  get bytes(): number {
    return this.heldBytes;
  }

  /** Whether push(item) would succeed now. */
  hasRoomFor(item: T): boolean {
    if (this.count === this.capacity) return false;
    return this.count === 0 || this.heldBytes + this.sizeOf(item) <= this.maxBytes;
  }

  /** Adds at the tail; false (and nothing stored) when full, by count or by bytes. */
  push(item: T): boolean {
    if (!this.hasRoomFor(item)) return false;
    this.slots[(this.head + this.count) % this.capacity] = item;
    this.count++;
    this.heldBytes += this.sizeOf(item);
    return true;
  }

  /** The head, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head] as T;
    this.slots[this.head] = undefined; // let the record be collected once delivered
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    this.heldBytes = this.count === 0 ? 0 : this.heldBytes - this.sizeOf(item);
    return item;
  }

  /** Empties the queue, returning what it held in order. */
  takeAll(): T[] {
    const items: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) items.push(item);
    return items;
  }
}
