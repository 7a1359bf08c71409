// What follows a turn at the receiver, of one event (attempt-turn.ts) or of a digest
// (digest-turn.ts): the breaker hears how it went (the turn's ticket, reported exactly once), the
// refusal streak is noted or ended, and each record is settled, or put back in the wait list for a
// later attempt; one the client's stop cut off goes by the stop's rule (client-close.ts).

import type { DeliveryRecord } from '../../../shared/delivery';
import type { AttemptTurn, TurnEnd } from './attempt-turn';
import type { BreakerTicket, CircuitBreaker } from './breaker';
import type { ClientClose } from './client-close';
import type { ClockAlarms } from './clock-alarms';
import type { ResolvedOptions } from './client-parts';
import type { DigestEnd } from './digest-turn';
import type { ClientEvents } from './record-keeper';
import type { RefusalStreak } from './refusal-streak';
import type { RetryWaitList } from './retry-wait-list';

export class TurnAftermath {
  constructor(
    private readonly d: {
      readonly o: ResolvedOptions;
      readonly events: ClientEvents;
      readonly breaker: CircuitBreaker;
      readonly waiting: RetryWaitList;
      readonly turn: AttemptTurn;
      readonly refusals: RefusalStreak;
      readonly alarms: ClockAlarms;
      readonly close: ClientClose;
    },
  ) {}

  /** Acts on how one event's turn ended: settles, holds for later, or hands the record back. */
  afterTurn(rec: DeliveryRecord, end: TurnEnd, ticket: BreakerTicket): void {
    const { o, events, waiting, alarms } = this.d;
    switch (end.kind) {
      case 'aborted':
        ticket.neutral();
        this.d.close.cutOff(rec, end.during);
        return;
      case 'final':
        if (end.outcome === 'delivered') {
          ticket.success();
          this.d.refusals.end();
          // The receiver is back: what waited goes now, oldest accepted first.
          if (o.durable && waiting.size > 0) {
            waiting.allDue(o.now());
            alarms.armDue();
          }
        } else {
          ticket.neutral();
          if (end.outcome === 'client_error') this.d.refusals.note(rec);
        }
        events.settle(rec, end.outcome, end.detail);
        return;
      case 'uncounted':
        // Asleep or offline: the receiver was not judged; it goes again once the machine is back.
        ticket.neutral();
        waiting.add(rec.id, o.now());
        events.progress(rec, { detail: end.detail, nextAttemptAt: o.now() });
        alarms.armDue();
        return;
      case 'retryable':
        this.retryable(rec, end, ticket);
        return;
    }
  }

  /** Acts on how a digest request ended: all delivered, or each goes back to be sent one by one. */
  afterDigest(covered: readonly DeliveryRecord[], end: DigestEnd, ticket: BreakerTicket): void {
    const { events } = this.d;
    if (end.kind === 'delivered') {
      ticket.success();
      this.d.refusals.end();
      for (const rec of covered) {
        rec.digest = end.digestNo;
        events.settle(rec, 'delivered', `delivered in digest #${end.digestNo} (${covered.length} events)`);
      }
      return;
    }
    ticket.neutral();
    if (end.kind === 'aborted') {
      this.d.close.cutOffDigest(covered);
      return;
    }
    for (const rec of covered) {
      this.d.waiting.add(rec.id, end.retryAt);
      events.progress(rec, { detail: end.detail, nextAttemptAt: end.retryAt });
    }
    this.d.alarms.armDue();
  }

  private retryable(rec: DeliveryRecord, end: Extract<TurnEnd, { kind: 'retryable' }>, ticket: BreakerTicket): void {
    const { o, breaker } = this.d;
    const openUntilBefore = breaker.cooldownEndsAt;
    // Only a receiver that is down or failing counts toward the breaker; one still answering
    // 408/429 at the end is reachable (the plugin's 4xx rule).
    if (end.receiverDown) ticket.exhausted();
    else ticket.neutral();
    let opened = '';
    const openUntilAfter = breaker.cooldownEndsAt;
    if (openUntilAfter !== null && openUntilAfter !== openUntilBefore) {
      opened = `; circuit breaker opened for ${o.circuitCooldownMs} ms`;
      this.d.alarms.announceCooldownEnd();
    }
    const later = o.durable ? this.d.turn.nextAttempt(rec, end) : null;
    if (later === null || 'giveUp' in later) {
      this.d.events.settle(rec, 'failed', `${end.detail}${later ? `; ${later.giveUp}` : ''}${opened}`);
      return;
    }
    this.d.waiting.add(rec.id, later.at);
    this.d.events.progress(rec, { detail: `${end.detail}${opened}; ${later.detail}`, nextAttemptAt: later.at });
    this.d.alarms.armDue();
  }
}
