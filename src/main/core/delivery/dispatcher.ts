// The delivery core: accepts events, records each in the log at once, and hands it to the
// current URL's DeliveryClient (queue, retries, breaker). Defaults are the daemon plugin's;
// DESIGN.md section 3 lists where the app deliberately differs (3xx not followed, 408/429
// retried, signing, no-URL and dropped events recorded, lifetime totals beside the per-URL counters).

import { randomBytes } from 'node:crypto';
import { Agent, type Dispatcher as UndiciDispatcher } from 'undici';
import { toOutgoingBody, type AcceptedEvent } from '../../../shared/events';
import { RESENDABLE, type BreakerView, type DeliveryRecord, type Stats } from '../../../shared/delivery';
import type { TestResult } from '../../../shared/bridge';
import type { RecordLog } from './delivery-log';
import { passesTopicFilters } from '../../../shared/topic-patterns';
import { Tally } from './tally';
import { DEFAULT_QUEUE_BYTES, DEFAULT_QUEUE_SIZE } from './queue';
import { INITIAL_BACKOFF_MS, MAX_ATTEMPTS, MAX_RETRY_AFTER_MS } from './backoff';
import { CIRCUIT_COOLDOWN_MS, CIRCUIT_OPEN_THRESHOLD } from './breaker';
import { DEFAULT_TIMEOUT_MS, sendAttempt } from './http-sender';
import {
  DeliveryClient,
  USER_AGENT,
  type ClientHost,
  type FinalOutcome,
  type ResolvedOptions,
  type UrlCheck,
} from './delivery-client';
import { signatureHeaders } from './signing';

/** How long close() and a URL change wait for queued events (Go: Close's 5 s). */
export const DRAIN_MS = 5000;

/** Events in flight at once by default: one, in order, as the plugin's single goroutine. */
export const DEFAULT_CONCURRENCY = 1;

/** Topic of the sample event sendTest() posts; event_id 0 marks it as outside the event stream. */
export const TEST_EVENT_TOPIC = 'webhook.test';

/** What a test event's answer reads as in the log (the same words as a real event's). */
function testOutcome(status: number | undefined, ok: boolean): DeliveryRecord['outcome'] {
  if (ok) return 'delivered';
  if (status !== undefined && status >= 300 && status < 400) return 'redirect';
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) return 'client_error';
  return 'failed';
}

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
} as const;

export interface DispatcherOptions {
  url: string | null;
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

/** The AcceptedEvent a stored record was made from, for sending it again. */
function eventOf(rec: DeliveryRecord): AcceptedEvent | null {
  let body: unknown;
  try {
    body = JSON.parse(rec.payload);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const b = body as { event?: unknown; node_id?: unknown; timestamp?: unknown; data?: unknown };
  const ev: AcceptedEvent = { event: typeof b.event === 'string' ? b.event : rec.event };
  if (typeof b.node_id === 'number') ev.node_id = b.node_id;
  if (typeof b.timestamp === 'string') ev.timestamp = b.timestamp;
  if (b.data !== undefined) ev.data = b.data;
  if (rec.daemonEventId !== undefined) ev.daemonEventId = rec.daemonEventId;
  return ev;
}

export class Dispatcher {
  private readonly options: ResolvedOptions;
  private readonly drainMs: number;
  private readonly ownAgent: Agent | null;
  private readonly tally = new Tally();
  private readonly host: ClientHost;
  private readonly listeners = new Set<() => void>();
  /** clients not yet closed: the current one and any still draining after a URL change */
  private readonly live = new Set<DeliveryClient>();
  // Random per run unless given: in-memory event ids restart with the app, webhook-ids must not repeat.
  private readonly runId: string;
  private topicFilters: readonly string[];
  private current: DeliveryClient | null = null;
  private swapping: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private secretValue: string | null;
  private isPaused = false;
  private testCount = 0;

  constructor(
    opts: DispatcherOptions,
    private readonly log: RecordLog,
  ) {
    const d = DISPATCHER_DEFAULTS;
    this.runId = opts.messageIdPrefix ?? randomBytes(6).toString('hex');
    this.topicFilters = [...(opts.topicFilters ?? [])];
    this.ownAgent = opts.agent ? null : new Agent();
    this.options = {
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
      agent: opts.agent ?? this.ownAgent!,
      checkUrl: opts.checkUrl ?? acceptAll,
      now: opts.now ?? Date.now,
    };
    this.drainMs = nonNegative('drainMs', opts.drainMs ?? d.drainMs);
    this.secretValue = opts.secret || null;
    this.host = {
      options: this.options,
      log: this.log,
      isPaused: () => this.isPaused,
      secret: () => this.secretValue,
      messageId: (rec) => `msg_${this.runId}_${rec.id}`,
      load: (id) => this.log.get(id),
      keepsPending: () => this.closing !== null && this.options.outbox,
      settle: (rec, outcome, detail) => this.settle(rec, outcome, detail),
      changed: () => this.changed(),
    };
    if (opts.url) {
      this.current = this.newClient(opts.url);
      this.current.start();
    }
  }

  get paused(): boolean {
    return this.isPaused;
  }

  get url(): string | null {
    return this.current?.url ?? null;
  }

  /**
   * Accepts one event: records it in the log at once — queued, or no_url / dropped /
   * circuit_skipped (breaker open and nothing ahead of it) / abandoned (after close) — and
   * returns the record. Never blocks, never throws for a full queue.
   */
  submit(ev: AcceptedEvent, source: DeliveryRecord['source'], resendOf?: number): DeliveryRecord {
    const id = this.log.nextId();
    const client = this.closing ? null : this.current;
    const rec: DeliveryRecord = {
      id,
      event: ev.event,
      receivedAt: this.options.now(),
      outcome: 'queued',
      url: client?.url ?? null,
      attempts: [],
      payload: JSON.stringify(toOutgoingBody(id, ev)),
      source,
    };
    rec.webhookId = this.host.messageId(rec);
    if (ev.daemonEventId !== undefined) rec.daemonEventId = ev.daemonEventId;
    if (resendOf !== undefined) rec.resendOf = resendOf;

    let verdict: ReturnType<DeliveryClient['verdict']> | null = null;
    if (this.closing) {
      rec.outcome = 'abandoned';
      rec.detail = 'not sent: the dispatcher has closed';
    } else if (source !== 'resend' && !passesTopicFilters(this.topicFilters, ev.event)) {
      // "Send again" is an explicit request for this event: the filter does not apply to it.
      rec.outcome = 'filtered';
      rec.detail = `not sent: the topic matches none of the topic filters (${this.topicFilters.join(', ')})`;
    } else if (!client) {
      rec.outcome = 'no_url';
      rec.detail = 'not sent: no URL';
    } else {
      verdict = client.verdict(rec);
      rec.outcome = verdict;
      rec.detail =
        verdict === 'dropped'
          ? `dropped: the queue was full (${client.fullDetail()})`
          : verdict === 'circuit_skipped'
            ? client.skipDetail()
            : this.isPaused
              ? 'queued: delivery is paused'
              : 'queued';
    }
    // Logged before it is queued or counted, so a log that refuses it (throws) leaves no trace.
    // A durable log stages it; the ingest waits for the commit before it answers 2xx.
    this.log.add(rec);
    // Nothing the client does with the record can run before this method returns (its workers
    // resume on a later tick), so the verdict given above still holds when it is taken.
    if (client && verdict !== null) client.take(rec, verdict);
    this.tally.receive(rec.outcome as FinalOutcome | 'queued' | 'filtered', source === 'resend');
    this.changed();
    return rec;
  }

  /**
   * Takes up the events a durable outbox still held as pending when the app started, in the
   * order given (of acceptance). Each counts as received in this run (and `resumed`), then under
   * its outcome. Without a URL they are recorded no_url, as new events would be.
   */
  resumePending(ids: readonly number[]): void {
    if (ids.length === 0) return;
    for (let i = 0; i < ids.length; i++) this.tally.resume();
    const client = this.closing ? null : this.current;
    if (client) {
      client.adopt(ids);
    } else {
      for (const id of ids) {
        const rec = this.log.get(id);
        if (rec) this.settle(rec, 'no_url', 'not sent: no URL when it was resumed after a restart');
        else this.tally.move('queued', 'abandoned');
      }
    }
    this.changed();
  }

  /** Events of topics matching none of these are recorded as filtered; empty = every topic. */
  setTopicFilters(filters: readonly string[]): void {
    this.topicFilters = [...filters];
  }

  get topics(): readonly string[] {
    return this.topicFilters;
  }

  /** Sends the given records again, as new records (source 'resend', resendOf); returns how many were queued. */
  resend(ids: number[]): number {
    let queued = 0;
    // Asking to send again means "the receiver is back": the first one probes at once instead of
    // being skipped for the rest of the cool-down.
    if (ids.length > 0) this.current?.breaker.probeNow();
    for (const id of ids) {
      const rec = this.log.get(id);
      // A test event is a sample, not one of the node's events: never sent again as one.
      if (!rec || !RESENDABLE.has(rec.outcome) || rec.source === 'test') continue;
      const ev = eventOf(rec);
      if (!ev) continue;
      const copy = this.submit(ev, 'resend', id);
      rec.resentAs = copy.id;
      this.log.update(rec);
      if (copy.outcome === 'queued') queued++;
    }
    return queued;
  }

  /**
   * Hot swap, as the plugin's SetURL: later events go to the new URL; the old client drains its
   * queue to the old URL for up to drainMs (the rest recorded abandoned) before the new one
   * starts sending, so the two never deliver at once. Per-URL counters and breaker restart;
   * since-start totals are kept. Setting the URL it already has changes nothing.
   */
  setUrl(url: string | null): Promise<void> {
    const next = url || null;
    if (this.closing || next === this.url) return this.swapping;
    const old = this.current;
    const fresh = next ? this.newClient(next) : null;
    this.current = fresh;
    this.changed();
    const previous = this.swapping;
    this.swapping = (async () => {
      await previous;
      if (old) await old.close(this.drainMs, 'the URL changed');
      fresh?.start();
      this.changed();
    })();
    return this.swapping;
  }

  /** Signs from the next attempt on; null or '' stops signing. */
  setSecret(secret: string | null): void {
    this.secretValue = secret || null;
  }

  /** Events stay queued (and overflow into dropped) until resume(); those in flight finish. */
  pause(): void {
    if (this.isPaused) return;
    this.isPaused = true;
    this.changed();
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    for (const client of this.live) client.wake();
    this.changed();
  }

  /** One sample event now, outside the queue, breaker and counts. status absent when no response came. */
  async sendTest(url?: string): Promise<TestResult> {
    const target = url || this.url;
    if (this.closing) return { ok: false, durationMs: 0, error: 'the dispatcher has closed' };
    if (!target) return { ok: false, durationMs: 0, error: 'no URL set' };
    const check = this.options.checkUrl(target);
    if (!check.ok) return { ok: false, durationMs: 0, error: check.message };
    const body = JSON.stringify(
      toOutgoingBody(0, {
        event: TEST_EVENT_TOPIC,
        data: { message: 'Test event from Pilot Webhook Desktop', test: true },
      }),
    );
    const msgId = `msg_${this.runId}_test_${++this.testCount}`;
    const timestamp = Math.floor(this.options.now() / 1000);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': USER_AGENT,
      'webhook-id': msgId,
      'webhook-timestamp': String(timestamp),
      ...(this.secretValue ? signatureHeaders(this.secretValue, msgId, timestamp, body) : {}),
    };
    const { record } = await sendAttempt({
      url: check.url,
      body,
      headers,
      timeoutMs: this.options.timeoutMs,
      agent: this.options.agent,
      now: this.options.now,
    });
    const result: TestResult = { ok: record.error === undefined, durationMs: record.durationMs };
    if (record.status !== undefined) result.status = record.status;
    if (record.error !== undefined) result.error = record.message ?? record.error;
    if (record.responseSnippet !== undefined) result.responseSnippet = record.responseSnippet;
    // Recorded in the log (source 'test') so the user sees what was sent and answered, but never
    // counted (tally untouched) and never sent again: the accounting invariant is about real events.
    const rec: DeliveryRecord = {
      id: this.log.nextId(),
      event: TEST_EVENT_TOPIC,
      receivedAt: record.startedAt,
      outcome: testOutcome(record.status, record.error === undefined),
      url: check.url,
      attempts: [record],
      payload: body,
      source: 'test',
      webhookId: msgId,
      detail: `test event to ${check.url}: not counted, not sent again`,
    };
    this.log.add(rec);
    this.changed();
    result.recordId = rec.id;
    return result;
  }

  /**
   * Stops accepting (later events are recorded abandoned), drains every client for up to
   * drainMs, aborts what is still in flight and records all that is left as abandoned.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.closing = (async () => {
      await Promise.all([...this.live].map((c) => c.close(this.drainMs, 'the dispatcher closed')));
      this.changed();
      if (this.ownAgent) await this.ownAgent.close();
    })();
    return this.closing;
  }

  /** Since-start counters. */
  stats(): Stats {
    return this.tally.snapshot();
  }

  /** The reference plugin's per-URL counters; they restart when the URL changes. */
  client(): { dropped: number; circuitSkips: number } {
    return { dropped: this.current?.dropped ?? 0, circuitSkips: this.current?.circuitSkips ?? 0 };
  }

  breaker(): BreakerView {
    return this.current?.breaker.view() ?? { state: 'closed', openUntil: null, consecutiveFailures: 0 };
  }

  /** Called on any change of stats, breaker or paused (not batched: the caller batches). */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private newClient(url: string): DeliveryClient {
    const client = new DeliveryClient(url, this.host);
    this.live.add(client);
    void client.closed.then(() => this.live.delete(client));
    return client;
  }

  private settle(rec: DeliveryRecord, outcome: FinalOutcome, detail: string): void {
    if (outcome === 'abandoned' && this.closing !== null && this.options.outbox) {
      // The outbox keeps it pending: the next start sends it (again, if it was in flight).
      rec.detail = 'waiting in the outbox: the app closed before it was delivered; it is sent at the next start';
      this.log.update(rec);
      return;
    }
    this.tally.move('queued', outcome);
    rec.outcome = outcome;
    rec.detail = detail;
    this.log.update(rec);
    this.changed();
  }

  private changed(): void {
    for (const listener of this.listeners) {
      try {
        listener();
      } catch {
        // A failing listener must not break delivery.
      }
    }
  }
}
