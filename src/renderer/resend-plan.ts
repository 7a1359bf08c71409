// Before a bulk resend the window says what it will do — "Resend 12 undelivered events since
// 14:05?" — so it first counts, from the host's log, the records the same selection picks:
// undelivered outcomes of the kind asked for, received since the moment, not sent again already,
// and not test events (the host never resends those).

import type { Bridge } from '../shared/bridge';
import { outcomesFor, type DeliveryRecord, type RedeliverOutcome } from '../shared/delivery';

/** Records read to count; a larger backlog is announced as "at least" this many. */
export const PLAN_LIMIT = 5_000;

export interface ResendPlan {
  count: number;
  /** true when there may be more than `count` (the page was full) */
  atLeast: boolean;
  /** receivedAt of the oldest picked record, for "since 14:05" */
  oldest: number | null;
}

export function picks(r: DeliveryRecord, selection: RedeliverOutcome, since: number): boolean {
  return r.receivedAt >= since && outcomesFor(selection).includes(r.outcome) && r.resentAs === undefined && r.source !== 'test';
}

export async function planResend(bridge: Bridge, since: number, selection: RedeliverOutcome): Promise<ResendPlan> {
  const { records } = await bridge.getLog({ since, limit: PLAN_LIMIT });
  let count = 0;
  let oldest: number | null = null;
  for (const r of records) {
    if (!picks(r, selection, since)) continue;
    count++;
    oldest = oldest === null ? r.receivedAt : Math.min(oldest, r.receivedAt);
  }
  return { count, atLeast: records.length >= PLAN_LIMIT, oldest };
}

export function eventsWord(n: number): string {
  return n === 1 ? 'event' : 'events';
}
