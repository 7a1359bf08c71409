// Rate limits and digests of chat destinations on the real core and the Slack stand-in: a backlog
// bigger than the limit lets through in about 2 s goes out as one digest message whose covered
// records each say which digest delivered them; a digest the receiver refuses falls back to one
// message per event, nothing lost; a 429's Retry-After is honoured. The invariant holds throughout.

import { describe, expect, it } from 'vitest';
import type { Controller } from '../../src/main/core/controller';
import { unaccounted } from '../../src/shared/delivery';
import { ok, useCoreController } from '../fixtures/core-controller';
import { startReceiver, waitUntil } from '../fixtures/receiver';
import { RECORDED_DATA } from '../fixtures/sample-events';
import { startSlack } from '../fixtures/services/slack';

const core = useCoreController('digest');
const start = core.start;

const topics = ['tunnel.established', 'handshake.approved', 'conn.fin'] as const;
const settled = (c: Controller) => () => c.getState().stats.queued === 0;

function expectAccounted(c: Controller): void {
  for (const d of c.getState().destinations) expect(unaccounted(d.stats), d.name).toBe(0);
  expect(unaccounted(c.getState().stats)).toBe(0);
}

describe('rate limit and digests', () => {
  it('a backlog past the limit is one Slack digest; each covered record names it', async () => {
    const slack = await startSlack();
    core.cleanup(() => slack.close());
    const c = await start();
    // Slack's default: 60 a minute, so about 2 go out within 2 s; 12 waiting make a digest.
    const dest = await ok(c.handlers.setUrl({ url: slack.url.replace('127.0.0.1', 'hooks.slack.com') }));
    expect(dest.format).toBe('slack');
    expect(c.getState().destinations[0]!.rateLimit).toEqual({ perMinute: 60 });
    for (let i = 0; i < 12; i++) c.accept({ event: topics[i % 3]!, node_id: 42, data: RECORDED_DATA[topics[i % 3]!] }, 'daemon');
    expect(c.getState().destinations[0]!.rateLimited).toMatchObject({ waiting: 12 });
    await waitUntil(settled(c), 'the digest delivered');

    expect(slack.posted).toHaveLength(1);
    const text = slack.posted[0]!.text!;
    expect(text).toContain('12 events');
    expect(text).toContain('4 × tunnel.established');
    const records = (await c.handlers.getLog({ limit: 50 })).records;
    expect(records).toHaveLength(12);
    for (const r of records) {
      expect(r).toMatchObject({ outcome: 'delivered', digest: 1, detail: 'delivered in digest #1 (12 events)' });
      expect(r.attempts).toHaveLength(1);
    }
    expect(c.getState().stats).toMatchObject({ received: 12, delivered: 12 });
    expectAccounted(c);
  });

  it.each([
    [500, {}],
    [429, { 'retry-after': '1' }],
  ] as const)('a digest answered %i goes out one message per event instead; nothing is lost', async (status, headers) => {
    const rx = await startReceiver();
    core.cleanup(() => rx.close());
    // The first request (the digest) fails; every later one is taken.
    rx.replyOnce({ status, headers: { ...headers }, body: 'digest went wrong' });
    const c = await start();
    const created = await ok(c.handlers.createDestination({ url: rx.url, format: 'mattermost', rateLimit: { perMinute: 3000 } }));
    // 3000 a minute: 100 within 2 s, 200 with the bucket; 250 waiting make a digest.
    for (let i = 0; i < 250; i++) c.accept({ event: 'conn.fin', node_id: 7, data: { n: i } }, 'daemon');
    await waitUntil(settled(c), 'every event delivered', 20_000);

    const bodies = rx.requests.map((r) => r.json() as { text: string });
    expect(bodies[0]!.text).toContain('250 events');
    expect(rx.requests).toHaveLength(251);
    const records = (await c.handlers.getLog({ destination: created.destination.id, limit: 300 })).records;
    expect(records.every((r) => r.outcome === 'delivered' && r.digest === undefined)).toBe(true);
    // Each record shows the digest's attempt and then its own.
    const attempts = records[0]!.attempts;
    expect(attempts.map((a) => a.status)).toEqual([status, 200]);
    // A 429's Retry-After (1 s) closed the rate gate: nothing went before it was up.
    if (status === 429) expect(Math.min(...records.map((r) => r.attempts[1]!.startedAt)) - attempts[0]!.startedAt).toBeGreaterThanOrEqual(950);
    expect(c.getState().destinations[0]!.stats).toMatchObject({ received: 250, delivered: 250 });
    expectAccounted(c);
  }, 30_000);

  it("a 429's Retry-After is honoured before the next attempt", async () => {
    // Slack's own limit, made strict: one message a second, then 429 with Retry-After.
    const slack = await startSlack({ rateLimit: { max: 1, windowMs: 1000 } });
    core.cleanup(() => slack.close());
    const c = await start();
    await ok(c.handlers.createDestination({ url: slack.url.replace('127.0.0.1', 'hooks.slack.com'), rateLimit: { perMinute: 6000 } }));
    // Two at once: the second reaches Slack within the same second as the first.
    c.accept({ event: 'conn.fin', node_id: 1, data: RECORDED_DATA['conn.fin'] }, 'daemon');
    c.accept({ event: 'conn.fin', node_id: 1, data: RECORDED_DATA['conn.fin'] }, 'daemon');
    await waitUntil(settled(c), 'both delivered', 10_000);
    const [second, first] = (await c.handlers.getLog({ limit: 2 })).records;
    expect(first!.attempts.map((a) => a.status)).toEqual([200]);
    expect(second!.attempts.map((a) => a.status)).toEqual([429, 200]);
    // Retry-After: 1 (s) — the next attempt did not start before it was up.
    expect(second!.attempts[1]!.startedAt - second!.attempts[0]!.startedAt).toBeGreaterThanOrEqual(950);
    expect(slack.posted).toHaveLength(2);
    expectAccounted(c);
  });
});
