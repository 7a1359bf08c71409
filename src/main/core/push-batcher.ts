// Coalesces pushes to the window: the state is sent at most once per interval (its latest value),
// and changed records are collected by id and sent together. A burst of thousands of events
// becomes a handful of messages, so the window is never flooded.

import type { DeliveryRecord } from '../../shared/delivery';

type Listener<V> = (value: V) => void;

export class PushBatcher<P extends { state: unknown; records: DeliveryRecord[] }> {
  private readonly listeners: { [K in keyof P]?: Set<Listener<P[K]>> } = {};
  private stateDirty = false;
  private readonly records = new Map<number, DeliveryRecord>();
  private timer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(
    private readonly snapshot: (push: 'state') => P['state'] | undefined,
    private readonly intervalMs: number,
  ) {}

  subscribe = <K extends keyof P>(push: K, listener: Listener<P[K]>): (() => void) => {
    const set = (this.listeners[push] ??= new Set()) as Set<Listener<P[K]>>;
    set.add(listener);
    return () => set.delete(listener);
  };

  stateChanged(): void {
    this.stateDirty = true;
    this.schedule();
  }

  recordChanged(rec: DeliveryRecord): void {
    this.records.set(rec.id, rec);
    // A record change is a counter change too.
    this.stateDirty = true;
    this.schedule();
  }

  /** Sends whatever is pending now. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.records.size > 0) {
      const batch = [...this.records.values()];
      this.records.clear();
      this.emit('records', batch as P['records']);
    }
    if (this.stateDirty) {
      this.stateDirty = false;
      const state = this.snapshot('state');
      if (state !== undefined) this.emit('state', state);
    }
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private schedule(): void {
    if (this.timer || this.closed) return;
    this.timer = setTimeout(() => this.flush(), this.intervalMs);
    this.timer.unref();
  }

  private emit<K extends keyof P>(push: K, value: P[K]): void {
    for (const l of this.listeners[push] ?? []) {
      try {
        l(value);
      } catch {
        // A failing listener (a window gone mid-send) must not stop the others.
      }
    }
  }
}
