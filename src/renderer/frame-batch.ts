// Coalesces bursts into one update per animation frame: at thousands of events a second the
// window renders at most once per frame, however many pushes arrived.

/**
 * Past this many waiting items the batch is handed over at once, without waiting for a frame:
 * a hidden window gets no frames, and the items must not pile up meanwhile.
 */
const MAX_WAITING_ITEMS = 10_000;

export class FrameBatch<T> {
  private waiting: T[] = [];
  private scheduled = false;

  constructor(private readonly flush: (items: T[]) => void) {}

  add(items: readonly T[]): void {
    for (const item of items) this.waiting.push(item);
    if (this.waiting.length > MAX_WAITING_ITEMS) {
      this.run();
      return;
    }
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.run());
    }
  }

  private run(): void {
    this.scheduled = false;
    if (this.waiting.length === 0) return;
    const items = this.waiting;
    this.waiting = [];
    this.flush(items);
  }
}
