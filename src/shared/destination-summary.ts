// What the window and the API see of one destination: its settings (masked), its own counters,
// breaker and reference-client counters, and one status line in the same words as the app's status
// badge (shared/status.ts). `AppState.destinations` is a list of these, the primary first. Pure.

import type { DestinationView } from './destination';
import type { BreakerView, Stats } from './delivery';
import { destinationLabel, secondsUntil } from './status';

export type DestinationStatusKind = 'off' | 'delivering' | 'failing' | 'open' | 'held' | 'refusing' | 'no-url';

export interface DestinationStatus {
  kind: DestinationStatusKind;
  /** one line, e.g. "Circuit open, retrying in 12 s" */
  text: string;
}

export interface DestinationSummary extends DestinationView {
  /** this destination's counters: the accounting invariant holds for each destination */
  stats: Stats;
  breaker: BreakerView;
  /** the reference plugin's per-URL counters of this destination */
  client: { dropped: number; circuitSkips: number };
  /**
   * Events in flight at once to it: its own `concurrency`, or the app-wide setting when it has
   * none. 1: one at a time, in order of acceptance; above 1 events may arrive out of order.
   */
  concurrencyInUse: number;
  status: DestinationStatus;
  /** chat formats with a rate limit: events gathered for the next digest, and when it goes out */
  rateLimited?: { waiting: number; nextDigestAt: number | null };
}

/** What a destination's status line is read from. */
export interface StatusInputs {
  url: string;
  enabled: boolean;
  /** the user paused delivery, or the machine sleeps: events wait */
  waiting: 'paused' | 'suspended' | null;
  breaker: BreakerView;
  stats: Stats;
}

/** Events waiting beyond the one in flight: past this a destination is "Catching up". */
const CATCHING_UP_FROM = 2;

/**
 * The one line for a destination. The order is what the user must act on first: a destination
 * switched off or without a URL, then events held (pause, sleep, an open breaker), then refusals,
 * then failures; otherwise it delivers.
 */
export function destinationStatus(d: StatusInputs, now: number): DestinationStatus {
  if (!d.enabled) return { kind: 'off', text: 'Off: events are not sent here' };
  if (d.url === '') return { kind: 'no-url', text: 'No URL' };
  const waiting = d.stats.queued;
  if (d.waiting === 'paused') return { kind: 'held', text: `Paused — ${waiting} waiting` };
  if (d.waiting === 'suspended') return { kind: 'held', text: `Waiting for the network — ${waiting} waiting` };
  const b = d.breaker;
  if (b.state === 'open') {
    const held = b.held > 0 ? `, ${b.held} held` : '';
    return { kind: 'open', text: b.openUntil === null ? `Circuit open${held}` : `Circuit open${held}, retrying in ${secondsUntil(b.openUntil, now)} s` };
  }
  if (b.state === 'half-open') return { kind: 'open', text: b.probing ? 'Circuit open, probing' : 'Circuit half-open, waiting for an event to probe' };
  if (b.refusing) return { kind: 'refusing', text: `${destinationLabel(d.url)} refuses every event: ${b.refusing.reason}` };
  if (b.consecutiveFailures > 0) return { kind: 'failing', text: 'Failing' };
  if (d.stats.retrying > 0 || waiting >= CATCHING_UP_FROM) return { kind: 'delivering', text: `Catching up — ${waiting} waiting` };
  return { kind: 'delivering', text: 'Delivering' };
}
