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
// finish out of order, and one event's retries do not hold up the others. N may change while the
// client runs (a destination's own setting edited): more workers start at once; when it is
// lowered, the extra workers end after the event they are on, so nothing in flight is cut off.
//
// This file is the client's face and its worker loop; the loop's parts are beside it, over the
// same queues (pending-queue.ts, retry-wait-list.ts): what goes next and whether it may
// (turn-admission.ts), one attempt (attempt-turn.ts) or one digest request of a rate-limited chat
// destination (digest-turn.ts), what follows either (turn-aftermath.ts, refusal-streak.ts), how
// idle workers are woken (worker-wakeups.ts, clock-alarms.ts), and what becomes of what is left
// when the client stops (client-close.ts).

import type { BreakerView, DeliveryRecord } from '../../../shared/delivery';
import { AttemptTurn } from './attempt-turn';
import { CircuitBreaker, type BreakerTicket } from './breaker';
import type { ClientParts, ResolvedOptions } from './client-parts';
import { ClientClose } from './client-close';
import { ClockAlarms } from './clock-alarms';
import { digestCover, runDigest, type RateControl } from './digest-turn';
import { PendingQueue } from './pending-queue';
import { RefusalStreak } from './refusal-streak';
import { RetryWaitList } from './retry-wait-list';
import { TurnAdmission } from './turn-admission';
import { TurnAftermath } from './turn-aftermath';
import { WorkerWakeups } from './worker-wakeups';

// Defined in shared (the window lists it among the headers sent); re-exported for the tests.
export { USER_AGENT } from '../../../shared/delivery';
export type { ClientParts, DeliveryGate, ResolvedOptions, UrlCheck } from './client-parts';

/** What becomes of an event offered to a client. */
export type Verdict = 'queued' | 'dropped' | 'circuit_skipped';

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
  private readonly workers: Promise<void>[] = [];
  private readonly wakeups = new WorkerWakeups();
  private readonly alarms: ClockAlarms;
  private readonly refusals: RefusalStreak;
  private readonly closer: ClientClose;
  private readonly admission: TurnAdmission;
  private readonly aftermath: TurnAftermath;
  private started = false;
  /** workers running now: fitWorkers() brings it to the concurrency, extra ones end on their own */
  private running = 0;
  /** Settles when close() has finished: nothing of this client is queued or in flight any more. */
  readonly closed: Promise<void>;

  private readonly o: ResolvedOptions;

  constructor(
    readonly url: string,
    private readonly parts: ClientParts,
  ) {
    const o = (this.o = parts.options);
    const { gate, events } = parts;
    this.pending = new PendingQueue(o.queueSize, o.queueBytes, (id) => this.load(id));
    const breaker = (this.breaker = new CircuitBreaker({ threshold: o.circuitThreshold, cooldownMs: o.circuitCooldownMs, now: o.now }));
    this.turn = new AttemptTurn(url, o, parts.signer, events, this.stop.signal, () => gate.suspended);
    const { waiting, wakeups, pending, turn, stop, inFlight, workers } = this;
    const changed = (): void => events.changed();
    const alarms = (this.alarms = new ClockAlarms({ wakeups, waiting, breaker, now: o.now, stop: stop.signal, changed }));
    const refusals = (this.refusals = new RefusalStreak(changed));
    const start = (): void => this.start();
    const closer = (this.closer = new ClientClose({ o, gate, events, records: parts.records, pending, waiting, inFlight, wakeups, stop, workers, start }));
    this.closed = closer.closed;
    const load = (id: number): DeliveryRecord | undefined => this.load(id);
    this.admission = new TurnAdmission({ o, gate, pending, waiting, breaker, rate: parts.rate, wakeups, alarms, load, draining: () => closer.draining });
    this.aftermath = new TurnAftermath({ o, events, breaker, waiting, turn, refusals, alarms, close: closer });
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
    if (!this.o.durable && open && this.pending.size === 0 && idleWorker && !this.parts.gate.paused) return 'circuit_skipped';
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
    this.alarms.armDue();
    this.wake();
  }

  /**
   * Starts the workers (after the previous URL's client has drained; or by close(), whose drain
   * needs them). Idempotent.
   */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.addWorkers();
  }

  /**
   * The concurrency changed: workers up to it start now; above it, the extra ones end once the
   * event they are on is done (they look at the top of every turn). A closing client keeps the
   * workers it has: its drain waits for exactly those.
   */
  fitWorkers(): void {
    if (this.started && !this.closer.draining) this.addWorkers();
    this.wake();
  }

  /**
   * As many workers as the concurrency lacks, counted once: a worker may end before its first
   * wait (a draining client with nothing left), and must not be replaced then.
   */
  private addWorkers(): void {
    const lacking = this.o.concurrency - this.running;
    for (let i = 0; i < lacking; i++) {
      this.running++;
      this.workers.push(this.work());
    }
  }

  /** Lets waiting workers look again (new event, resume, probe finished, due time, closing). */
  wake(): void {
    this.wakeups.wake();
  }

  /** This destination's view: the breaker's, with what is held and whether it refuses everything. */
  view(): BreakerView {
    const b = this.breaker.view();
    const held = this.o.durable && b.state !== 'closed' ? this.pending.size + this.waiting.dueCount(this.o.now()) : 0;
    return { ...b, held, refusing: this.refusals.view() };
  }

  /** Events waiting for a later attempt of the schedule. */
  get retrying(): number {
    return this.waiting.size;
  }

  /**
   * Delivers what is due for up to `drainMs`, then stops; what is left is kept pending, abandoned,
   * or (durable mode, a URL change) its ids returned for the next client: see client-close.ts.
   * Idempotent.
   */
  close(drainMs: number, reason: string): Promise<number[]> {
    return this.closer.close(drainMs, reason);
  }

  /** The detail of a record the open breaker kept from being sent. */
  skipDetail(): string {
    const view = this.breaker.view();
    const until = view.openUntil !== null ? ` until ${new Date(view.openUntil).toISOString()}` : '';
    const n = view.consecutiveFailures;
    return `not sent: circuit breaker open${until} after ${n} consecutive failure${n === 1 ? '' : 's'}`;
  }

  /** A parked or waiting id's record, if still queued; taken up by this URL. One gone is counted so (once: its id is dropped). */
  private load(id: number): DeliveryRecord | undefined {
    const rec = this.parts.records.get(id);
    if (rec === undefined) this.parts.events.lost();
    if (rec?.outcome !== 'queued') return undefined;
    if (rec.url !== this.url) this.parts.events.progress(rec, { detail: rec.detail ?? 'queued', url: this.url });
    return rec;
  }

  private idle(): Promise<void> {
    return this.wakeups.idle();
  }

  private async work(): Promise<void> {
    try {
      while (!this.stop.signal.aborted) {
        // One worker too many since the concurrency was lowered: this one ends. The finally below
        // counts it in the same tick, so exactly the surplus ends.
        if (this.running > this.o.concurrency) return;
        const step = this.admission.next();
        switch (step.kind) {
          case 'again':
            continue;
          case 'done':
            return;
          case 'idle':
            await this.idle();
            continue;
          case 'skip':
            this.circuitSkips++;
            this.parts.events.settle(step.rec, 'circuit_skipped', this.skipDetail());
            continue;
          case 'go':
            break;
        }
        const { next, admission, rate } = step;
        if (rate) {
          const covered = digestCover(next.rec, next.from, this.pending, rate);
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
    } finally {
      this.running--;
    }
  }

  private async deliver(rec: DeliveryRecord, ticket: BreakerTicket): Promise<void> {
    const end = await this.turn.run(rec, ticket);
    this.aftermath.afterTurn(rec, end, ticket);
  }

  /** One digest request for `covered`; what is not delivered goes back to be sent one by one. */
  private async sendDigest(covered: DeliveryRecord[], rate: RateControl, ticket: BreakerTicket): Promise<void> {
    for (const rec of covered) this.inFlight.add(rec);
    try {
      const digestNo = this.parts.rate.digests.next();
      const end = await runDigest(covered, { url: this.url, o: this.o, rate, signer: this.parts.signer, events: this.parts.events, stop: this.stop.signal, digestNo });
      this.aftermath.afterDigest(covered, end, ticket);
    } finally {
      for (const rec of covered) this.inFlight.delete(rec);
      this.wake();
    }
  }
}
