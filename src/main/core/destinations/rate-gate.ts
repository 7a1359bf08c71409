// A destination's rate limit, and when to gather waiting events into one digest message instead
// of sending them one by one. A token bucket refilled at `perMinute`, holding what the limit lets
// through in DIGEST_HORIZON_MS (at least one): bursts within the service's documented rate go out
// one by one; when more events wait than the limit lets through in that horizon, the next send is
// one digest of them. A 429's Retry-After closes the gate until then. Time is injected (tests use
// a fake clock).

/** "About 2 s": a backlog the limit cannot clear in this long is sent as a digest. */
export const DIGEST_HORIZON_MS = 2000;
/** Events one digest stands for at most (its message lists 20 of them and counts the rest). */
export const MAX_DIGEST_EVENTS = 500;

export type SendPlan = { kind: 'single' } | { kind: 'digest'; count: number } | { kind: 'wait'; ms: number };

export class RateGate {
  private tokens: number;
  private last: number;
  private closedUntil = 0;
  readonly capacity: number;
  private readonly perMs: number;

  constructor(
    readonly perMinute: number,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isFinite(perMinute) || perMinute <= 0) throw new RangeError(`perMinute must be > 0, got ${perMinute}`);
    this.perMs = perMinute / 60_000;
    this.capacity = Math.max(1, Math.floor(this.perMs * DIGEST_HORIZON_MS));
    this.tokens = this.capacity;
    this.last = now();
  }

  private refill(): void {
    const t = this.now();
    this.tokens = Math.min(this.capacity, this.tokens + (t - this.last) * this.perMs);
    this.last = t;
  }

  /** ms until the next send may go (0 = now). */
  waitMs(): number {
    this.refill();
    const closed = Math.max(0, this.closedUntil - this.now());
    const forToken = this.tokens >= 1 ? 0 : Math.ceil((1 - this.tokens) / this.perMs);
    return Math.max(closed, forToken);
  }

  /** What to do with `waiting` events: one now, a digest of `count` now, or wait. */
  plan(waiting: number): SendPlan {
    if (waiting <= 0) return { kind: 'wait', ms: Number.POSITIVE_INFINITY };
    const ms = this.waitMs();
    if (ms > 0) return { kind: 'wait', ms };
    // What the limit lets through within the horizon, counting the token about to be used.
    const throughput = Math.floor(this.tokens) + Math.floor(this.perMs * DIGEST_HORIZON_MS);
    return waiting > Math.max(1, throughput) ? { kind: 'digest', count: Math.min(waiting, MAX_DIGEST_EVENTS) } : { kind: 'single' };
  }

  /** Uses one token (one HTTP request, whether one event or a digest). */
  take(): void {
    this.refill();
    this.tokens = Math.max(0, this.tokens - 1);
  }

  /** A 429 answered Retry-After: nothing goes before then, and the bucket starts empty after. */
  retryAfter(ms: number): void {
    this.closedUntil = Math.max(this.closedUntil, this.now() + Math.max(0, ms));
    this.tokens = 0;
  }
}
