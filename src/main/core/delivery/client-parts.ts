// What a DeliveryClient is given besides its URL, all owned by the Dispatcher: the resolved
// options, the switches every client reads (pause, closing, asleep), where stored records are read
// and where every change of one is reported. In a file of their own so the modules a client is
// made of (attempt-turn.ts, digest-turn.ts, turn-aftermath.ts, …) share them without importing
// the client itself; delivery-client.ts re-exports them for its users.

import type { Dispatcher as UndiciDispatcher } from 'undici';
import type { DeliveryRecord } from '../../../shared/delivery';
import type { DigestCounter, RateControl } from './digest-turn';
import type { ClientEvents } from './record-keeper';
import type { RequestSigner } from './request-headers';

export type UrlCheck = (url: string) => { ok: true; url: string } | { ok: false; code: string; message: string };

export interface ResolvedOptions {
  queueSize: number;
  /** payload bytes the in-memory queue holds at most (see queue.ts) */
  queueBytes: number;
  timeoutMs: number;
  maxAttempts: number;
  retryBackoffMs: number;
  jitter: boolean;
  maxRetryAfterMs: number;
  circuitThreshold: number;
  circuitCooldownMs: number;
  /** the one option that changes while clients run (Dispatcher.setConcurrency): read it live */
  concurrency: number;
  /**
   * a durable outbox holds every event: a full queue parks the newcomer in the log (to be loaded
   * when there is room) instead of dropping it
   */
  outbox: boolean;
  /** durable mode: the retry schedule after the first attempts, and the breaker holds */
  durable: boolean;
  /** the later attempts' waits, ms (durable mode; empty: none) */
  retrySchedule: readonly number[];
  /** an event older than this is not tried again: failed (durable mode) */
  maxEventAgeMs: number;
  agent: UndiciDispatcher;
  checkUrl: UrlCheck;
  now: () => number;
  /** the schedule's jitter */
  random: () => number;
}

/** The switches the Dispatcher sets and every client of it reads. */
export interface DeliveryGate {
  /** the user paused delivery: nothing new starts */
  readonly paused: boolean;
  /** the dispatcher is closing: with an outbox, what is still pending stays so for the next start */
  readonly closing: boolean;
  /** the machine sleeps or is offline: attempts wait instead of being used up */
  readonly suspended: boolean;
}

/** What a client works with besides its URL: all owned by the Dispatcher. */
export interface ClientParts {
  readonly options: ResolvedOptions;
  readonly gate: DeliveryGate;
  /** where a parked id's record is read from (the log, as stored) */
  readonly records: { get(id: number): DeliveryRecord | undefined };
  readonly signer: RequestSigner;
  /** the destination's rate limit (rate-limited chat formats), read before every request */
  readonly rate: { current: RateControl | null; readonly digests: DigestCounter };
  /** where the client reports every change of a record: it never writes one itself */
  readonly events: ClientEvents;
}
