// One URL's delivery: the reference plugin's webhook.Client. Its own queue, breaker and per-URL
// counters (dropped, circuitSkips) and its workers; a URL change closes it (draining) and starts
// a fresh one, so those counters restart exactly as the daemon's do. The since-start totals live
// in the Dispatcher, which owns the clients.
//
// Ordering: with concurrency 1 (the reference) one event is in flight at a time, in submission
// order, its retries included. With concurrency N, up to N events are in flight; they START in
// submission order but may finish out of order, and one event's retries do not hold up the others.

import type { Dispatcher as UndiciDispatcher } from 'undici';
import { USER_AGENT, type DeliveryRecord, type Outcome } from '../../../shared/delivery';
import type { RecordLog } from './delivery-log';
import { BoundedQueue } from './queue';
import { CircuitBreaker } from './breaker';
import { backoffDelay, parseRetryAfter } from './backoff';
import { sendAttempt, type AttemptOutcome } from './http-sender';
import { signatureHeaders } from './signing';

/** 4xx answers that mean "not now" rather than "never": retried, honouring Retry-After. */
export const RETRYABLE_CLIENT_STATUSES: ReadonlySet<number> = new Set([408, 429]);

// Defined in shared (the window lists it among the headers sent); re-exported for the senders.
export { USER_AGENT };

export type UrlCheck = (url: string) => { ok: true; url: string } | { ok: false; code: string; message: string };

export type FinalOutcome = Exclude<Outcome, 'queued' | 'rejected' | 'filtered'>;

/** What becomes of an event offered to a client. */
export type Verdict = 'queued' | 'dropped' | 'circuit_skipped';

export interface ResolvedOptions {
  queueSize: number;
  /** payload bytes the in-memory queue holds at most (see queue.ts) */
  queueBytes: number;
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

/** What a client needs from the Dispatcher that owns it. */
export interface ClientHost {
  readonly options: ResolvedOptions;
  readonly log: RecordLog;
  isPaused(): boolean;
  /** the record a parked id stands for, as stored */
  load(id: number): DeliveryRecord | undefined;
  /** closing with an outbox: what is still pending stays so, for the next start */
  keepsPending(): boolean;
  secret(): string | null;
  /** the webhook-id of an event: the same for each of its attempts */
  messageId(rec: DeliveryRecord): string;
  /** moves a queued record to its final outcome: counts it, logs it, announces it */
  settle(rec: DeliveryRecord, outcome: FinalOutcome, detail: string): void;
  changed(): void;
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

/** What a record weighs in the queue: its payload's length (characters, about bytes for JSON). */
function payloadBytes(rec: DeliveryRecord): number {
  return rec.payload.length;
}

const BYTES_PER_MIB = 1_048_576;

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

  constructor(
    readonly url: string,
    private readonly host: ClientHost,
  ) {
    const o = host.options;
    this.queue = new BoundedQueue<DeliveryRecord>(o.queueSize, o.queueBytes, payloadBytes);
    this.breaker = new CircuitBreaker({ threshold: o.circuitThreshold, cooldownMs: o.circuitCooldownMs, now: o.now });
  }

  /**
   * What would become of an event offered now, without taking it: 'dropped' when the queue is full
   * (without an outbox); 'circuit_skipped' when the breaker is open and a free worker would take
   * this event off the queue right now: the same rule the worker applies at dequeue, applied at
   * once so the record shows its fate immediately. Pure, so the caller can store the record
   * first and only then commit with take().
   */
  verdict(rec: DeliveryRecord): Verdict {
    const idleWorker = this.started && this.inFlight.size < this.host.options.concurrency;
    const nothingAhead = this.queue.size === 0 && this.backlogSize === 0;
    if (nothingAhead && idleWorker && !this.host.isPaused() && this.breaker.state === 'open') return 'circuit_skipped';
    if (this.backlogSize === 0 && this.queue.hasRoomFor(rec)) return 'queued';
    return this.host.options.outbox ? 'queued' : 'dropped';
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

  /** Why the queue is full, for a "dropped: the queue was full (…)" detail: count or bytes. */
  fullDetail(): string {
    if (this.queue.size === this.queue.capacity) return `${this.queue.size} events waiting`;
    const mib = (n: number): string =>
      n >= BYTES_PER_MIB ? `${(n / BYTES_PER_MIB).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;
    return `${this.queue.size} events of ${mib(this.queue.bytes)} waiting; at most ${mib(this.queue.maxBytes)} wait in memory`;
  }

  /** Takes an event (verdict and take in one step). */
  enqueue(rec: DeliveryRecord): Verdict {
    const v = this.verdict(rec);
    this.take(rec, v);
    return v;
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
      const id = this.backlog[this.backlogHead]!;
      const rec = this.host.load(id);
      if (rec?.outcome === 'queued') {
        // Full by bytes: it stays parked (in the log) until deliveries make room.
        if (!this.queue.hasRoomFor(rec)) break;
        rec.url = this.url;
        this.queue.push(rec);
      }
      this.backlogHead++;
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
    for (let i = 0; i < this.host.options.concurrency; i++) this.workers.push(this.work());
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
      const paused = this.host.isPaused();
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
      for (const rec of this.queue.takeAll()) {
        this.host.settle(rec, 'abandoned', `abandoned: still queued when ${reason}`);
      }
      // Parked events are pending in the log already; they stay so when the outbox keeps them.
      const parked = this.backlog.slice(this.backlogHead);
      this.backlog = [];
      this.backlogHead = 0;
      if (!this.host.keepsPending()) {
        for (const id of parked) {
          const rec = this.host.load(id);
          if (rec?.outcome === 'queued') this.host.settle(rec, 'abandoned', `abandoned: still queued when ${reason}`);
        }
      }
      if (this.cooldownTimer) clearTimeout(this.cooldownTimer);
      this.resolveClosed();
    })();
    return this.closing;
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
      if (this.host.isPaused()) {
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
        this.host.settle(rec, 'circuit_skipped', this.skipDetail());
        continue;
      }
      this.inFlight.add(rec);
      try {
        await this.deliver(rec, admission === 'probe');
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

  private headersFor(rec: DeliveryRecord): Record<string, string> {
    const msgId = this.host.messageId(rec);
    const timestamp = Math.floor(this.host.options.now() / 1000);
    const secret = this.host.secret();
    return {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      // Sent unsigned too: a stable id per event lets any receiver drop duplicate retries.
      'webhook-id': msgId,
      'webhook-timestamp': String(timestamp),
      ...(secret ? signatureHeaders(secret, msgId, timestamp, rec.payload) : {}),
    };
  }

  private async deliver(rec: DeliveryRecord, isProbe: boolean): Promise<void> {
    const o = this.host.options;
    const check = o.checkUrl(this.url);
    if (!check.ok) {
      rec.attempts.push({ startedAt: o.now(), durationMs: 0, error: 'blocked', message: check.message });
      this.breaker.recordNeutral(isProbe);
      this.host.settle(rec, 'failed', `blocked: ${check.message}`);
      return;
    }
    rec.detail = isProbe ? 'sending: probe after the circuit breaker cool-down' : 'sending';
    this.host.log.update(rec);

    let last: AttemptOutcome | undefined;
    for (let attempt = 1; attempt <= o.maxAttempts; attempt++) {
      if (last) {
        const wait = this.retryWait(attempt, last);
        rec.detail = `${failureText(last.record)} on attempt ${attempt - 1} of ${o.maxAttempts}; retrying in ${wait} ms`;
        this.host.log.update(rec);
        if (!(await sleep(wait, this.stop.signal))) {
          this.breaker.recordNeutral(isProbe);
          this.host.settle(rec, 'abandoned', `abandoned: ${this.stopReason} while waiting to retry`);
          return;
        }
      }
      last = await sendAttempt({
        url: check.url,
        body: rec.payload,
        headers: this.headersFor(rec),
        timeoutMs: o.timeoutMs,
        agent: o.agent,
        signal: this.stop.signal,
        now: o.now,
      });
      rec.attempts.push(last.record);
      if (this.finishIfFinal(rec, last, attempt, isProbe)) return;
      this.host.log.update(rec);
    }
    this.exhausted(rec, last!, isProbe);
  }

  /** Settles the record when this attempt decides it; false when another attempt should follow. */
  private finishIfFinal(rec: DeliveryRecord, out: AttemptOutcome, attempt: number, isProbe: boolean): boolean {
    const r = out.record;
    if (out.aborted) {
      this.breaker.recordNeutral(isProbe);
      this.host.settle(rec, 'abandoned', `abandoned: ${this.stopReason} during attempt ${attempt}; the receiver may have got it`);
      return true;
    }
    if (r.error === undefined) {
      this.breaker.recordSuccess(isProbe);
      const on = attempt > 1 ? ` on attempt ${attempt}` : '';
      this.host.settle(rec, 'delivered', `delivered: HTTP ${r.status}${on}${isProbe ? ' (probe: circuit breaker closed)' : ''}`);
      return true;
    }
    // Neither 3xx nor 4xx nor a refused address says the receiver is down: the breaker ignores them.
    if (r.error === 'redirect') {
      this.breaker.recordNeutral(isProbe);
      this.host.settle(rec, 'redirect', `${r.message} (HTTP ${r.status})`);
      return true;
    }
    if (r.error === 'blocked') {
      this.breaker.recordNeutral(isProbe);
      this.host.settle(rec, 'failed', `blocked: ${r.message}`);
      return true;
    }
    const status = r.status ?? 0;
    if (r.error === 'http' && status < 500 && !RETRYABLE_CLIENT_STATUSES.has(status)) {
      this.breaker.recordNeutral(isProbe);
      this.host.settle(rec, 'client_error', `HTTP ${status}: refused by the receiver, not retried`);
      return true;
    }
    return false;
  }

  private retryWait(attempt: number, last: AttemptOutcome): number {
    const o = this.host.options;
    const wait = backoffDelay(attempt, o.retryBackoffMs, o.jitter);
    const status = last.record.status;
    if (status === undefined || !RETRYABLE_CLIENT_STATUSES.has(status)) return wait;
    const asked = parseRetryAfter(last.retryAfter, o.now(), o.maxRetryAfterMs);
    return asked === null ? wait : Math.max(wait, asked);
  }

  private exhausted(rec: DeliveryRecord, last: AttemptOutcome, isProbe: boolean): void {
    const r = last.record;
    // Only a receiver that is down or failing counts toward the breaker; one still answering
    // 408/429 at the end is reachable (the plugin's 4xx rule).
    const receiverDown = !(r.error === 'http' && (r.status ?? 0) < 500);
    const openUntilBefore = this.breaker.cooldownEndsAt;
    if (receiverDown) this.breaker.recordExhausted(isProbe);
    else this.breaker.recordNeutral(isProbe);
    const n = rec.attempts.length;
    let detail = `${failureText(r)} after ${plural(n, 'attempt')}`;
    const openUntilAfter = this.breaker.cooldownEndsAt;
    if (openUntilAfter !== null && openUntilAfter !== openUntilBefore) {
      detail += `; circuit breaker opened for ${this.host.options.circuitCooldownMs} ms`;
      this.announceCooldownEnd();
    }
    this.host.settle(rec, 'failed', detail);
  }

  /** The breaker turns half-open by the clock alone; tell the window when it does. */
  private announceCooldownEnd(): void {
    const endsAt = this.breaker.cooldownEndsAt;
    if (endsAt === null) return;
    if (this.cooldownTimer) clearTimeout(this.cooldownTimer);
    this.cooldownTimer = setTimeout(() => this.host.changed(), Math.max(0, endsAt - this.host.options.now()));
    // A pending announcement must not keep a headless process alive.
    this.cooldownTimer.unref();
  }
}
