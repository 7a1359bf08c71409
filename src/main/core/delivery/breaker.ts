// The circuit breaker, as the reference plugin has it: after CircuitOpenThreshold consecutive
// events that used up every attempt on 5xx or network errors, stop sending for CircuitCooldown.
// Events met while open are not sent (counted circuitSkips). The first event after the cool-down
// is the probe: success closes the breaker, failure reopens it for another cool-down.
//
// The check happens when the worker takes an event off the queue, not when it is submitted —
// like the plugin's post(), so events queued before the breaker opened are skipped too.

import type { BreakerStateName, BreakerView } from '../../../shared/delivery';

/** Consecutive exhausted events that open the breaker (Go: CircuitOpenThreshold = 5). */
export const CIRCUIT_OPEN_THRESHOLD = 5;

/** How long it stays open before the probe (Go: CircuitCooldown = 30 s). */
export const CIRCUIT_COOLDOWN_MS = 30_000;

/**
 * What the worker may do with the event at the head of the queue:
 * - send: breaker closed, send normally;
 * - probe: the cool-down is over and this event decides whether the breaker closes;
 * - skip: open, do not send, count a circuit skip;
 * - wait: a probe is in flight (only with concurrency > 1): leave the event queued until it ends.
 */
export type Admission = 'send' | 'probe' | 'skip' | 'wait';

/**
 * What one admitted event reports back, exactly once: the breaker remembers whether it was the
 * probe, so nobody else has to carry that flag along the delivery.
 */
export interface BreakerTicket {
  readonly probe: boolean;
  /** a 2xx */
  success(): void;
  /** every attempt of this turn used up on 5xx or network errors */
  exhausted(): void;
  /** an outcome the breaker does not judge (4xx, 3xx, blocked, abandoned) */
  neutral(): void;
}

export interface BreakerOptions {
  threshold?: number;
  cooldownMs?: number;
  now?: () => number;
}

export class CircuitBreaker {
  private readonly threshold: number;
  private readonly cooldownMs: number;
  private readonly now: () => number;
  private consecutive = 0;
  /** epoch ms the cool-down ends; null when not open */
  private openUntil: number | null = null;
  /** the cool-down has ended and no probe has decided yet */
  private halfOpen = false;
  private probeInFlight = false;

  constructor(opts: BreakerOptions = {}) {
    this.threshold = opts.threshold ?? CIRCUIT_OPEN_THRESHOLD;
    this.cooldownMs = opts.cooldownMs ?? CIRCUIT_COOLDOWN_MS;
    this.now = opts.now ?? Date.now;
  }

  /** Decides for the event at the head of the queue; call only when there is one. */
  admit(): Admission {
    if (this.openUntil !== null) {
      if (this.now() < this.openUntil) return 'skip';
      // Cool-down over (Go clears circuitOpenUntilNano here and lets this event through).
      this.openUntil = null;
      this.halfOpen = true;
    }
    if (!this.halfOpen) return 'send';
    if (this.probeInFlight) return 'wait';
    this.probeInFlight = true;
    return 'probe';
  }

  /** The ticket of an event admitted as 'send' or 'probe'; only its first report counts. */
  ticket(admission: 'send' | 'probe'): BreakerTicket {
    const probe = admission === 'probe';
    let reported = false;
    const once = (report: (wasProbe: boolean) => void) => () => {
      if (reported) return;
      reported = true;
      report(probe);
    };
    return {
      probe,
      success: once((p) => this.recordSuccess(p)),
      exhausted: once((p) => this.recordExhausted(p)),
      neutral: once((p) => this.recordNeutral(p)),
    };
  }

  /** true while the probe's outcome is awaited: the only time the window may say "probing" */
  get probing(): boolean {
    return this.probeInFlight;
  }

  /** A 2xx. Resets the count; a probe's success closes the breaker. */
  recordSuccess(wasProbe: boolean): void {
    this.consecutive = 0;
    if (wasProbe) this.close();
  }

  /**
   * Every attempt used up on 5xx or network errors. A probe's failure reopens at once (in Go the
   * count is still past the threshold then, so the next failure reopens); otherwise the breaker
   * opens when the count reaches the threshold.
   */
  recordExhausted(wasProbe: boolean): void {
    this.consecutive++;
    if (wasProbe) {
      this.probeInFlight = false;
      this.halfOpen = false;
      this.open();
    } else if (this.openUntil === null && !this.halfOpen && this.consecutive >= this.threshold) {
      this.open();
    }
  }

  /**
   * An outcome the breaker does not judge (4xx, 3xx, blocked, abandoned): neither a failure nor a
   * success, as the plugin's clientErr path. A probe that ends so leaves the breaker half-open,
   * and the next event probes again.
   */
  recordNeutral(wasProbe: boolean): void {
    if (wasProbe) this.probeInFlight = false;
  }

  get state(): BreakerStateName {
    if (this.openUntil !== null) return this.now() < this.openUntil ? 'open' : 'half-open';
    return this.halfOpen ? 'half-open' : 'closed';
  }

  /** The breaker's part of the destination's view (the client adds what it holds). */
  view(): Pick<BreakerView, 'state' | 'openUntil' | 'consecutiveFailures' | 'probing'> {
    const state = this.state;
    return {
      state,
      openUntil: state === 'open' ? this.openUntil : null,
      consecutiveFailures: this.consecutive,
      probing: this.probeInFlight,
    };
  }

  /**
   * Ends the cool-down now, so the next event is the probe: the user asked to send events again,
   * which says they believe the receiver is back. One probe still decides, as after a cool-down.
   */
  probeNow(): void {
    if (this.openUntil !== null && this.now() < this.openUntil) this.openUntil = this.now();
  }

  /** epoch ms the current cool-down ends, or null: lets the owner announce the end of it. */
  get cooldownEndsAt(): number | null {
    return this.openUntil;
  }

  private open(): void {
    this.openUntil = this.now() + this.cooldownMs;
  }

  private close(): void {
    this.openUntil = null;
    this.halfOpen = false;
    this.probeInFlight = false;
  }
}
