// One destination's delivery: accepts events, records each in the log at once, and hands it to
// the current URL's DeliveryClient (queue, retries, breaker). Defaults are the daemon plugin's;
// docs/architecture.md lists where the app deliberately differs (3xx not followed, 408/429
// retried, signing, no-URL and dropped events recorded, lifetime totals beside the per-URL
// counters). Several destinations are several Dispatchers, each with its own queue, breaker and
// counters; every record names its destination (destinationId).

import { randomBytes } from 'node:crypto';
import { Agent } from 'undici';
import { toOutgoingBody, type AcceptedEvent } from '../../../shared/events';
import { CLOSED_BREAKER, RESENDABLE, UNNAMED_DESTINATION, type BreakerView, type DeliveryRecord, type Stats } from '../../../shared/delivery';
import type { TestResult } from '../../../shared/bridge';
import type { RecordLog } from './delivery-log';
import { passesTopicFilters } from '../../../shared/topic-patterns';
import { sendAttempt } from './http-sender';
import { DeliveryClient, type ClientParts, type ResolvedOptions } from './delivery-client';
import type { BodyShaper } from '../destinations/body-shaper';
import { resolveDrainMs, resolveOptions, type DispatcherOptions } from './dispatcher-options';
import { eventOf } from './stored-event';
import { RecordKeeper } from './record-keeper';
import { RequestSigner } from './request-headers';
import { DigestCounter, type RateControl } from './digest-turn';

export { DEFAULT_CONCURRENCY, DISPATCHER_DEFAULTS, DRAIN_MS, type DispatcherOptions } from './dispatcher-options';

/** What a test event's answer reads as in the log (the same words as a real event's). */
function testOutcome(status: number | undefined, ok: boolean): DeliveryRecord['outcome'] {
  if (ok) return 'delivered';
  if (status !== undefined && status >= 300 && status < 400) return 'redirect';
  if (status !== undefined && status >= 400 && status < 500 && status !== 408 && status !== 429) return 'client_error';
  return 'failed';
}

/** The destination a Dispatcher delivers to when none is named: the primary one. */
export const PRIMARY_DESTINATION_ID = UNNAMED_DESTINATION;

/** Topic of the sample event sendTest() posts; event_id 0 marks it as outside the event stream. */
export const TEST_EVENT_TOPIC = 'webhook.test';

/** An outbox entry to take up at start: its id and, when it waited for a later attempt, when. */
export interface PendingEntry {
  id: number;
  nextAttemptAt?: number | null;
}

/** How an event came to be submitted, beyond its source. */
export interface SubmitOptions {
  /** the record this one is a copy of ("send again") */
  resendOf?: number;
  /** when it was first accepted (default: now) */
  receivedAt?: number;
  /** acknowledged in an earlier run, recorded only now: counted as resumed */
  resumed?: boolean;
}

export class Dispatcher {
  readonly destinationId: string;
  /** how long close() and a URL change wait for queued events: the drain part of the quit budget */
  readonly drainMs: number;
  private readonly options: ResolvedOptions;
  /** the concurrency it was built with (the engine's, app-wide): what setConcurrency(null) goes back to */
  private readonly baseConcurrency: number;
  private readonly ownAgent: Agent | null;
  private readonly keeper: RecordKeeper;
  private readonly signer: RequestSigner;
  private readonly parts: ClientParts;
  /** read by every client: the user's pause, and whether the dispatcher is closing */
  private readonly gate = { paused: false, closing: false, suspended: false };
  /** clients not yet closed: the current one and any still draining after a URL change */
  private readonly live = new Set<DeliveryClient>();
  private topicFilters: readonly string[];
  private current: DeliveryClient | null = null;
  private swapping: Promise<void> = Promise.resolve();
  private closing: Promise<void> | null = null;
  private testCount = 0;

  constructor(
    opts: DispatcherOptions,
    private readonly log: RecordLog,
  ) {
    this.destinationId = opts.destinationId ?? PRIMARY_DESTINATION_ID;
    this.keeper = new RecordKeeper(log);
    this.topicFilters = [...(opts.topicFilters ?? [])];
    this.ownAgent = opts.agent ? null : new Agent();
    this.options = resolveOptions(opts, opts.agent ?? this.ownAgent!);
    this.drainMs = resolveDrainMs(opts);
    this.baseConcurrency = this.options.concurrency;
    // Random per run unless given: in-memory event ids restart with the app, webhook-ids must not repeat.
    this.signer = new RequestSigner(opts.messageIdPrefix ?? randomBytes(6).toString('hex'), opts.secret ?? null, this.options.now);
    this.parts = { options: this.options, gate: this.gate, records: log, signer: this.signer, events: this.keeper, rate: { current: null, digests: new DigestCounter() } };
    if (opts.url) {
      this.current = this.newClient(opts.url);
      this.current.start();
    }
  }

  get paused(): boolean {
    return this.gate.paused;
  }

  get url(): string | null {
    return this.current?.url ?? null;
  }

  /**
   * Accepts one event: records it in the log at once — queued, or no_url / dropped /
   * circuit_skipped (breaker open and nothing ahead of it) / abandoned (after close) — and
   * returns the record. Never blocks, never throws for a full queue. `receivedAt` (default: now)
   * is when the event was first accepted, where that was elsewhere (a fleet's ingest, the ingest
   * thread): the maximum event age counts from it. `resumed`: an event acknowledged in an earlier
   * run that got its records only now (the ingest journal's recovery), counted as resumed.
   */
  submit(ev: AcceptedEvent, source: DeliveryRecord['source'], opts: SubmitOptions = {}): DeliveryRecord {
    const { resendOf, receivedAt } = opts;
    const id = this.log.nextId();
    const client = this.closing ? null : this.current;
    const rec: DeliveryRecord = {
      id,
      event: ev.event,
      receivedAt: receivedAt ?? this.options.now(),
      outcome: 'queued',
      url: client?.url ?? null,
      attempts: [],
      payload: JSON.stringify(toOutgoingBody(id, ev)),
      source,
      destinationId: this.destinationId,
    };
    rec.webhookId = this.signer.messageId(id);
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
            : this.gate.paused
              ? 'queued: delivery is paused'
              : 'queued';
    }
    // Logged before it is queued or counted, so a log that refuses it (throws) leaves no trace.
    // A durable log stages it; the ingest waits for the commit before it answers 2xx.
    this.keeper.add(rec, opts.resumed === true);
    // Nothing the client does with the record can run before this method returns (its workers
    // resume on a later tick), so the verdict given above still holds when it is taken.
    if (client && verdict !== null) client.take(rec, verdict);
    this.keeper.changed();
    return rec;
  }

  /**
   * Takes up the events a durable outbox still held as pending when the app started, in the
   * order given (of acceptance), each with its next-attempt time when it was waiting for one (a
   * restart continues the schedule). Each counts as received in this run (and `resumed`), then
   * under its outcome. Without a URL they are recorded no_url, as new events would be.
   */
  resumePending(pending: readonly (number | PendingEntry)[]): void {
    if (pending.length === 0) return;
    const entries = pending.map((p) => (typeof p === 'number' ? { id: p } : p));
    for (let i = 0; i < entries.length; i++) this.keeper.resumed();
    const client = this.closing ? null : this.current;
    if (client) {
      client.adopt(entries);
    } else {
      for (const { id } of entries) {
        const rec = this.log.get(id);
        if (rec) this.keeper.settle(rec, 'no_url', 'not sent: no URL when it was resumed after a restart');
        else this.keeper.lost();
      }
    }
    this.keeper.changed();
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
      const copy = this.submit(ev, 'resend', { resendOf: id });
      this.keeper.resentAs(rec, copy.id);
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
    this.keeper.changed();
    const previous = this.swapping;
    this.swapping = (async () => {
      await previous;
      const left = old ? await old.close(this.drainMs, 'the URL changed') : [];
      // Durable mode: what the old URL did not get goes to the new one, in order.
      if (fresh) fresh.adopt(left.map((id) => ({ id })));
      else for (const id of left) this.abandonLeft(id, 'abandoned: still queued when the URL was cleared');
      fresh?.start();
      this.keeper.changed();
    })();
    return this.swapping;
  }

  /** Signs from the next attempt on; null or '' stops signing. */
  setSecret(secret: string | null): void {
    this.signer.setSecret(secret);
  }

  /** The signing secret in use (main process only: answers show its hint). */
  get signingSecret(): string | null {
    return this.signer.secret;
  }

  /** The destination's body format from the next attempt on (and for test sends); null = the daemon's JSON. */
  setShaper(shaper: BodyShaper | null): void {
    this.signer.setShaper(shaper);
  }

  /**
   * The destination's rate limit from the next request on (a chat format's: a backlog goes out as
   * digests); null = none.
   */
  setRateLimit(rate: RateControl | null): void {
    this.parts.rate.current = rate;
    for (const client of this.live) client.wake();
  }

  /** A rate-limited destination: events waiting, and when the next request may go (null: now). */
  rateView(): { waiting: number; nextDigestAt: number | null } | null {
    const rate = this.parts.rate.current;
    if (rate === null) return null;
    const ms = rate.gate.waitMs();
    return { waiting: this.stats().queued, nextDigestAt: ms > 0 ? this.options.now() + ms : null };
  }

  /**
   * Events in flight at once from now on (a destination's own setting; null: the one it was built
   * with). Raised, more start at once; lowered, those in flight finish and the surplus workers
   * end: nothing is cut off, dropped or sent twice. Every client follows, one still draining after
   * a URL change too (they share the options).
   */
  setConcurrency(n: number | null): void {
    const next = n ?? this.baseConcurrency;
    if (!Number.isInteger(next) || next < 1) throw new RangeError(`concurrency must be an integer >= 1, got ${next}`);
    if (next === this.options.concurrency) return;
    this.options.concurrency = next;
    for (const client of this.live) client.fitWorkers();
    this.keeper.changed();
  }

  /** Events in flight at once, at most. */
  get concurrency(): number {
    return this.options.concurrency;
  }

  /** The concurrency it was built with (the app-wide setting): a destination without its own uses it. */
  get defaultConcurrency(): number {
    return this.baseConcurrency;
  }

  /** Events stay queued (and overflow into dropped) until resume(); those in flight finish. */
  pause(): void {
    if (this.gate.paused) return;
    this.gate.paused = true;
    this.keeper.changed();
  }

  resume(): void {
    if (!this.gate.paused) return;
    this.gate.paused = false;
    for (const client of this.live) client.wake();
    this.keeper.changed();
  }

  /**
   * The machine sleeps or is offline (true) or is back (false). Attempts wait meanwhile instead
   * of being used up; one that fails as it happens is not counted.
   */
  setSuspended(suspended: boolean): void {
    if (this.gate.suspended === suspended) return;
    this.gate.suspended = suspended;
    if (!suspended) for (const client of this.live) client.wake();
    this.keeper.changed();
  }

  get suspended(): boolean {
    return this.gate.suspended;
  }

  /** The mode and retry plan, for the window's settings. */
  get retryPlan(): { durable: boolean; scheduleMs: number[]; maxEventAgeMs: number } {
    return { durable: this.options.durable, scheduleMs: [...this.options.retrySchedule], maxEventAgeMs: this.options.maxEventAgeMs };
  }

  private abandonLeft(id: number, detail: string): void {
    const rec = this.log.get(id);
    if (rec?.outcome === 'queued') this.keeper.settle(rec, 'abandoned', detail);
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
    const msgId = this.signer.messageId(`test_${++this.testCount}`);
    let request: { body: string; headers: Record<string, string> };
    try {
      request = await this.signer.request(msgId, body);
    } catch (err) {
      return { ok: false, durationMs: 0, error: err instanceof Error ? err.message : String(err) };
    }
    const { record } = await sendAttempt({
      url: check.url,
      body: request.body,
      headers: request.headers,
      timeoutMs: this.options.timeoutMs,
      agent: this.options.agent,
      now: this.options.now,
    });
    const result: TestResult = { ok: record.error === undefined, durationMs: record.durationMs };
    if (record.status !== undefined) result.status = record.status;
    if (record.error !== undefined) result.error = record.message ?? record.error;
    if (record.responseSnippet !== undefined) result.responseSnippet = record.responseSnippet;
    // Recorded in the log (source 'test') so the user sees what was sent and answered, but never
    // counted and never sent again: the accounting invariant is about real events.
    const rec: DeliveryRecord = {
      id: this.log.nextId(),
      event: TEST_EVENT_TOPIC,
      receivedAt: record.startedAt,
      outcome: testOutcome(record.status, record.error === undefined),
      url: check.url,
      attempts: [record],
      payload: request.body,
      source: 'test',
      webhookId: msgId,
      destinationId: this.destinationId,
      detail: `test event to ${check.url}: not counted, not sent again`,
    };
    this.keeper.addUncounted(rec);
    result.recordId = rec.id;
    return result;
  }

  /**
   * Stops accepting (later events are recorded abandoned), drains every client for up to
   * drainMs, aborts what is still in flight and records all that is left as abandoned.
   */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    this.gate.closing = true;
    this.closing = (async () => {
      const left = await Promise.all([...this.live].map((c) => c.close(this.drainMs, 'the dispatcher closed')));
      // Only a client still draining from a URL change hands any back: nothing to hand it to now.
      for (const id of left.flat()) this.abandonLeft(id, 'abandoned: still queued when the dispatcher closed');
      this.keeper.changed();
      if (this.ownAgent) await this.ownAgent.close();
    })();
    return this.closing;
  }

  /** Since-start counters. */
  stats(): Stats {
    let retrying = 0;
    for (const client of this.live) retrying += client.retrying;
    return { ...this.keeper.stats(), retrying };
  }

  /** The reference plugin's per-URL counters; they restart when the URL changes. */
  client(): { dropped: number; circuitSkips: number } {
    return { dropped: this.current?.dropped ?? 0, circuitSkips: this.current?.circuitSkips ?? 0 };
  }

  breaker(): BreakerView {
    return this.current?.view() ?? { ...CLOSED_BREAKER };
  }

  /** Called on any change of stats, breaker or paused (not batched: the caller batches). */
  onChange(listener: () => void): () => void {
    return this.keeper.onChange(listener);
  }

  private newClient(url: string): DeliveryClient {
    const client = new DeliveryClient(url, this.parts);
    this.live.add(client);
    void client.closed.then(() => this.live.delete(client));
    return client;
  }
}
