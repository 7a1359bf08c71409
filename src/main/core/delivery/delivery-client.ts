// One URL's delivery: the reference plugin's webhook.Client. Its own queue, breaker and per-URL
// counters (dropped, circuitSkips) and its workers; a URL change closes it (draining) and starts
// a fresh one, so those counters restart exactly as the daemon's do. The since-start totals live
// in the Dispatcher, which owns the clients.
//
// Ordering: with concurrency 1 (the reference) one event is in flight at a time, in submission
// order, its retries included. With concurrency N, up to N events are in flight; they START in
// submission order but may finish out of order, and one event's retries do not hold up the others.

import type { Dispatcher as UndiciDispatcher } from 'undici';
import type { DeliveryRecord } from '../../../shared/delivery';
import { BoundedQueue } from './queue';
import { CircuitBreaker, type BreakerTicket } from './breaker';
import { backoffDelay, parseRetryAfter } from './backoff';
import { sendAttempt, type AttemptOutcome } from './http-sender';
import type { ClientEvents } from './record-keeper';
import type { RequestSigner } from './request-headers';

/** 4xx answers that mean "not now" rather than "never": retried, honouring Retry-After. */
export const RETRYABLE_CLIENT_STATUSES: ReadonlySet<number> = new Set([408, 429]);

// Defined in shared (the window lists it among the headers sent); re-exported for the tests.
export { USER_AGENT } from '../../../shared/delivery';

export type UrlCheck = (url: string) => { ok: true; url: string } | { ok: false; code: string; message: string };

/** What becomes of an event offered to a client. */
export type Verdict = 'queued' | 'dropped' | 'circuit_skipped';

export interface ResolvedOptions {
  queueSize: number;
  timeoutMs: number;
  maxAttempts: number;
  retryBackoffMs: number;
  jitter: boolean;
  maxRetryAfterMs: number;
  circuitThreshold: number;
  circuitCooldownMs: number;
  concurrency: number;
  /**
   * a durable outbox holds every event: a full queue parks the newcomer in the log (to be loaded
   * when there is room) instead of dropping it
   */
  outbox: boolean;
  agent: UndiciDispatcher;
  checkUrl: UrlCheck;
  now: () => number;
}

/** The switches the Dispatcher sets and every client of it reads. */
export interface DeliveryGate {
  /** the user paused delivery: nothing new starts */
  readonly paused: boolean;
  /** the dispatcher is closing: with an outbox, what is still pending stays so for the next start */
  readonly closing: boolean;
}

/** What a client works with besides its URL: all owned by the Dispatcher. */
export interface ClientParts {
  readonly options: ResolvedOptions;
  readonly gate: DeliveryGate;
  /** where a parked id's record is read from (the log, as stored) */
  readonly records: { get(id: number): DeliveryRecord | undefined };
  readonly signer: RequestSigner;
  /** where the client reports every change of a record: it never writes one itself */
  readonly events: ClientEvents;
}

/** Resolves true after `ms`, or false as soon as `signal` aborts. */
function sleep(ms: number, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function failureText(attempt: AttemptOutcome['record']): string {
  return attempt.error === 'http' ? `HTTP ${attempt.status}` : (attempt.message ?? attempt.error ?? 'error');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

export class DeliveryClient {
  /** events refused because the queue was full (Go: Client.Dropped) */
  dropped = 0;
  /** events not sent because the breaker was open (Go: Client.CircuitSkips) */
  circuitSkips = 0;
  readonly breaker: CircuitBreaker;

  private readonly queue: BoundedQueue<DeliveryRecord>;
  /**
   * With an outbox: ids of events waiting in the log because the queue was full (or resumed at
   * start), oldest first. Only ids are held, so memory stays bounded by the queue size.
   */
  private backlog: number[] = [];
  private backlogHead = 0;
  private readonly inFlight = new Set<DeliveryRecord>();
  private readonly stop = new AbortController();
  private workers: Promise<void>[] = [];
  private waiters: (() => void)[] = [];
  private started = false;
  private draining = false;
  private stopReason = 'the dispatcher closed';
  private closing: Promise<void> | null = null;
  private cooldownTimer: NodeJS.Timeout | null = null;
  private resolveClosed!: () => void;
  /** Settles when close() has finished: nothing of this client is queued or in flight any more. */
  readonly closed = new Promise<void>((resolve) => (this.resolveClosed = resolve));

  private readonly o: ResolvedOptions;
  private readonly gate: DeliveryGate;
  private readonly events: ClientEvents;

  constructor(
    readonly url: string,
    private readonly parts: ClientParts,
  ) {
    const o = (this.o = parts.options);
    this.gate = parts.gate;
    this.events = parts.events;
    this.queue = new BoundedQueue(o.queueSize);
    this.breaker = new CircuitBreaker({ threshold: o.circuitThreshold, cooldownMs: o.circuitCooldownMs, now: o.now });
  }

  /**
   * What would become of an event offered now, without taking it: 'dropped' when the queue is full
   * (without an outbox); 'circuit_skipped' when the breaker is open and a free worker would take
   * this event off the queue right now: the same rule the worker applies at dequeue, applied at
   * once so the record shows its fate immediately. Pure, so the caller can store the record
   * first and only then commit with take().
   */
  verdict(): Verdict {
    const idleWorker = this.started && this.inFlight.size < this.o.concurrency;
    const nothingAhead = this.queue.size === 0 && this.backlogSize === 0;
    if (nothingAhead && idleWorker && !this.gate.paused && this.breaker.state === 'open') return 'circuit_skipped';
    if (this.backlogSize === 0 && this.queue.size < this.queue.capacity) return 'queued';
    return this.o.outbox ? 'queued' : 'dropped';
  }

  /** Commits the verdict just given for `rec` (same tick): counts it, or queues or parks it. */
  take(rec: DeliveryRecord, verdict: Verdict): void {
    if (verdict === 'circuit_skipped') {
      this.circuitSkips++;
    } else if (verdict === 'dropped') {
      this.dropped++;
    } else {
      // Order of acceptance: once anything is parked, newcomers queue behind it.
      if (this.backlogSize > 0 || !this.queue.push(rec)) this.backlog.push(rec.id);
      this.wake();
    }
  }

  /** Takes up events pending in the outbox (resumed at start), by id, in the order given. */
  adopt(ids: readonly number[]): void {
    for (const id of ids) this.backlog.push(id);
    this.wake();
  }

  private get backlogSize(): number {
    return this.backlog.length - this.backlogHead;
  }

  /** Moves parked events into the queue while it has room, oldest first. */
  private refill(): void {
    while (this.backlogSize > 0 && this.queue.size < this.queue.capacity) {
      const id = this.backlog[this.backlogHead++]!;
      const rec = this.parts.records.get(id);
      if (rec?.outcome === 'queued') {
        if (rec.url !== this.url) this.events.progress(rec, { detail: rec.detail ?? 'queued', url: this.url });
        this.queue.push(rec);
      }
    }
    // Drop the consumed prefix once it is as long as the rest: amortised O(1) per event.
    if (this.backlogHead > 0 && this.backlogHead >= this.backlogSize) {
      this.backlog = this.backlog.slice(this.backlogHead);
      this.backlogHead = 0;
    }
  }

  /** Starts the workers (after the previous URL's client has drained). Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.o.concurrency; i++) this.workers.push(this.work());
  }

  /** Lets waiting workers look again (new event, resume, probe finished, closing). */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  /**
   * Delivers what is queued for up to `drainMs` (the plugin's Close), then aborts what is in
   * flight and records everything left as abandoned. Paused, nothing more would be sent, so only
   * the events already in flight are waited for (pause lets them finish). Idempotent: a second
   * call returns the first one's promise.
   */
  close(drainMs: number, reason: string): Promise<void> {
    if (this.closing) return this.closing;
    this.stopReason = reason;
    this.draining = true;
    this.start();
    this.wake();
    this.closing = (async () => {
      const paused = this.gate.paused;
      const drained = (paused ? this.nothingInFlight() : Promise.all(this.workers)).then(() => true);
      const timer = new AbortController();
      const inTime = await Promise.race([drained, sleep(drainMs, timer.signal).then(() => false)]);
      timer.abort();
      // Paused workers wait for a resume that will not come: stopped like those out of time.
      if (!inTime || paused) {
        this.stop.abort();
        this.wake();
        await Promise.all(this.workers);
      }
      for (const rec of this.queue.takeAll()) this.abandon(rec, `abandoned: still queued when ${reason}`);
      // Parked events are pending in the log already; they stay so when the outbox keeps them.
      const parked = this.backlog.slice(this.backlogHead);
      this.backlog = [];
      this.backlogHead = 0;
      if (!this.keepsPending) {
        for (const id of parked) {
          const rec = this.parts.records.get(id);
          if (rec?.outcome === 'queued') this.events.settle(rec, 'abandoned', `abandoned: still queued when ${reason}`);
        }
      }
      if (this.cooldownTimer) clearTimeout(this.cooldownTimer);
      this.resolveClosed();
    })();
    return this.closing;
  }

  /** Closing with an outbox: what is still pending stays so, for the next start. */
  private get keepsPending(): boolean {
    return this.gate.closing && this.o.outbox;
  }

  /** An event this client gives up because it stops: kept pending by the outbox when there is one. */
  private abandon(rec: DeliveryRecord, detail: string): void {
    if (this.keepsPending) this.events.keepPending(rec);
    else this.events.settle(rec, 'abandoned', detail);
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Resolves once no event is in flight (workers wake the waiters when one finishes). */
  private async nothingInFlight(): Promise<void> {
    while (this.inFlight.size > 0) await this.idle();
  }

  private async work(): Promise<void> {
    while (!this.stop.signal.aborted) {
      this.refill();
      if (this.queue.size === 0) {
        if (this.draining) return;
        await this.idle();
        continue;
      }
      if (this.gate.paused) {
        await this.idle();
        continue;
      }
      // The breaker is consulted at dequeue, as the plugin's post() does.
      const admission = this.breaker.admit();
      if (admission === 'wait') {
        await this.idle();
        continue;
      }
      const rec = this.queue.shift()!;
      if (admission === 'skip') {
        this.circuitSkips++;
        this.events.settle(rec, 'circuit_skipped', this.skipDetail());
        continue;
      }
      this.inFlight.add(rec);
      try {
        await this.deliver(rec, this.breaker.ticket(admission));
      } finally {
        this.inFlight.delete(rec);
        this.wake();
      }
    }
  }

  /** The detail of a record the open breaker kept from being sent. */
  skipDetail(): string {
    const view = this.breaker.view();
    const until = view.openUntil !== null ? ` until ${new Date(view.openUntil).toISOString()}` : '';
    return `not sent: circuit breaker open${until} after ${plural(view.consecutiveFailures, 'consecutive failure')}`;
  }

  private async deliver(rec: DeliveryRecord, ticket: BreakerTicket): Promise<void> {
    const o = this.o;
    const check = o.checkUrl(this.url);
    if (!check.ok) {
      ticket.neutral();
      this.events.attempt(rec, { startedAt: o.now(), durationMs: 0, error: 'blocked', message: check.message }, `blocked: ${check.message}`);
      this.events.settle(rec, 'failed', `blocked: ${check.message}`);
      return;
    }
    this.events.progress(rec, { detail: ticket.probe ? 'sending: probe after the circuit breaker cool-down' : 'sending' });

    const msgId = this.parts.signer.messageId(rec.id);
    let last: AttemptOutcome | undefined;
    for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
      if (last) {
        const wait = this.retryWait(attempt, last);
        this.events.progress(rec, { detail: `${failureText(last.record)} on attempt ${attempt - 1} of ${o.maxAttempts}; retrying in ${wait} ms` });
        if (!(await sleep(wait, this.stop.signal))) {
          ticket.neutral();
          this.abandon(rec, `abandoned: ${this.stopReason} while waiting to retry`);
          return;
        }
      }
      last = await sendAttempt({
        url: check.url,
        body: rec.payload,
        headers: this.parts.signer.headers(msgId, rec.payload),
        timeoutMs: o.timeoutMs,
        agent: o.agent,
        signal: this.stop.signal,
        now: o.now,
      });
      this.events.attempt(rec, last.record, rec.detail ?? 'sending');
      if (this.finishIfFinal(rec, last, attempt, ticket)) return;
    }
    this.exhausted(rec, last!, ticket);
  }

  /** Settles the record when this attempt decides it; false when another attempt should follow. */
  private finishIfFinal(rec: DeliveryRecord, out: AttemptOutcome, attempt: number, ticket: BreakerTicket): boolean {
    const r = out.record;
    if (out.aborted) {
      ticket.neutral();
      this.abandon(rec, `abandoned: ${this.stopReason} during attempt ${attempt}; the receiver may have got it`);
      return true;
    }
    if (r.error === undefined) {
      ticket.success();
      const on = attempt > 1 ? ` on attempt ${attempt}` : '';
      this.events.settle(rec, 'delivered', `delivered: HTTP ${r.status}${on}${ticket.probe ? ' (probe: circuit breaker closed)' : ''}`);
      return true;
    }
    // Neither 3xx nor 4xx nor a refused address says the receiver is down: the breaker ignores them.
    if (r.error === 'redirect') {
      ticket.neutral();
      this.events.settle(rec, 'redirect', `${r.message} (HTTP ${r.status})`);
      return true;
    }
    if (r.error === 'blocked') {
      ticket.neutral();
      this.events.settle(rec, 'failed', `blocked: ${r.message}`);
      return true;
    }
    const status = r.status ?? 0;
    if (r.error === 'http' && status < 500 && !RETRYABLE_CLIENT_STATUSES.has(status)) {
      ticket.neutral();
      this.events.settle(rec, 'client_error', `HTTP ${status}: refused by the receiver, not retried`);
      return true;
    }
    return false;
  }

  private retryWait(attempt: number, last: AttemptOutcome): number {
    const o = this.o;
    const wait = backoffDelay(attempt, o.retryBackoffMs, o.jitter);
    const status = last.record.status;
    if (status === undefined || !RETRYABLE_CLIENT_STATUSES.has(status)) return wait;
    const asked = parseRetryAfter(last.retryAfter, o.now(), o.maxRetryAfterMs);
    return asked === null ? wait : Math.max(wait, asked);
  }

  private exhausted(rec: DeliveryRecord, last: AttemptOutcome, ticket: BreakerTicket): void {
    const r = last.record;
    // Only a receiver that is down or failing counts toward the breaker; one still answering
    // 408/429 at the end is reachable (the plugin's 4xx rule).
    const receiverDown = !(r.error === 'http' && (r.status ?? 0) < 500);
    const openUntilBefore = this.breaker.cooldownEndsAt;
    if (receiverDown) ticket.exhausted();
    else ticket.neutral();
    const n = rec.attempts.length;
    let detail = `${failureText(r)} after ${plural(n, 'attempt')}`;
    const openUntilAfter = this.breaker.cooldownEndsAt;
    if (openUntilAfter !== null && openUntilAfter !== openUntilBefore) {
      detail += `; circuit breaker opened for ${this.o.circuitCooldownMs} ms`;
      this.announceCooldownEnd();
    }
    this.events.settle(rec, 'failed', detail);
  }

  /** The breaker turns half-open by the clock alone; tell the window when it does. */
  private announceCooldownEnd(): void {
    const endsAt = this.breaker.cooldownEndsAt;
    if (endsAt === null) return;
    if (this.cooldownTimer) clearTimeout(this.cooldownTimer);
    this.cooldownTimer = setTimeout(() => this.events.changed(), Math.max(0, endsAt - this.o.now()));
    // A pending announcement must not keep a headless process alive.
    this.cooldownTimer.unref();
  }
}
