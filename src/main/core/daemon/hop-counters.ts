// Lifetime totals of the daemon→app hop. The daemon's Health counters `webhook_queue_dropped`
// and `webhook_circuit_skips` belong to its current webhook client, which it rebuilds on every
// SetWebhook (and on restart): the raw values fall back to 0 each time the link re-asserts our
// ingest URL. Shown raw, a loss would vanish from the window at the next reconnect; summed here,
// it never does.

/** The Health keys of the daemon's webhook client counters (pkg/daemon/ipc.go handleHealth). */
export const HEALTH_DROPPED_KEY = 'webhook_queue_dropped';
export const HEALTH_SKIPS_KEY = 'webhook_circuit_skips';

export interface HopTotals {
  dropped: number;
  circuitSkips: number;
}

function counter(health: Record<string, unknown>, key: string): number | null {
  const v = health[key];
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : null;
}

class MonotonicSum {
  private base = 0;
  private last = 0;

  /** A reading of the daemon's per-client counter; a drop below the last one means a reset. */
  observe(value: number): void {
    if (value < this.last) this.base += this.last;
    this.last = value;
  }

  /** The daemon's client was rebuilt (we sent SetWebhook): bank the last reading. */
  reset(): void {
    this.base += this.last;
    this.last = 0;
  }

  get total(): number {
    return this.base + this.last;
  }
}

export class HopCounters {
  private readonly dropped = new MonotonicSum();
  private readonly skips = new MonotonicSum();

  observe(health: Record<string, unknown>): void {
    const d = counter(health, HEALTH_DROPPED_KEY);
    const s = counter(health, HEALTH_SKIPS_KEY);
    if (d !== null) this.dropped.observe(d);
    if (s !== null) this.skips.observe(s);
  }

  clientRebuilt(): void {
    this.dropped.reset();
    this.skips.reset();
  }

  totals(): HopTotals {
    return { dropped: this.dropped.total, circuitSkips: this.skips.total };
  }
}
