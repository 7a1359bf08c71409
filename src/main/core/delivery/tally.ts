// The since-start counters. Every received event is counted under exactly one outcome at every
// instant — `queued` while waiting or in flight, then moved to its final one — so
// unaccounted(stats) is 0 whenever anyone looks.

import { emptyStats, type Outcome, type Stats } from '../../../shared/delivery';

type Counter = Exclude<keyof Stats, 'received' | 'rejected' | 'resumed' | 'resent'>;

/** The counter each event outcome is counted under (3xx and 4xx count as failed). */
const COUNTER: Record<Exclude<Outcome, 'rejected'>, Counter> = {
  queued: 'queued',
  delivered: 'delivered',
  failed: 'failed',
  client_error: 'failed',
  redirect: 'failed',
  dropped: 'dropped',
  circuit_skipped: 'circuitSkips',
  abandoned: 'abandoned',
  no_url: 'unsent',
  filtered: 'filtered',
};

export class Tally {
  private readonly s: Stats = emptyStats();

  /**
   * A new event, counted under its first outcome; `resent` when it is a copy sent again, `resumed`
   * when it was acknowledged in an earlier run.
   */
  receive(outcome: Exclude<Outcome, 'rejected'>, resent = false, resumed = false): void {
    this.s.received++;
    if (resent) this.s.resent++;
    if (resumed) this.s.resumed++;
    this.s[COUNTER[outcome]]++;
  }

  /** An event pending in the outbox when the app started: received in this run, queued. */
  resume(): void {
    this.s.received++;
    this.s.resumed++;
    this.s.queued++;
  }

  /** An event leaves one outcome (normally queued) for another. */
  move(from: Exclude<Outcome, 'rejected'>, to: Exclude<Outcome, 'rejected'>): void {
    this.s[COUNTER[from]]--;
    this.s[COUNTER[to]]++;
  }

  snapshot(): Stats {
    return { ...this.s };
  }
}
