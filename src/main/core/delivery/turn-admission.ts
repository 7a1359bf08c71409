// The worker loop's question each time round: what goes next, and may it go now? Next is the
// oldest accepted of the queue's head and the earliest due retry. Then it is admitted, or not, in
// this order: paused or asleep, the drain's end, the rate gate, and the breaker (consulted at
// dequeue, as the plugin's post() does). An event admitted is taken off its list: it is the
// worker's to skip or send.

import type { DeliveryRecord } from '../../../shared/delivery';
import type { CircuitBreaker } from './breaker';
import type { ClientParts, DeliveryGate, ResolvedOptions } from './client-parts';
import type { ClockAlarms } from './clock-alarms';
import type { RateControl } from './digest-turn';
import type { PendingQueue } from './pending-queue';
import type { RetryWaitList } from './retry-wait-list';
import type { WorkerWakeups } from './worker-wakeups';

/** Where an event comes from: the queue of those not sent yet, or the wait list of retries. */
export type Source = 'pending' | 'waiting';

export interface Next {
  readonly rec: DeliveryRecord;
  readonly from: Source;
}

/** What the worker does now. */
export type Step =
  /** look again at once (a due id whose record was gone has been dropped) */
  | { kind: 'again' }
  /** nothing may go now: wait to be woken */
  | { kind: 'idle' }
  /** the client is draining and nothing more goes: the worker ends */
  | { kind: 'done' }
  /** the breaker is open (reference mode): the event is not sent */
  | { kind: 'skip'; rec: DeliveryRecord }
  /** the event goes, with the rate limit its request is under */
  | { kind: 'go'; next: Next; admission: 'send' | 'probe'; rate: RateControl | null };

const AGAIN: Step = { kind: 'again' };
const IDLE: Step = { kind: 'idle' };
const DONE: Step = { kind: 'done' };

export class TurnAdmission {
  constructor(
    private readonly d: {
      readonly o: ResolvedOptions;
      readonly gate: DeliveryGate;
      readonly pending: PendingQueue;
      readonly waiting: RetryWaitList;
      readonly breaker: CircuitBreaker;
      readonly rate: ClientParts['rate'];
      readonly wakeups: WorkerWakeups;
      readonly alarms: ClockAlarms;
      /** a waiting id's record, if still queued (see DeliveryClient.load) */
      readonly load: (id: number) => DeliveryRecord | undefined;
      /** close() has begun: a worker with nothing it may send ends instead of waiting */
      readonly draining: () => boolean;
    },
  ) {}

  next(): Step {
    const { o, gate, breaker, waiting } = this.d;
    const next = this.peekNext();
    if (next === 'lost') {
      // Removed from the history meanwhile (retention never does; a hand-edited file might).
      waiting.pop();
      this.d.alarms.armDue();
      return AGAIN;
    }
    const draining = this.d.draining();
    if (next === 'none') return draining ? DONE : IDLE;
    if (gate.paused || gate.suspended) return draining && gate.suspended ? DONE : IDLE;
    // Held events stay pending (kept for the next start, or handed on) rather than wait out a cool-down.
    if (o.durable && draining && breaker.state === 'open') return DONE;
    // The rate limit: no request before the gate opens (a token, or a 429's Retry-After).
    const rate = this.d.rate.current;
    const rateWait = rate?.gate.waitMs() ?? 0;
    if (rateWait > 0) {
      this.d.wakeups.alarm('rate', rateWait, { keep: true });
      return IDLE;
    }
    const admission = breaker.admit();
    if (admission === 'wait') return IDLE;
    // Held: the end of the cool-down wakes the workers for the probe.
    if (admission === 'skip' && o.durable) return IDLE;
    if (next.from === 'waiting') {
      waiting.pop();
      this.d.alarms.armDue();
    } else {
      this.d.pending.shift();
    }
    if (admission === 'skip') return { kind: 'skip', rec: next.rec };
    return { kind: 'go', next, admission, rate };
  }

  /** The oldest accepted event that may go now: a due retry or the head of the queue. */
  private peekNext(): Next | 'none' | 'lost' {
    const head = this.d.pending.peek();
    const dueId = this.d.waiting.peekDue(this.d.o.now());
    if (dueId !== undefined && (head === undefined || dueId < head.id)) {
      const rec = this.d.load(dueId);
      if (rec === undefined) return 'lost';
      return { rec, from: 'waiting' };
    }
    return head ? { rec: head, from: 'pending' } : 'none';
  }
}
