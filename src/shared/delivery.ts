// Delivery records and counters: what the log shows and the accounting invariant of
// docs/architecture.md ("The accounting invariant") is checked over. Pure types and helpers.

import type { FleetRecordInfo } from './fleet';

/**
 * Final (or current) outcome of one event.
 * - queued: waiting or in flight.
 * - delivered: a 2xx answer.
 * - failed: every attempt used up on 5xx / network errors (or a retryable 408/429).
 * - client_error: a 4xx answer, permanent.
 * - redirect: a 3xx answer, not followed (SSRF), recorded with its Location.
 * - dropped: the queue was full when it arrived.
 * - circuit_skipped: met while the breaker was open; not sent.
 * - abandoned: still queued when the dispatcher closed and the drain time ran out.
 * - no_url: no webhook URL was set when it arrived.
 * - filtered: its topic did not match the topic filter.
 * - rejected: the ingest refused the body (bad JSON, wrong shape, too large); never queued and
 *   not an event, so outside the accounting invariant.
 */
export type Outcome =
  | 'queued'
  | 'delivered'
  | 'failed'
  | 'client_error'
  | 'redirect'
  | 'dropped'
  | 'circuit_skipped'
  | 'abandoned'
  | 'no_url'
  | 'filtered'
  | 'rejected';

export const OUTCOMES: readonly Outcome[] = [
  'queued',
  'delivered',
  'failed',
  'client_error',
  'redirect',
  'dropped',
  'circuit_skipped',
  'abandoned',
  'no_url',
  'filtered',
  'rejected',
];

/** Outcomes the user can send again. */
export const RESENDABLE: ReadonlySet<Outcome> = new Set<Outcome>([
  'failed',
  'client_error',
  'redirect',
  'dropped',
  'circuit_skipped',
  'abandoned',
  'no_url',
]);

/** Why an attempt got no usable answer. */
export type ErrorCategory =
  | 'timeout'
  | 'refused'
  | 'dns'
  | 'reset'
  | 'tls'
  | 'redirect'
  | 'http'
  | 'blocked'
  | 'network';

export interface AttemptRecord {
  /** epoch ms */
  startedAt: number;
  durationMs: number;
  status?: number;
  /** category of failure, absent on a 2xx */
  error?: ErrorCategory;
  /** human-readable detail for the error */
  message?: string;
  /** Location header of a 3xx */
  location?: string;
  /** first bytes of the response body (at most RESPONSE_SNIPPET_BYTES) */
  responseSnippet?: string;
  /** the answer's headers, bounded, credential-like values masked (shared/response-headers.ts) */
  responseHeaders?: Record<string, string>;
  /** the webhook-timestamp header this attempt carried, as sent (epoch seconds); absent on older records */
  webhookTimestamp?: string;
  /**
   * the machine went to sleep or offline while it ran: it does not count against the event's
   * attempts or the breaker (the receiver was not the problem)
   */
  uncounted?: true;
}

/** Sent on every delivery request, so receivers' logs can tell the app's deliveries apart. */
export const USER_AGENT = 'pilot-webhook-desktop';

/** Response bodies are kept only as a snippet: enough to explain a failure. */
export const RESPONSE_SNIPPET_BYTES = 2048;

export interface DeliveryRecord {
  /** log id: unique, increasing; also the app-assigned event_id for real events */
  id: number;
  event: string;
  /** epoch ms the app accepted it */
  receivedAt: number;
  outcome: Outcome;
  /** the URL it was (or would have been) sent to */
  url: string | null;
  attempts: AttemptRecord[];
  /** the exact JSON body sent (or that would have been sent) */
  payload: string;
  /** event_id the daemon gave it, when it came from the daemon */
  daemonEventId?: number;
  /** where it came from; 'test' is a "Send test event" sample, outside every count */
  source: 'daemon' | 'demo' | 'api' | 'resend' | 'test';
  /** the webhook-id header its requests carry (the same on every attempt); absent on older records */
  webhookId?: string;
  /** for a resend: the id of the record it repeats */
  resendOf?: number;
  /** a short sentence explaining the outcome, e.g. "not sent: no URL" */
  detail?: string;
  /**
   * the destination it is (or was) delivered to. One event routed to several destinations gets
   * one record per destination, each with its own attempts and outcome.
   */
  destinationId?: string;
  /**
   * a rate-limited chat destination delivered it in one digest message with others: that
   * digest's number (the record's detail says "delivered in digest #N")
   */
  digest?: number;
  /** epoch ms of its next attempt, while it waits for one (a retry, or a breaker's cool-down) */
  nextAttemptAt?: number;
  /**
   * set once this record has been sent again: the id of the newer record that repeats it. A
   * record sent again is no longer picked by "send all failed since …", so a second click does not
   * send the same event twice.
   */
  resentAs?: number;
  /** fleet mode (the fleet-wide log): the event's node, who delivered it, its fleet-wide sequence */
  fleet?: FleetRecordInfo;
}

/**
 * The destination of a record that names none: records written before destinations existed were
 * all the single URL's, which became the primary destination with this id.
 */
export const UNNAMED_DESTINATION = 'primary';

/** The destination a record belongs to. */
export function destinationOfRecord(rec: Pick<DeliveryRecord, 'destinationId'>): string {
  return rec.destinationId ?? UNNAMED_DESTINATION;
}

/** Which undelivered records `redeliver` picks by outcome; any_undelivered is every RESENDABLE one. */
export type RedeliverOutcome = 'failed' | 'circuit_skipped' | 'any_undelivered';
export const REDELIVER_OUTCOMES: readonly RedeliverOutcome[] = ['failed', 'circuit_skipped', 'any_undelivered'];

/** The stored outcomes a redeliver selection covers ('failed' includes 4xx and 3xx, as the counter does). */
export function outcomesFor(selection: RedeliverOutcome): readonly Outcome[] {
  switch (selection) {
    case 'failed':
      return ['failed', 'client_error', 'redirect'];
    case 'circuit_skipped':
      return ['circuit_skipped'];
    case 'any_undelivered':
      return [...RESENDABLE];
  }
}

/** Since-start counters (the `stats` of /api/state). */
export interface Stats {
  received: number;
  delivered: number;
  failed: number;
  dropped: number;
  circuitSkips: number;
  abandoned: number;
  unsent: number;
  filtered: number;
  queued: number;
  /** of `queued`: waiting for a later attempt of the retry schedule (durable mode) */
  retrying: number;
  /** bodies the ingest refused: shown, but not events, so outside the invariant */
  rejected: number;
  /**
   * events still pending in the durable outbox when this process started, taken up again. They
   * are counted in `received` of this run (and then under their outcome), so the invariant holds
   * for the run; this says how many of `received` came from before the restart.
   */
  resumed: number;
  /**
   * how many of `received` are copies the user asked to send again ("Send again", "send all failed
   * since"): counted in `received` so the invariant holds, shown apart so a resend does not read
   * as a new event from the daemon.
   */
  resent: number;
}

export function emptyStats(): Stats {
  return {
    received: 0,
    delivered: 0,
    failed: 0,
    dropped: 0,
    circuitSkips: 0,
    abandoned: 0,
    unsent: 0,
    filtered: 0,
    queued: 0,
    retrying: 0,
    rejected: 0,
    resumed: 0,
    resent: 0,
  };
}

/** The accounting invariant: returns how many received events are unaccounted (must be 0). */
export function unaccounted(s: Stats): number {
  return (
    s.received -
    (s.delivered + s.failed + s.dropped + s.circuitSkips + s.abandoned + s.unsent + s.filtered + s.queued)
  );
}

export type BreakerStateName = 'closed' | 'open' | 'half-open';

export interface BreakerView {
  state: BreakerStateName;
  /** epoch ms the cool-down ends while open, else null */
  openUntil: number | null;
  consecutiveFailures: number;
  /** of `queued`: events kept back (durable mode) because the breaker is not closed */
  held: number;
  /** a probe is in flight: only then is the destination "probing" */
  probing: boolean;
  /** the receiver refused the last REFUSAL_STREAK events with a 4xx: it refuses every event */
  refusing: Refusal | null;
}

/** A receiver answering 4xx to every event, and the words it used. */
export interface Refusal {
  status: number;
  /** the answer's first words (its snippet, shortened), or "HTTP <status>" without a body */
  reason: string;
  /** events refused in a row */
  count: number;
}

/** 4xx answers in a row after which a destination "refuses every event" (and the user is told). */
export const REFUSAL_STREAK = 3;

/** A breaker view of a destination with nothing to say: closed, nothing held. */
export const CLOSED_BREAKER: Readonly<BreakerView> = Object.freeze({
  state: 'closed',
  openUntil: null,
  consecutiveFailures: 0,
  held: 0,
  probing: false,
  refusing: null,
});
