// One URL's delivery: the reference plugin's webhook.Client. Its own queue, breaker and per-URL
// counters (dropped, circuitSkips) and its workers; a URL change closes it (draining) and starts
// a fresh one, so those counters restart exactly as the daemon's do. The since-start totals live
// in the RecordKeeper, the one owner of the records: this client only reports what happened.
//
// Two modes. Reference (the plugin): the first attempts, then failed; events met while the breaker
// is open are skipped. Durable (`durable`, with the outbox): the same first attempts, then the
// retry schedule (retry-schedule.ts); events met while the breaker is open are held in order and
// go out, oldest accepted first, once a delivery succeeds.
//
// Ordering: with concurrency 1 (the reference) one event is in flight at a time, in acceptance
// order. With concurrency N, up to N events are in flight; they START in acceptance order but may
// finish out of order, and one event's retries do not hold up the others.
//
// A rate-limited chat destination (digest-turn.ts) sends a backlog as one digest request: the
// worker loop decides that, so it is here; the request itself is in digest-turn.ts, one attempt
// in attempt-turn.ts; how idle workers are woken (events and alarms), in worker-wakeups.ts. Over 300
// lines because the worker loop, its admission (pause, sleep, breaker, rate) and what follows each
// turn are one state machine over the same queues.

import type { Dispatcher as UndiciDispatcher } from 'undici';
import { REFUSAL_STREAK, type BreakerView, type DeliveryRecord, type Refusal } from '../../../shared/delivery';
import { CircuitBreaker, type BreakerTicket } from './breaker';
import { PendingQueue } from './pending-queue';
import type { ClientEvents } from './record-keeper';
import type { RequestSigner } from './request-headers';
import { RetryWaitList } from './retry-wait-list';
import { sleep } from './abortable-sleep';
import { AttemptTurn, type TurnEnd } from './attempt-turn';
import { DigestCounter, runDigest, type RateControl } from './digest-turn';
import { WorkerWakeups } from './worker-wakeups';

// Defined in shared (the window lists it among the headers sent); re-exported for the tests.
export { USER_AGENT } from '../../../shared/delivery';

export type UrlCheck = (url: string) => { ok: true; url: string } | { ok: false; code: string; message: string };

/** What becomes of an event offered to a client. */
export type Verdict = 'queued' | 'dropped' | 'circuit_skipped';

/** Characters of a receiver's answer quoted when it refuses every event. */
const REFUSAL_REASON_CHARS = 80;

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
  /** durable mode: the retry schedule after the first attempts, and the breaker holds */
  durable: boolean;
  /** the later attempts' waits, ms (durable mode; empty: none) */
  retrySchedule: readonly number[];
  /** an event older than this is not tried again: failed (durable mode) */
  maxEventAgeMs: number;
  agent: UndiciDispatcher;
  checkUrl: UrlCheck;
  now: () => number;
  /** the schedule's jitter */
  random: () => number;
}

/** The switches the Dispatcher sets and every client of it reads. */
export interface DeliveryGate {
  /** the user paused delivery: nothing new starts */
  readonly paused: boolean;
  /** the dispatcher is closing: with an outbox, what is still pending stays so for the next start */
  readonly closing: boolean;
  /** the machine sleeps or is offline: attempts wait instead of being used up */
  readonly suspended: boolean;
}

/** What a client works with besides its URL: all owned by the Dispatcher. */
export interface ClientParts {
  readonly options: ResolvedOptions;
  readonly gate: DeliveryGate;
  /** where a parked id's record is read from (the log, as stored) */
  readonly records: { get(id: number): DeliveryRecord | undefined };
  readonly signer: RequestSigner;
  /** the destination's rate limit (rate-limited chat formats), read before every request */
  readonly rate: { current: RateControl | null; readonly digests: DigestCounter };
  /** where the client reports every change of a record: it never writes one itself */
  readonly events: ClientEvents;
}


type Next = { rec: DeliveryRecord; from: 'pending' | 'waiting' };

export class DeliveryClient {
  /** events refused because the queue was full (Go: Client.Dropped) */
  dropped = 0;
  /** events not sent because the breaker was open (Go: Client.CircuitSkips) */
  circuitSkips = 0;
  readonly breaker: CircuitBreaker;

  private readonly pending: PendingQueue;
  /** durable mode: events waiting for a later attempt, by due time */
  private readonly waiting = new RetryWaitList();
  private readonly inFlight = new Set<DeliveryRecord>();
  private readonly stop = new AbortController();
  private readonly turn: AttemptTurn;
  private workers: Promise<void>[] = [];
  private readonly wakeups = new WorkerWakeups();
  private started = false;
  private draining = false;
  private stopReason = 'the dispatcher closed';
  private closing: Promise<number[]> | null = null;
  private refusal: Refusal | null = null;
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
    this.pending = new PendingQueue(o.queueSize, o.queueBytes, (id) => this.load(id));
    this.breaker = new CircuitBreaker({ threshold: o.circuitThreshold, cooldownMs: o.circuitCooldownMs, now: o.now });
    this.turn = new AttemptTurn(url, o, parts.signer, parts.events, this.stop.signal, () => this.gate.suspended);
  }

  /**
   * What would become of an event offered now, without taking it: 'dropped' when the queue is full
   * (without an outbox); 'circuit_skipped' (reference mode) when the breaker is open and a free
   * worker would take this event off the queue right now: the same rule the worker applies at
   * dequeue, applied at once so the record shows its fate immediately. Pure, so the caller can
   * store the record first and only then commit with take().
   */
  verdict(rec: DeliveryRecord): Verdict {
    const idleWorker = this.started && this.inFlight.size < this.o.concurrency;
    const open = this.breaker.state === 'open';
    if (!this.o.durable && open && this.pending.size === 0 && idleWorker && !this.gate.paused) return 'circuit_skipped';
    if (this.pending.hasRoomFor(rec)) return 'queued';
    return this.o.outbox ? 'queued' : 'dropped';
  }

  /** Why the queue is full, for a dropped record's detail. */
  fullDetail(): string {
    return this.pending.fullDetail();
  }

  /** Commits the verdict just given for `rec` (same tick): counts it, or queues or parks it. */
  take(rec: DeliveryRecord, verdict: Verdict): void {
    if (verdict === 'circuit_skipped') {
      this.circuitSkips++;
    } else if (verdict === 'dropped') {
      this.dropped++;
    } else {
      this.pending.add(rec);
      this.wake();
    }
  }

  /**
   * Takes up events pending in the outbox (resumed at start, or handed over from the previous
   * URL), in the order given. One waiting for a later attempt keeps its time: a restart continues
   * the schedule where it was.
   */
  adopt(entries: readonly { id: number; nextAttemptAt?: number | null }[]): void {
    const now = this.o.now();
    const ids: number[] = [];
    for (const e of entries) {
      if (this.o.durable && e.nextAttemptAt != null && e.nextAttemptAt > now) this.waiting.add(e.id, e.nextAttemptAt);
      else ids.push(e.id);
    }
    this.pending.adopt(ids);
    this.armDueTimer();
    this.wake();
  }

  /** Starts the workers (after the previous URL's client has drained). Idempotent. */
  start(): void {
    if (this.started) return;
    this.started = true;
    for (let i = 0; i < this.o.concurrency; i++) this.workers.push(this.work());
  }

  /** Lets waiting workers look again (new event, resume, probe finished, due time, closing). */
  wake(): void {
    this.wakeups.wake();
  }

  /** This destination's view: the breaker's, with what is held and whether it refuses everything. */
  view(): BreakerView {
    const b = this.breaker.view();
    const held = this.o.durable && b.state !== 'closed' ? this.pending.size + this.waiting.dueCount(this.o.now()) : 0;
    return { ...b, held, refusing: this.refusal && this.refusal.count >= REFUSAL_STREAK ? { ...this.refusal } : null };
  }

  /** Events waiting for a later attempt of the schedule. */
  get retrying(): number {
    return this.waiting.size;
  }

  /**
   * Delivers what is due for up to `drainMs` (the plugin's Close), then aborts what is in flight.
   * Reference mode records everything left as abandoned. With an outbox, closing the app leaves it
   * pending for the next start; in durable mode a URL change hands it on: the ids are returned,
   * in order of acceptance, for the next client. Paused, only the events already in flight are
   * waited for. Idempotent.
   */
  close(drainMs: number, reason: string): Promise<number[]> {
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
      const left = this.leftOver(reason);
      this.wakeups.cancelAll();
      this.resolveClosed();
      return left;
    })();
    return this.closing;
  }

  /** What is still pending after the drain: kept, handed on, or abandoned (see close()). */
  private leftOver(reason: string): number[] {
    const { records, parked } = this.pending.takeAll();
    const waiting = this.waiting.takeAll();
    if (this.keepsPending) {
      // Parked and waiting ones are pending in the log already; they stay so.
      for (const rec of records) this.events.keepPending(rec);
      return [];
    }
    if (this.o.durable) return [...records.map((r) => r.id), ...parked, ...waiting].sort((a, b) => a - b);
    const detail = `abandoned: still queued when ${reason}`;
    for (const rec of records) this.events.settle(rec, 'abandoned', detail);
    for (const id of [...parked, ...waiting]) {
      const rec = this.parts.records.get(id);
      if (rec?.outcome === 'queued') this.events.settle(rec, 'abandoned', detail);
    }
    return [];
  }

  /** Closing with an outbox: what is still pending stays so, for the next start. */
  private get keepsPending(): boolean {
    return this.gate.closing && this.o.outbox;
  }

  /** A parked or waiting id's record, if still queued; taken up by this URL. One gone is counted so (once: its id is dropped). */
  private load(id: number): DeliveryRecord | undefined {
    const rec = this.parts.records.get(id);
    if (rec === undefined) this.events.lost();
    if (rec?.outcome !== 'queued') return undefined;
    if (rec.url !== this.url) this.events.progress(rec, { detail: rec.detail ?? 'queued', url: this.url });
    return rec;
  }

  private idle(): Promise<void> {
    return this.wakeups.idle();
  }

  /** Resolves once no event is in flight (workers wake the waiters when one finishes). */
  private async nothingInFlight(): Promise<void> {
    while (this.inFlight.size > 0) await this.idle();
  }

  /** The oldest accepted event that may go now: a due retry or the head of the queue. */
  private peekNext(): Next | 'none' | 'lost' {
    const head = this.pending.peek();
    const dueId = this.waiting.peekDue(this.o.now());
    if (dueId !== undefined && (head === undefined || dueId < head.id)) {
      const rec = this.load(dueId);
      if (rec === undefined) return 'lost';
      return { rec, from: 'waiting' };
    }
    return head ? { rec: head, from: 'pending' } : 'none';
  }

  private async work(): Promise<void> {
    while (!this.stop.signal.aborted) {
      const next = this.peekNext();
      if (next === 'lost') {
        // Removed from the history meanwhile (retention never does; a hand-edited file might).
        this.waiting.pop();
        this.armDueTimer();
        continue;
      }
      if (next === 'none') {
        if (this.draining) return;
        await this.idle();
        continue;
      }
      if (this.gate.paused || this.gate.suspended) {
        if (this.draining && this.gate.suspended) return;
        await this.idle();
        continue;
      }
      // Held events stay pending (kept for the next start, or handed on) rather than wait out a cool-down.
      if (this.o.durable && this.draining && this.breaker.state === 'open') return;
      // The rate limit: no request before the gate opens (a token, or a 429's Retry-After).
      const rate = this.parts.rate.current;
      const rateWait = rate?.gate.waitMs() ?? 0;
      if (rateWait > 0) {
        this.wakeups.alarm('rate', rateWait, { keep: true });
        await this.idle();
        continue;
      }
      // The breaker is consulted at dequeue, as the plugin's post() does.
      const admission = this.breaker.admit();
      if (admission === 'wait') {
        await this.idle();
        continue;
      }
      if (admission === 'skip' && this.o.durable) {
        // Held: the end of the cool-down wakes the workers for the probe.
        await this.idle();
        continue;
      }
      if (next.from === 'waiting') {
        this.waiting.pop();
        this.armDueTimer();
      } else {
        this.pending.shift();
      }
      if (admission === 'skip') {
        this.circuitSkips++;
        this.events.settle(next.rec, 'circuit_skipped', this.skipDetail());
        continue;
      }
      if (rate) {
        const covered = this.digestOf(next.rec, next.from, rate);
        if (covered.length > 1) {
          await this.sendDigest(covered, rate, this.breaker.ticket(admission));
          continue;
        }
      }
      this.inFlight.add(next.rec);
      try {
        await this.deliver(next.rec, this.breaker.ticket(admission));
      } finally {
        this.inFlight.delete(next.rec);
        this.wake();
      }
    }
  }

  /**
   * Uses the request's token and says which events it stands for: `first` alone, or — when more
   * wait than the limit lets through in about 2 s — `first` and the queued events after it.
   * Events retried one by one after a digest (from the wait list) never join another.
   */
  private digestOf(first: DeliveryRecord, from: 'pending' | 'waiting', rate: RateControl): DeliveryRecord[] {
    const plan = rate.gate.plan(from === 'pending' ? this.pending.size + 1 : 1);
    rate.gate.take();
    const covered = [first];
    if (plan.kind !== 'digest') return covered;
    while (covered.length < plan.count) {
      const rec = this.pending.shift();
      if (rec === undefined) break;
      covered.push(rec);
    }
    return covered;
  }

  /** One digest request for `covered`; what is not delivered goes back to be sent one by one. */
  private async sendDigest(covered: DeliveryRecord[], rate: RateControl, ticket: BreakerTicket): Promise<void> {
    for (const rec of covered) this.inFlight.add(rec);
    try {
      const digestNo = this.parts.rate.digests.next();
      const end = await runDigest(covered, { url: this.url, o: this.o, rate, signer: this.parts.signer, events: this.events, stop: this.stop.signal, digestNo });
      if (end.kind === 'delivered') {
        ticket.success();
        this.refusal = null;
        for (const rec of covered) {
          rec.digest = end.digestNo;
          this.events.settle(rec, 'delivered', `delivered in digest #${end.digestNo} (${covered.length} events)`);
        }
        return;
      }
      ticket.neutral();
      if (end.kind === 'aborted') {
        for (const rec of covered) {
          if (this.keepsPending) this.events.keepPending(rec);
          else this.events.settle(rec, 'abandoned', `abandoned: ${this.stopReason} during a digest; the receiver may have got it`);
        }
        return;
      }
      for (const rec of covered) {
        this.waiting.add(rec.id, end.retryAt);
        this.events.progress(rec, { detail: end.detail, nextAttemptAt: end.retryAt });
      }
      this.armDueTimer();
    } finally {
      for (const rec of covered) this.inFlight.delete(rec);
      this.wake();
    }
  }

  /** The detail of a record the open breaker kept from being sent. */
  skipDetail(): string {
    const view = this.breaker.view();
    const until = view.openUntil !== null ? ` until ${new Date(view.openUntil).toISOString()}` : '';
    const n = view.consecutiveFailures;
    return `not sent: circuit breaker open${until} after ${n} consecutive failure${n === 1 ? '' : 's'}`;
  }

  private async deliver(rec: DeliveryRecord, ticket: BreakerTicket): Promise<void> {
    const end = await this.turn.run(rec, ticket);
    this.after(rec, end, ticket);
  }

  /** Acts on how a turn ended: settles, holds for later, or hands the record back. */
  private after(rec: DeliveryRecord, end: TurnEnd, ticket: BreakerTicket): void {
    switch (end.kind) {
      case 'aborted':
        ticket.neutral();
        if (this.keepsPending) this.events.keepPending(rec);
        else if (this.o.durable) this.handOn(rec, end.during);
        else {
          const when = end.during === null ? 'while waiting to retry' : `during attempt ${end.during}; the receiver may have got it`;
          this.events.settle(rec, 'abandoned', `abandoned: ${this.stopReason} ${when}`);
        }
        return;
      case 'final':
        if (end.outcome === 'delivered') {
          ticket.success();
          this.refusal = null;
          // The receiver is back: what waited goes now, oldest accepted first.
          if (this.o.durable && this.waiting.size > 0) {
            this.waiting.allDue(this.o.now());
            this.armDueTimer();
          }
        } else {
          ticket.neutral();
          this.noteRefusal(rec, end.outcome === 'client_error');
        }
        this.events.settle(rec, end.outcome, end.detail);
        return;
      case 'uncounted':
        // Asleep or offline: the receiver was not judged; it goes again once the machine is back.
        ticket.neutral();
        this.waiting.add(rec.id, this.o.now());
        this.events.progress(rec, { detail: end.detail, nextAttemptAt: this.o.now() });
        this.armDueTimer();
        return;
      case 'retryable':
        this.retryable(rec, end, ticket);
        return;
    }
  }

  /**
   * Durable mode, a URL change whose drain ran out: the event cut off stays pending and goes with
   * the rest to the next URL (leftOver() returns the waiting ids), as at-least-once asks: the old
   * receiver may have got it, the new one has not.
   */
  private handOn(rec: DeliveryRecord, during: number | null): void {
    const when = during === null ? 'while it waited to retry' : `during attempt ${during} (the old receiver may have got it)`;
    this.waiting.add(rec.id, this.o.now());
    this.events.progress(rec, { detail: `queued: ${this.stopReason} ${when}; it goes to the new URL`, nextAttemptAt: null });
  }

  /** Three 4xx in a row: the destination refuses every event (named, and notified, by the shell). */
  private noteRefusal(rec: DeliveryRecord, refused: boolean): void {
    if (!refused) return;
    const last = rec.attempts[rec.attempts.length - 1];
    const status = last?.status ?? 0;
    const words = (last?.responseSnippet ?? '').replace(/\s+/g, ' ').trim().slice(0, REFUSAL_REASON_CHARS);
    const reason = words || `HTTP ${status}`;
    const count = (this.refusal?.count ?? 0) + 1;
    this.refusal = { status, reason, count };
    if (count === REFUSAL_STREAK) this.events.changed();
  }

  private retryable(rec: DeliveryRecord, end: Extract<TurnEnd, { kind: 'retryable' }>, ticket: BreakerTicket): void {
    const openUntilBefore = this.breaker.cooldownEndsAt;
    // Only a receiver that is down or failing counts toward the breaker; one still answering
    // 408/429 at the end is reachable (the plugin's 4xx rule).
    if (end.receiverDown) ticket.exhausted();
    else ticket.neutral();
    let opened = '';
    const openUntilAfter = this.breaker.cooldownEndsAt;
    if (openUntilAfter !== null && openUntilAfter !== openUntilBefore) {
      opened = `; circuit breaker opened for ${this.o.circuitCooldownMs} ms`;
      this.announceCooldownEnd();
    }
    const later = this.o.durable ? this.turn.nextAttempt(rec, end) : null;
    if (later === null || 'giveUp' in later) {
      this.events.settle(rec, 'failed', `${end.detail}${later ? `; ${later.giveUp}` : ''}${opened}`);
      return;
    }
    this.waiting.add(rec.id, later.at);
    this.events.progress(rec, { detail: `${end.detail}${opened}; ${later.detail}`, nextAttemptAt: later.at });
    this.armDueTimer();
  }

  /**
   * Wakes the workers when the earliest waiting event is due. One already due needs no timer: a
   * worker sees it on its next look, or it is held (paused, asleep, breaker) by something that
   * wakes the workers itself when it ends.
   */
  private armDueTimer(): void {
    this.wakeups.cancel('due');
    const at = this.waiting.nextDueAt();
    if (at === null || this.stop.signal.aborted) return;
    const wait = at - this.o.now();
    if (wait <= 0) {
      this.wake();
      return;
    }
    // Node counts a timer from the event loop's cached time, which lags the clock after a long
    // turn: it can fire before `at`. Then it waits again (armDueTimer wakes once it is due), or
    // the workers would look, see nothing due, and sleep with nothing left to wake them.
    this.wakeups.alarm('due', wait, { onFire: () => this.armDueTimer() });
  }

  /** The breaker turns half-open by the clock alone; tell the window, and wake held events to probe. */
  private announceCooldownEnd(): void {
    const endsAt = this.breaker.cooldownEndsAt;
    if (endsAt === null) return;
    this.wakeups.alarm('cooldown', endsAt - this.o.now(), {
      onFire: () => {
        // Fired early by the clock (see armDueTimer): the held events would find it still open.
        if (this.o.now() < endsAt && this.breaker.cooldownEndsAt === endsAt) {
          this.announceCooldownEnd();
          return;
        }
        this.events.changed();
        this.wake();
      },
    });
  }
}
