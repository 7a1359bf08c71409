// Events waiting for a later attempt (durable mode), by id and due time: a min-heap ordered by due
// time, then by id, so among the events due the oldest accepted goes first. Only ids and times are
// held: the records stay in the outbox, and memory stays small however long an outage lasts.

interface Entry {
  id: number;
  dueAt: number;
}

function before(a: Entry, b: Entry): boolean {
  return a.dueAt < b.dueAt || (a.dueAt === b.dueAt && a.id < b.id);
}

export class RetryWaitList {
  private heap: Entry[] = [];

  get size(): number {
    return this.heap.length;
  }

  add(id: number, dueAt: number): void {
    this.heap.push({ id, dueAt });
    this.up(this.heap.length - 1);
  }

  /** When the earliest entry is due; null when none waits. */
  nextDueAt(): number | null {
    return this.heap[0]?.dueAt ?? null;
  }

  /** The id of the earliest entry when it is due at `now`, left in place. */
  peekDue(now: number): number | undefined {
    const top = this.heap[0];
    return top !== undefined && top.dueAt <= now ? top.id : undefined;
  }

  /** Removes the earliest entry (the one peekDue named). */
  pop(): number | undefined {
    const top = this.heap[0];
    if (top === undefined) return undefined;
    const last = this.heap.pop()!;
    if (this.heap.length > 0) {
      this.heap[0] = last;
      this.down(0);
    }
    return top.id;
  }

  /** How many are due at `now`. */
  dueCount(now: number): number {
    let n = 0;
    for (const e of this.heap) if (e.dueAt <= now) n++;
    return n;
  }

  /** Everything is due now: they then go out oldest accepted first (the receiver is back). */
  allDue(now: number): void {
    for (const e of this.heap) e.dueAt = Math.min(e.dueAt, now);
    // A sorted array is a valid heap.
    this.heap.sort((a, b) => (before(a, b) ? -1 : before(b, a) ? 1 : 0));
  }

  /** Empties the list; the ids in order of acceptance. */
  takeAll(): number[] {
    const ids = this.heap.map((e) => e.id).sort((a, b) => a - b);
    this.heap = [];
    return ids;
  }

  private up(i: number): void {
    const h = this.heap;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(h[i]!, h[parent]!)) return;
      [h[i], h[parent]] = [h[parent]!, h[i]!];
      i = parent;
    }
  }

  private down(i: number): void {
    const h = this.heap;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < h.length && before(h[l]!, h[m]!)) m = l;
      if (r < h.length && before(h[r]!, h[m]!)) m = r;
      if (m === i) return;
      [h[i], h[m]] = [h[m]!, h[i]!];
      i = m;
    }
  }
}
