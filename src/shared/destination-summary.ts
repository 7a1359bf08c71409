// What the window and the API see of one destination: its settings (masked), its own counters,
// breaker and reference-client counters, and one status line in the same words as the app's status
// badge (shared/status.ts). `AppState.destinations` is a list of these, the primary first. Pure.

import type { DestinationView } from './destination';
import type { BreakerView, Stats } from './delivery';

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
  /** present on the primary while it delivers to a URL for this run only, not saved */
  runOnly?: RunOnly;
}

/**
 * Where the primary's URL comes from while it is for this run only: the `--url` flag (without
 * that URL being saved), or demo mode's built-in receiver. Such a primary is delivered to, counted
 * and shown like any other, but it cannot be edited, switched off or deleted: it is not saved, so
 * there is nothing to change (a flag's URL can be saved as the primary's URL; the demo receiver
 * dies with the app, so it cannot).
 */
export interface RunOnly {
  from: 'flag' | 'demo';
  /** the URL the primary has saved, which it delivers to again at a start without `--url`; null: none */
  savedUrl: string | null;
  /**
   * false: nothing of the primary is saved, so the first destination added takes its place (as a
   * URL saved in Setup always does); true: a saved primary comes back at the next start
   */
  saved: boolean;
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

// The status line's rule lives with the app's status (shared/status.ts), which reads every
// destination's: one definition for both.
export { destinationStatus } from './status';
