// A rate-limited chat destination's way through a backlog: when more events wait than its limit
// lets through in about 2 s (destinations/rate-gate.ts decides), the next request is one digest
// message standing for them ("12 events from node 42: 5 × tunnel.established, …"). One attempt:
// delivered, every covered record is delivered "in digest #N"; refused or failed, they go back to
// be sent one by one under the usual rules (their own attempts, retries and breaker), so a digest
// never loses or hides an event. A 429's Retry-After closes the rate gate until then.

import type { DeliveryRecord } from '../../../shared/delivery';
import type { RateGate } from '../destinations/rate-gate';
import type { ShapedBody } from '../destinations/body-shaper';
import { parseRetryAfter } from './backoff';
import type { ResolvedOptions } from './client-parts';
import { sendAttempt } from './http-sender';
import type { ClientEvents } from './record-keeper';
import type { RequestSigner } from './request-headers';
import { failureText } from './attempt-turn';

/** A destination's rate limit and how it writes a digest (chat formats). */
export interface RateControl {
  readonly gate: RateGate;
  /** the body (and the format's headers) of digest #digestNo standing for these payloads */
  digest(digestNo: number, payloads: readonly string[]): ShapedBody;
}

export type DigestEnd =
  | { kind: 'delivered'; digestNo: number }
  /** not delivered: the covered events are sent one by one, not before `retryAt` */
  | { kind: 'failed'; digestNo: number; detail: string; retryAt: number }
  | { kind: 'aborted' };

/** Digest numbers shown to the user ("delivered in digest #3"): per destination, per run. */
export class DigestCounter {
  private n = 0;
  next(): number {
    return ++this.n;
  }
}

/**
 * Uses the request's token and says which events it stands for: `first` alone, or — when more
 * wait than the limit lets through in about 2 s — `first` and the queued events after it.
 * Events retried one by one after a digest (from the wait list) never join another.
 */
export function digestCover(
  first: DeliveryRecord,
  from: 'pending' | 'waiting',
  queue: { readonly size: number; shift(): DeliveryRecord | undefined },
  rate: RateControl,
): DeliveryRecord[] {
  const plan = rate.gate.plan(from === 'pending' ? queue.size + 1 : 1);
  rate.gate.take();
  const covered = [first];
  if (plan.kind !== 'digest') return covered;
  while (covered.length < plan.count) {
    const rec = queue.shift();
    if (rec === undefined) break;
    covered.push(rec);
  }
  return covered;
}

export async function runDigest(
  records: readonly DeliveryRecord[],
  p: { url: string; o: ResolvedOptions; rate: RateControl; signer: RequestSigner; events: ClientEvents; stop: AbortSignal; digestNo: number },
): Promise<DigestEnd> {
  const { o, events } = p;
  const check = o.checkUrl(p.url);
  if (!check.ok) return { kind: 'failed', digestNo: p.digestNo, detail: `blocked: ${check.message}`, retryAt: o.now() };
  const shaped = p.rate.digest(p.digestNo, records.map((r) => r.payload));
  // Unique per covered set (first record and count), so a receiver that drops duplicate ids never
  // mistakes one digest for another, across restarts too.
  const msgId = p.signer.messageId(`digest_${records[0]!.id}_${records.length}`);
  for (const rec of records) events.progress(rec, { detail: `sending in digest #${p.digestNo} (${records.length} events)`, nextAttemptAt: null });
  const out = await sendAttempt({
    url: check.url,
    body: shaped.body,
    headers: { ...p.signer.headers(msgId, shaped.body), ...shaped.headers },
    timeoutMs: o.timeoutMs,
    agent: o.agent,
    signal: p.stop,
    now: o.now,
  });
  if (out.aborted) return { kind: 'aborted' };
  const r = out.record;
  for (const rec of records) events.attempt(rec, { ...r }, `digest #${p.digestNo}: ${r.error === undefined ? `HTTP ${r.status}` : failureText(r)}`);
  if (r.error === undefined) return { kind: 'delivered', digestNo: p.digestNo };
  const retryAfterMs = r.status === 429 || r.status === 408 ? parseRetryAfter(out.retryAfter, o.now(), o.maxRetryAfterMs) : null;
  if (retryAfterMs !== null) p.rate.gate.retryAfter(retryAfterMs);
  return {
    kind: 'failed',
    digestNo: p.digestNo,
    detail: `digest #${p.digestNo} not delivered (${failureText(r)}); sent one by one instead`,
    retryAt: o.now() + (retryAfterMs ?? 0),
  };
}
