// The outcome of the newest event that is no longer queued, followed from the 'records' pushes.
// statusOf needs it: the breaker counts only 5xx and network failures, so a receiver answering 404
// to every event would otherwise still read "Delivering" in the tray.

import type { DeliveryRecord, Outcome } from '../../shared/delivery';

export interface LastFinished {
  id: number;
  outcome: Outcome;
}

/** Outcomes that are not a delivery verdict: still waiting, or not an event at all. */
const NOT_A_VERDICT: ReadonlySet<Outcome> = new Set<Outcome>(['queued', 'rejected']);

export function newestFinished(prev: LastFinished | null, records: readonly DeliveryRecord[]): LastFinished | null {
  let best = prev;
  for (const r of records) {
    if (NOT_A_VERDICT.has(r.outcome)) continue;
    if (best === null || r.id >= best.id) best = { id: r.id, outcome: r.outcome };
  }
  return best;
}
