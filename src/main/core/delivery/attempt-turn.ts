// One turn of an event at the receiver: the plugin's first attempts (3, waiting 1 s then 2 s)
// when it has not had them yet, or one attempt of the retry schedule when it has. Counts come from
// the record's own attempts, so an event resumed after a restart continues where it was instead
// of getting a fresh budget. The turn says how it ended; the client decides what follows.

import type { AttemptRecord, DeliveryRecord } from '../../../shared/delivery';
import { sleep } from './abortable-sleep';
import { backoffDelay, parseRetryAfter } from './backoff';
import type { BreakerTicket } from './breaker';
import type { ResolvedOptions } from './client-parts';
import { sendAttempt, type AttemptOutcome } from './http-sender';
import type { ClientEvents } from './record-keeper';
import type { RequestSigner } from './request-headers';
import { formatDuration, scheduleDelay } from './retry-schedule';

/** 4xx answers that mean "not now" rather than "never": retried, honouring Retry-After. */
export const RETRYABLE_CLIENT_STATUSES: ReadonlySet<number> = new Set([408, 429]);

export type TurnEnd =
  | { kind: 'final'; outcome: 'delivered' | 'redirect' | 'client_error' | 'failed'; detail: string }
  /** the client stopped: during this attempt, or (null) while waiting between attempts */
  | { kind: 'aborted'; during: number | null }
  /** the machine slept or went offline during the last attempt: not counted, try again later */
  | { kind: 'uncounted'; detail: string }
  | {
      kind: 'retryable';
      /** e.g. "HTTP 503 after 3 attempts" */
      detail: string;
      /** 5xx or no answer (the breaker counts it); false for a 408/429 still answering */
      receiverDown: boolean;
      /** what the last answer's Retry-After asked for, ms, when it was a 408/429 */
      retryAfterMs: number | null;
    };

export function failureText(attempt: AttemptRecord): string {
  return attempt.error === 'http' ? `HTTP ${attempt.status}` : (attempt.message ?? attempt.error ?? 'error');
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Attempts that count against the event's budget (not those cut short by sleep or going offline). */
export function countedAttempts(rec: DeliveryRecord): number {
  let n = 0;
  for (const a of rec.attempts) if (a.uncounted !== true) n++;
  return n;
}

/** How a retryable turn continues: the next attempt's time, or why there is none. */
export type Later = { at: number; detail: string } | { giveUp: string };

export class AttemptTurn {
  constructor(
    private readonly url: string,
    private readonly o: ResolvedOptions,
    private readonly signer: RequestSigner,
    private readonly events: ClientEvents,
    private readonly stop: AbortSignal,
    private readonly suspended: () => boolean,
  ) {}

  async run(rec: DeliveryRecord, ticket: BreakerTicket): Promise<TurnEnd> {
    const o = this.o;
    const check = o.checkUrl(this.url);
    if (!check.ok) {
      this.events.attempt(rec, { startedAt: o.now(), durationMs: 0, error: 'blocked', message: check.message }, `blocked: ${check.message}`);
      return { kind: 'final', outcome: 'failed', detail: `blocked: ${check.message}` };
    }
    this.events.progress(rec, {
      detail: ticket.probe ? 'sending: probe after the circuit breaker cool-down' : 'sending',
      nextAttemptAt: null,
    });

    const done = countedAttempts(rec);
    // The first attempts left, or one attempt of the schedule once they are used up.
    const first = done < o.maxAttempts;
    const last = first ? o.maxAttempts : done + 1;
    const msgId = this.signer.messageId(rec.id);
    let request: { body: string; headers: Record<string, string> };
    try {
      request = await this.signer.request(msgId, rec.payload);
    } catch (err) {
      // The destination's format cannot render this event (a custom template): no attempt is
      // possible, so it fails at once with the reason rather than being retried for ever.
      const why = `not sent: the destination's format could not render this event (${err instanceof Error ? err.message : String(err)})`;
      return { kind: 'final', outcome: 'failed', detail: why };
    }
    let out: AttemptOutcome | undefined;
    for (let attempt = done + 1; attempt <= last; attempt++) {
      if (out) {
        const wait = this.backoff(attempt, out);
        this.events.progress(rec, { detail: `${failureText(out.record)} on attempt ${attempt - 1} of ${o.maxAttempts}; retrying in ${wait} ms` });
        if (!(await sleep(wait, this.stop))) {
          return { kind: 'aborted', during: null };
        }
        request = this.signer.restamp(msgId, request);
      }
      out = await sendAttempt({
        url: check.url,
        body: request.body,
        headers: request.headers,
        timeoutMs: o.timeoutMs,
        agent: o.agent,
        signal: this.stop,
        now: o.now,
      });
      const failed = out.record.error !== undefined && !out.aborted;
      if (failed && o.durable && this.suspended()) out.record.uncounted = true;
      this.events.attempt(rec, out.record, rec.detail ?? 'sending');
      const end = this.decided(out, attempt, ticket);
      if (end) return end;
      if (out.record.uncounted) return { kind: 'uncounted', detail: `${failureText(out.record)} while the machine was asleep or offline; not counted, sent again once it is back` };
    }
    const r = out!.record;
    const status = r.status ?? 0;
    const retryAfterMs = RETRYABLE_CLIENT_STATUSES.has(status) ? parseRetryAfter(out!.retryAfter, o.now(), o.maxRetryAfterMs) : null;
    return {
      kind: 'retryable',
      detail: `${failureText(r)} after ${plural(countedAttempts(rec), 'attempt')}`,
      receiverDown: !(r.error === 'http' && status < 500),
      retryAfterMs,
    };
  }

  /** When the schedule goes on after a retryable turn (durable mode): the next attempt's time, or why not. */
  nextAttempt(rec: DeliveryRecord, end: Extract<TurnEnd, { kind: 'retryable' }>): Later {
    const o = this.o;
    const now = o.now();
    const step = countedAttempts(rec) - o.maxAttempts;
    const total = o.retrySchedule.length;
    const deadline = rec.receivedAt + o.maxEventAgeMs;
    if (now >= deadline) return { giveUp: `older than the maximum event age (${formatDuration(o.maxEventAgeMs)}): given up` };
    const delay = scheduleDelay(o.retrySchedule, step, o.random);
    if (delay === undefined) {
      return { giveUp: total === 0 ? 'no retry schedule' : `the retry schedule is used up (${plural(total, 'later attempt')})` };
    }
    const wait = Math.max(delay, end.retryAfterMs ?? 0);
    // The last try is at the deadline, not past it.
    const at = Math.min(now + wait, deadline);
    return { at, detail: `next attempt at ${new Date(at).toISOString()} (retry ${step + 1} of ${total})` };
  }

  /** The turn's end when this attempt decides it; undefined when another attempt may follow. */
  private decided(out: AttemptOutcome, attempt: number, ticket: BreakerTicket): TurnEnd | undefined {
    const r = out.record;
    if (out.aborted) {
      return { kind: 'aborted', during: attempt };
    }
    if (r.error === undefined) {
      const on = attempt > 1 ? ` on attempt ${attempt}` : '';
      return { kind: 'final', outcome: 'delivered', detail: `delivered: HTTP ${r.status}${on}${ticket.probe ? ' (probe: circuit breaker closed)' : ''}` };
    }
    // Neither 3xx nor 4xx nor a refused address says the receiver is down: the breaker ignores them.
    if (r.error === 'redirect') return { kind: 'final', outcome: 'redirect', detail: `${r.message} (HTTP ${r.status})` };
    if (r.error === 'blocked') return { kind: 'final', outcome: 'failed', detail: `blocked: ${r.message}` };
    const status = r.status ?? 0;
    if (r.error === 'http' && status < 500 && !RETRYABLE_CLIENT_STATUSES.has(status)) {
      return { kind: 'final', outcome: 'client_error', detail: `HTTP ${status}: refused by the receiver, not retried` };
    }
    return undefined;
  }

  private backoff(attempt: number, last: AttemptOutcome): number {
    const o = this.o;
    const wait = backoffDelay(attempt, o.retryBackoffMs, o.jitter);
    const status = last.record.status;
    if (status === undefined || !RETRYABLE_CLIENT_STATUSES.has(status)) return wait;
    const asked = parseRetryAfter(last.retryAfter, o.now(), o.maxRetryAfterMs);
    return asked === null ? wait : Math.max(wait, asked);
  }
}
