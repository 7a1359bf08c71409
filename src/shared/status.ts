// The one-glance delivery status: which badge the window shows (and the tray's icon and tooltip),
// and each destination's own status line. One pure function so the window and the tray can never
// disagree about what state the app is in: the primary's state, or — when another destination is
// in worse trouble (breaker open, refusing, failing) — that destination's, named.

import type { AppState } from './bridge';
import type { Outcome } from './delivery';
import type { DestinationStatus, DestinationStatusKind, DestinationSummary, StatusInputs } from './destination-summary';
import { safeText } from './safe-text';

/** The states that have an icon of their own (build/tray/tray-<kind>.png). */
export type IconKind = 'delivering' | 'failing' | 'circuit_open' | 'paused' | 'no_url' | 'daemon_disconnected';

/** catching_up: a backlog drains (never green over undelivered events); refusing: every event gets a 4xx. */
export type StatusKind = IconKind | 'catching_up' | 'refusing';

/** The icon a state is shown with: a backlog draining looks like the breaker (attention), a refusal like failing. */
export function iconOf(kind: StatusKind): IconKind {
  if (kind === 'catching_up') return 'circuit_open';
  if (kind === 'refusing') return 'failing';
  return kind;
}

/** Events waiting beyond the one in flight: past this the badge says "Catching up", not "Delivering". */
const CATCHING_UP_FROM = 2;

/** The name a destination goes by in a status line: its host until destinations have names. */
export function destinationLabel(url: string | null): string {
  if (url === null) return 'The webhook';
  // The authority without any credentials (never shown): what a user recognises the receiver by.
  const authority = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)/i.exec(url)?.[1];
  return authority ? authority.slice(authority.lastIndexOf('@') + 1) : 'The webhook';
}

export interface Status {
  kind: StatusKind;
  /** short text for the badge / tray tooltip, e.g. "Circuit open, retrying in 12 s" */
  label: string;
  /** one sentence saying what it means and what to do */
  detail: string;
  /** the destination (not the primary) whose trouble this is, when it is one's */
  destinationId?: string;
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
 * The primary's badge (statusOf adds the other destinations). The order is the order of what the user must act on first: their own pause,
 * then a missing URL (nothing can be delivered), then the breaker (deliveries are being skipped),
 * then the daemon link (nothing arrives), then receiver failures; otherwise all is well.
 *
 * `lastFinished` is the outcome of the newest event that is no longer queued, when the caller knows
 * it (the window does, from its log): the breaker only counts 5xx and network failures, so a
 * receiver answering 404 to every event would otherwise still read "Delivering".
 */
function primaryStatus(state: AppState, now: number, lastFinished?: Outcome | null): Status {
  if (state.paused) {
    return {
      kind: 'paused',
      label: 'Paused',
      detail: 'Delivery is paused. Events are still received and logged; resume to send them on.',
    };
  }
  // The primary may be switched off while other destinations deliver: only none at all is "No URL".
  const othersDeliver = state.destinations.some((d) => !d.primary && d.enabled && d.url !== '');
  if (state.url === null && !othersDeliver) {
    return {
      kind: 'no_url',
      label: 'No URL',
      detail: 'Events are logged but not sent anywhere. Set a webhook URL to deliver them.',
    };
  }
  const breaker = state.breaker;
  const durable = state.retry?.mode === 'durable';
  if (state.retry?.suspended) {
    return {
      kind: 'catching_up',
      label: `Waiting for the network — ${state.stats.queued} waiting`,
      detail: 'The computer is asleep or offline: attempts wait instead of being used up, and go out when it is back.',
    };
  }
  if (breaker.state === 'open') {
    const held = breaker.held > 0 ? `, ${breaker.held} held` : '';
    const label =
      breaker.openUntil === null
        ? `Circuit open${held}`
        : `Circuit open${held}, retrying in ${secondsUntil(breaker.openUntil, now)} s`;
    return {
      kind: 'circuit_open',
      label,
      detail: durable
        ? 'The webhook failed again and again, so events are held, in order, until a probe after the cool-down succeeds; then they all go out.'
        : 'The webhook failed again and again, so events are skipped rather than sent until the cool-down ends. ' +
          'Skipped events stay in the log and can be sent again.',
    };
  }
  if (breaker.state === 'half-open') {
    return breaker.probing
      ? {
          kind: 'circuit_open',
          label: 'Circuit open, probing',
          detail: 'One event is probing the webhook: success closes the circuit, failure reopens it.',
        }
      : {
          kind: 'circuit_open',
          label: 'Circuit half-open, waiting for an event to probe',
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
  if (breaker.refusing) {
    return {
      kind: 'refusing',
      label: `${destinationLabel(state.url)} refuses every event: ${breaker.refusing.reason}`,
      detail: `The last ${breaker.refusing.count} events were answered HTTP ${breaker.refusing.status}. They are not retried: fix the destination (format, token, URL), then send them again.`,
    };
  }
  const waiting = state.stats.queued;
  if (state.stats.retrying > 0 || waiting >= CATCHING_UP_FROM) {
    return {
      kind: 'catching_up',
      label: `Catching up — ${waiting} waiting`,
      detail:
        state.stats.retrying > 0
          ? `${state.stats.retrying} of them wait for their next attempt on the retry schedule; the rest are queued. Nothing is given up while there is a reasonable chance.`
          : 'Events are queued and going out in the order they arrived.',
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
  const where = state.url ?? 'the enabled destinations (the primary is off)';
  return { kind: 'delivering', label: 'Delivering', detail: `Events go to ${where}` };
}

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

/**
 * How much a state needs the user, to compare the primary's with another destination's trouble.
 * A named failing destination outranks the app catching up: its waiting events are in that count.
 */
const ATTENTION: Readonly<Record<StatusKind, number>> = {
  delivering: 0,
  catching_up: 1,
  failing: 2,
  refusing: 3,
  daemon_disconnected: 4,
  circuit_open: 5,
  no_url: 6,
  paused: 7,
};

/** A destination's status that is trouble, as the app's status kind; the others (off, held, delivering) are not. */
const TROUBLE: Readonly<Partial<Record<DestinationStatusKind, StatusKind>>> = { open: 'circuit_open', refusing: 'refusing', failing: 'failing' };

/** The destination other than the primary in the worst trouble, with its status now (the countdown moves), or null. */
export function worstDestination(state: AppState, now: number): { destination: DestinationSummary; kind: StatusKind; status: DestinationStatus } | null {
  const waiting = state.paused ? 'paused' : state.retry?.suspended ? 'suspended' : null;
  let worst: { destination: DestinationSummary; kind: StatusKind; status: DestinationStatus } | null = null;
  for (const d of state.destinations ?? []) {
    if (d.primary) continue;
    const status = destinationStatus({ url: d.url, enabled: d.enabled, waiting, breaker: d.breaker, stats: d.stats }, now);
    const kind = TROUBLE[status.kind];
    if (kind !== undefined && (worst === null || ATTENTION[kind] > ATTENTION[worst.kind])) worst = { destination: d, kind, status };
  }
  return worst;
}

/** The badge for another destination's trouble: its name first, then what it means for its events. */
function destinationTrouble(state: AppState, w: NonNullable<ReturnType<typeof worstDestination>>, now: number): Status {
  const name = safeText(w.destination.name);
  const b = w.destination.breaker;
  const id = w.destination.id;
  if (w.kind === 'circuit_open') {
    const held = state.retry?.mode === 'durable'
      ? `its events${b.held > 0 ? ` (${b.held} now)` : ''} are held, in order, until a probe after the cool-down succeeds`
      : 'its events are skipped until the cool-down ends (they stay in the log and can be sent again)';
    // The name takes room in the badge: the held count goes to the detail, the countdown stays.
    const label = b.state === 'open' ? (b.openUntil === null ? 'Circuit open' : `Circuit open, retrying in ${secondsUntil(b.openUntil, now)} s`) : w.status.text;
    return { kind: w.kind, label: `${name}: ${label}`, detail: `${name} failed again and again, so ${held}. The other destinations deliver as usual.`, destinationId: id };
  }
  if (w.kind === 'refusing' && b.refusing) {
    return {
      kind: w.kind,
      label: `${name} refuses every event: ${b.refusing.reason}`,
      detail: `${name} answered HTTP ${b.refusing.status} to the last ${b.refusing.count} events. They are not retried: fix that destination (format, token, URL) in Destinations, then send them again.`,
      destinationId: id,
    };
  }
  return {
    kind: w.kind,
    label: `${name}: Failing`,
    detail: `${plural(b.consecutiveFailures, 'event', 'events')} in a row used up every attempt at ${name}. Show its entries in the log to see why.`,
    destinationId: id,
  };
}

/**
 * Picks the badge: the primary's state (see primaryStatus for the order), unless another
 * destination needs the user more — its breaker open, refusing every event, or failing — then
 * that one's, with its name, so a failing second destination is never hidden behind "Delivering".
 */
export function statusOf(state: AppState, now: number, lastFinished?: Outcome | null): Status {
  const own = primaryStatus(state, now, lastFinished);
  const worst = worstDestination(state, now);
  return worst === null || ATTENTION[worst.kind] <= ATTENTION[own.kind] ? own : destinationTrouble(state, worst, now);
}

/**
 * Whether a status shown now counts down (a breaker open with a known end, the primary's or
 * another destination's): the badge and the tray redraw it while it does.
 */
export function countsDown(state: AppState): boolean {
  if (state.paused) return false;
  const open = (b: AppState['breaker']): boolean => b.state === 'open' && b.openUntil !== null;
  return open(state.breaker) || (state.destinations ?? []).some((d) => !d.primary && open(d.breaker));
}
