// A Dispatcher's options: every default named (the reference plugin's values, so they can be
// shown and tested against it), and the checks that turn a bad value into a clear RangeError.

import type { Dispatcher as UndiciDispatcher } from 'undici';
import { DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_SIZE } from './queue';
import { INITIAL_BACKOFF_MS, MAX_ATTEMPTS, MAX_RETRY_AFTER_MS } from './backoff';
import { CIRCUIT_COOLDOWN_MS, CIRCUIT_OPEN_THRESHOLD } from './breaker';
import { DEFAULT_TIMEOUT_MS } from './http-sender';
import type { ResolvedOptions, UrlCheck } from './delivery-client';
import { checkRetryPlan, DEFAULT_MAX_EVENT_AGE_MS } from './retry-schedule';

/** How long close() and a URL change wait for queued events (Go: Close's 5 s). */
export const DRAIN_MS = 5000;

/** Events in flight at once by default: one, in order, as the plugin's single goroutine. */
export const DEFAULT_CONCURRENCY = 1;

/** Every default, named, so the defaults can be shown and tested against the reference. */
export const DISPATCHER_DEFAULTS = {
  queueSize: DEFAULT_QUEUE_SIZE,
  queueBytes: DEFAULT_QUEUE_BYTES,
  timeoutMs: DEFAULT_TIMEOUT_MS,
  maxAttempts: MAX_ATTEMPTS,
  retryBackoffMs: INITIAL_BACKOFF_MS,
  jitter: false,
  maxRetryAfterMs: MAX_RETRY_AFTER_MS,
  circuitThreshold: CIRCUIT_OPEN_THRESHOLD,
  circuitCooldownMs: CIRCUIT_COOLDOWN_MS,
  drainMs: DRAIN_MS,
  concurrency: DEFAULT_CONCURRENCY,
  maxEventAgeMs: DEFAULT_MAX_EVENT_AGE_MS,
} as const;

/** The engine's tunables that the settings (and their flags) hold, under the same names. */
export const ENGINE_TUNABLES = [
  'timeoutMs',
  'retryBackoffMs',
  'circuitCooldownMs',
  'queueSize',
  'maxAttempts',
  'circuitThreshold',
  'jitter',
  'concurrency',
] as const;

export type EngineTuning = Pick<DispatcherOptions, (typeof ENGINE_TUNABLES)[number]>;

/** Picks the tunables out of the settings: one mapping for the embedded and the fleet engine alike. */
export function engineTuning(s: Required<EngineTuning>): EngineTuning {
  const out: Record<string, unknown> = {};
  for (const k of ENGINE_TUNABLES) out[k] = s[k];
  return out as EngineTuning;
}

export interface DispatcherOptions {
  url: string | null;
  /** the destination this dispatcher delivers to, written on every record (default 'primary') */
  destinationId?: string;
  secret?: string | null;
  /** 1024: events waiting, the ones in flight not counted */
  queueSize?: number;
  /**
   * 32 MiB: payload bytes waiting in memory. Past it (or past queueSize) a durable outbox parks
   * events in the log; reference mode drops and counts them.
   */
  queueBytes?: number;
  /** 5000 per attempt, headers and body together */
  timeoutMs?: number;
  /** 3 in all */
  maxAttempts?: number;
  /** 1000 first wait, doubling per attempt, restarting per event */
  retryBackoffMs?: number;
  /** false; true spreads each wait within ±50 % */
  jitter?: boolean;
  /** 60000: longest Retry-After honoured on 408/429 */
  maxRetryAfterMs?: number;
  /** 5 consecutive events that used up their attempts */
  circuitThreshold?: number;
  /** 30000 */
  circuitCooldownMs?: number;
  /** 5000 on close and on URL change */
  drainMs?: number;
  /**
   * 1 = the reference: one event in flight, strictly in order. N > 1: up to N in flight; events
   * start in submission order but may finish out of order, and retries do not hold up the rest.
   */
  concurrency?: number;
  /** connection pool; default an undici Agent with keep-alive, closed with the dispatcher */
  agent?: UndiciDispatcher;
  /** URL rules applied before every event is sent; default: accept all */
  checkUrl?: UrlCheck;
  now?: () => number;
  /** topic patterns (`tunnel.*`, `*`) an event must match to be sent; empty (default) = all */
  topicFilters?: readonly string[];
  /**
   * The log is a durable outbox (OutboxLog): a full queue parks events in it instead of dropping
   * them, and close() leaves what is still pending queued in it for the next start.
   */
  outbox?: boolean;
  /**
   * Durable mode (default: false, the reference): after the first attempts the retry schedule,
   * and events met while the breaker is open are held instead of skipped. Needs `outbox`.
   */
  durable?: boolean;
  /** the later attempts' waits in ms (durable mode); [] = none */
  retrySchedule?: readonly number[];
  /** how long an undelivered event keeps being retried, ms (durable mode) */
  maxEventAgeMs?: number;
  /** the schedule's jitter source (tests) */
  random?: () => number;
  /**
   * Middle part of every webhook-id (`msg_<prefix>_<id>`). Default: random per run, since ids
   * restart with an in-memory log. With an outbox ids continue across restarts, so a fixed prefix
   * per database gives a resumed event the webhook-id it had: receivers can drop the duplicate.
   */
  messageIdPrefix?: string;
}

function positiveInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  return value;
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
  return value;
}

const acceptAll: UrlCheck = (url) => ({ ok: true, url });

/** The options with every default filled in and every value checked. */
export function resolveOptions(opts: DispatcherOptions, agent: UndiciDispatcher): ResolvedOptions {
  const d = DISPATCHER_DEFAULTS;
  if (opts.durable && !opts.outbox) throw new RangeError('durable mode needs the outbox: the retry schedule keeps events for hours');
  for (const step of opts.retrySchedule ?? []) positiveInt('a retry schedule step', step);
  const resolved: ResolvedOptions = {
    queueSize: positiveInt('queueSize', opts.queueSize ?? d.queueSize),
    queueBytes: positiveInt('queueBytes', opts.queueBytes ?? d.queueBytes),
    timeoutMs: positiveInt('timeoutMs', opts.timeoutMs ?? d.timeoutMs),
    maxAttempts: positiveInt('maxAttempts', opts.maxAttempts ?? d.maxAttempts),
    retryBackoffMs: nonNegative('retryBackoffMs', opts.retryBackoffMs ?? d.retryBackoffMs),
    jitter: opts.jitter ?? d.jitter,
    maxRetryAfterMs: nonNegative('maxRetryAfterMs', opts.maxRetryAfterMs ?? d.maxRetryAfterMs),
    circuitThreshold: positiveInt('circuitThreshold', opts.circuitThreshold ?? d.circuitThreshold),
    circuitCooldownMs: nonNegative('circuitCooldownMs', opts.circuitCooldownMs ?? d.circuitCooldownMs),
    concurrency: positiveInt('concurrency', opts.concurrency ?? d.concurrency),
    outbox: opts.outbox ?? false,
    durable: opts.durable ?? false,
    retrySchedule: [...(opts.retrySchedule ?? [])],
    maxEventAgeMs: opts.maxEventAgeMs ?? d.maxEventAgeMs,
    random: opts.random ?? Math.random,
    agent,
    checkUrl: opts.checkUrl ?? acceptAll,
    now: opts.now ?? Date.now,
  };
  positiveInt('maxEventAgeMs', resolved.maxEventAgeMs);
  const problem = resolved.durable ? checkRetryPlan(resolved) : null;
  if (problem) throw new RangeError(problem);
  return resolved;
}

export function resolveDrainMs(opts: DispatcherOptions): number {
  return nonNegative('drainMs', opts.drainMs ?? DISPATCHER_DEFAULTS.drainMs);
}
