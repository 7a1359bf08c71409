// The one-glance delivery status: which badge the window shows (and the tray's icon and tooltip).
// One pure function so the window and the tray can never disagree about what state the app is in.

import type { AppState } from './bridge';
import type { Outcome } from './delivery';

export type StatusKind = 'delivering' | 'failing' | 'circuit_open' | 'paused' | 'no_url' | 'daemon_disconnected';

export interface Status {
  kind: StatusKind;
  /** short text for the badge / tray tooltip, e.g. "Circuit open, retrying in 12 s" */
  label: string;
  /** one sentence saying what it means and what to do */
  detail: string;
}

/**
 * Finished outcomes that mean the webhook itself did not take the event. Drops, skips and "no URL"
 * are not here: they say nothing new about the receiver (the breaker and the URL have their own
 * badges) and a dropped event can happen while every delivery succeeds.
 */
const RECEIVER_FAILURES: ReadonlySet<Outcome> = new Set<Outcome>(['failed', 'client_error', 'redirect']);

/** Whole seconds left until `openUntil`, rounded up so the countdown never shows 0 while open. */
export function secondsUntil(openUntil: number, now: number): number {
  return Math.max(0, Math.ceil((openUntil - now) / 1000));
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

/**
 * Picks the badge. The order is the order of what the user must act on first: their own pause,
 * then a missing URL (nothing can be delivered), then the breaker (deliveries are being skipped),
 * then the daemon link (nothing arrives), then receiver failures; otherwise all is well.
 *
 * `lastFinished` is the outcome of the newest event that is no longer queued, when the caller knows
 * it (the window does, from its log): the breaker only counts 5xx and network failures, so a
 * receiver answering 404 to every event would otherwise still read "Delivering".
 */
export function statusOf(state: AppState, now: number, lastFinished?: Outcome | null): Status {
  if (state.paused) {
    return {
      kind: 'paused',
      label: 'Paused',
      detail: 'Delivery is paused. Events are still received and logged; resume to send them on.',
    };
  }
  if (state.url === null) {
    return {
      kind: 'no_url',
      label: 'No URL',
      detail: 'Events are logged but not sent anywhere. Set a webhook URL to deliver them.',
    };
  }
  const breaker = state.breaker;
  if (breaker.state === 'open') {
    const label =
      breaker.openUntil === null
        ? 'Circuit open'
        : `Circuit open, retrying in ${secondsUntil(breaker.openUntil, now)} s`;
    return {
      kind: 'circuit_open',
      label,
      detail:
        'The webhook failed again and again, so events are skipped rather than sent until the cool-down ends. ' +
        'Skipped events stay in the log and can be sent again.',
    };
  }
  if (breaker.state === 'half-open') {
    return {
      kind: 'circuit_open',
      label: 'Circuit open, probing',
      detail: 'The cool-down is over: the next event is the probe. Success closes the circuit, failure reopens it.',
    };
  }
  if (state.daemon.takenBy !== null) {
    return { kind: 'daemon_disconnected', label: 'Daemon delivers elsewhere', detail: state.daemon.takenBy.text };
  }
  if (state.daemon.enabled && !state.daemon.connected) {
    return {
      kind: 'daemon_disconnected',
      label: 'Daemon not connected',
      detail: state.daemon.error ?? 'Waiting for the Pilot daemon. Is pilot-daemon running?',
    };
  }
  if (breaker.consecutiveFailures > 0) {
    return {
      kind: 'failing',
      label: 'Failing',
      detail: `${plural(breaker.consecutiveFailures, 'event', 'events')} in a row used up every attempt. Open one in the log to see why.`,
    };
  }
  if (lastFinished != null && RECEIVER_FAILURES.has(lastFinished)) {
    return {
      kind: 'failing',
      label: 'Failing',
      detail: 'The webhook did not accept the last event. Open it in the log to see why.',
    };
  }
  const loss = state.daemon.loss;
  const lost = loss === null ? 0 : loss.dropped + loss.circuitSkips;
  if (lost > 0) {
    // Delivering now; the loss happened before this run linked and cannot be undone, only told.
    return { kind: 'delivering', label: `Delivering (${plural(lost, 'event', 'events')} lost while closed)`, detail: loss!.text };
  }
  return { kind: 'delivering', label: 'Delivering', detail: `Events go to ${state.url}` };
}
