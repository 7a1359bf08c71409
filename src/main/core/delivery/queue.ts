// A bounded FIFO: the reference plugin's `chan *Event` with a 1024 buffer. Pushing onto a full
// queue fails instead of blocking, so the caller can record the drop (Emit never blocks).

/** Events waiting for delivery, the ones in flight not counted (Go: `make(chan *Event, 1024)`). */
export const DEFAULT_QUEUE_SIZE = 1024;

export class BoundedQueue<T> {
  // A ring buffer: shift and push are O(1) however long the queue has been in use.
  private readonly slots: (T | undefined)[];
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`queue capacity must be a positive integer, got ${capacity}`);
    }
    this.slots = new Array<T | undefined>(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Adds at the tail; false (and nothing stored) when full. */
  push(item: T): boolean {
    if (this.count === this.capacity) return false;
    this.slots[(this.head + this.count) % this.capacity] = item;
    this.count++;
    return true;
  }

  /** The head, left in place; undefined when empty. */
  peek(): T | undefined {
    return this.count === 0 ? undefined : this.slots[this.head];
  }

  /** Removes and returns the head, or undefined when empty. */
  shift(): T | undefined {
    if (this.count === 0) return undefined;
    const item = this.slots[this.head];
    this.slots[this.head] = undefined; // let the record be collected once delivered
    this.head = (this.head + 1) % this.capacity;
    this.count--;
    return item;
  }

  /** Empties the queue, returning what it held in order. */
  takeAll(): T[] {
    const items: T[] = [];
    for (let item = this.shift(); item !== undefined; item = this.shift()) items.push(item);
    return items;
  }
}
