// Delivery to every destination on the real core: one record per enabled destination for each
// accepted event, each with its own queue, counters, format, headers, secret and topic filter,
// against the receiver stand-ins (Slack, n8n behind Header Auth, a plain receiver) on loopback;
// the accounting invariant per destination and for the sum; a restart with pending records on
// two destinations resumes each on its own destination.

import { createHmac } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Controller } from '../../src/main/core/controller';
import { unaccounted, type Stats } from '../../src/shared/delivery';
import type { DestinationSummary } from '../../src/shared/destination-summary';
import { ok, useCoreController } from '../fixtures/core-controller';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';
import { RECORDED_DATA } from '../fixtures/sample-events';
import { startN8n } from '../fixtures/services/n8n';
import { startSlack } from '../fixtures/services/slack';

const core = useCoreController('dlv');
const start = core.start;

async function receiver(): Promise<Receiver> {
  const rx = await startReceiver();
  core.cleanup(() => rx.close());
  return rx;
}


function sum(list: readonly DestinationSummary[]): Omit<Stats, 'rejected'> {
  const out: Record<string, number> = {};
  for (const d of list) for (const [k, v] of Object.entries(d.stats)) if (k !== 'rejected') out[k] = (out[k] ?? 0) + v;
  return out as unknown as Omit<Stats, 'rejected'>;
}

/** The invariant for every destination, and the state's stats as their sum. */
function expectAccounted(c: Controller): void {
  const state = c.getState();
  for (const d of state.destinations) expect(unaccounted(d.stats), d.name).toBe(0);
  const { rejected: _r, ...total } = state.stats;
  expect(total).toEqual(sum(state.destinations));
  expect(unaccounted(state.stats)).toBe(0);
}

const settled = (c: Controller) => () => c.getState().stats.queued === 0;

describe('delivery to every destination', () => {
  it('one record per enabled destination, each in its own format, headers, secret and filter', async () => {
    const plain = await receiver();
    const slack = await startSlack();
    core.cleanup(() => slack.close());
    const n8n = await startN8n({ kind: 'header', name: 'X-N8n-Token', value: 'n8n-header-value-7f3a' });
    core.cleanup(() => n8n.close());
    const c = await start();
    const h = c.handlers;

    await ok(h.setUrl({ url: plain.url }));
    await ok(h.setSecret({ secret: 'primary-signing-secret' }));
    const s = await ok(h.createDestination({ url: slack.url.replace('127.0.0.1', 'hooks.slack.com'), name: 'Slack', rateLimit: null }));
    expect(s.destination.format).toBe('slack');
    const n = await ok(h.createDestination({ url: n8n.url, name: 'n8n', headers: { 'X-N8n-Token': 'n8n-header-value-7f3a' }, topics: ['handshake.*'] }));
    const off = await ok(h.createDestination({ url: plain.url.replace('/hook', '/off'), name: 'Off', enabled: false }));

    const events = ['handshake.approved', 'conn.fin', 'trust.changed'] as const;
    const accepted = events.map((event) => c.accept({ event, node_id: 42, data: RECORDED_DATA[event] }, 'api'));
    // The primary's record is the answer (the ingest and the demo use it).
    expect(accepted.every((r) => r.destinationId === 'primary')).toBe(true);
    await waitUntil(settled(c), 'every destination settled');

    const state = c.getState();
    const by = Object.fromEntries(state.destinations.map((d) => [d.name, d]));
    expect(state.destinations[0]).toMatchObject({ id: 'primary', primary: true, stats: { received: 3, delivered: 3 } });
    expect(by.Slack!.stats).toMatchObject({ received: 3, delivered: 3 });
    expect(by.n8n!.stats).toMatchObject({ received: 3, delivered: 1, filtered: 2 });
    expect(by.Off!.stats.received).toBe(0);
    expect(state.stats).toMatchObject({ received: 9, delivered: 7, filtered: 2 });
    expectAccounted(c);

    // Each receiver got its own body: the daemon's JSON signed, Slack's text, n8n with its header.
    expect(plain.requests.filter((r) => r.path === '/hook')).toHaveLength(3);
    const signed = plain.requests[0]!;
    expect(signed.headers['x-pilot-signature-256']).toBe(createHmac('sha256', 'primary-signing-secret').update(signed.body).digest('hex'));
    expect(slack.posted.map((p) => p.text)).toEqual([
      'Node 42: trust handshake from node 2 approved',
      'Node 42: connection with 0:0000.0000.0002 on port 49152 closed',
      'Node 42: trust with node 2 granted (approved)',
    ]);
    expect(slack.exchanges.every((e) => e.request.headers['x-pilot-signature-256'] === undefined)).toBe(true);
    expect(n8n.posted).toEqual([expect.objectContaining({ event: 'handshake.approved', node_id: 42 })]);
    expect(n8n.exchanges.map((e) => e.answer.status)).toEqual([200]);

    // The log per destination; records without a destination are the primary's.
    const nRecords = (await h.getLog({ destination: n.destination.id })).records;
    expect(nRecords.map((r) => [r.event, r.outcome])).toEqual([
      ['trust.changed', 'filtered'],
      ['conn.fin', 'filtered'],
      ['handshake.approved', 'delivered'],
    ]);
    expect((await h.getLog({ destination: off.destination.id })).records).toEqual([]);
    expect((await h.getLog({ destination: 'primary' })).records).toHaveLength(3);

    // Header values never leave main: not in the state, the log, the export.
    const everything = JSON.stringify([c.getState(), (await h.getLog({ limit: 100 })).records, [...c.historyPages()]]);
    expect(everything).not.toContain('n8n-header-value-7f3a');
    expect(everything).not.toContain('primary-signing-secret');
  });

  it('the primary sends its extra headers too (n8n Header Auth as the only URL)', async () => {
    const n8n = await startN8n({ kind: 'basic', user: 'pilot', password: 'pw-5d1c' });
    core.cleanup(() => n8n.close());
    const c = await start();
    await ok(c.handlers.setUrl({ url: n8n.url }));
    c.accept({ event: 'conn.fin', node_id: 1, data: RECORDED_DATA['conn.fin'] }, 'api');
    await waitUntil(settled(c), 'settled');
    // Without the header: n8n's own refusal, not retried (a 4xx).
    expect(n8n.exchanges.map((e) => e.answer.status)).toEqual([401]);
    expect(c.getState().stats).toMatchObject({ received: 1, failed: 1 });

    const basic = `Basic ${Buffer.from('pilot:pw-5d1c').toString('base64')}`;
    await ok(c.handlers.updateDestination({ id: 'primary', headers: { Authorization: basic } }));
    expect(c.getState().destinations[0]!.headers.Authorization).not.toContain(basic.slice(6));
    c.accept({ event: 'conn.fin', node_id: 1, data: RECORDED_DATA['conn.fin'] }, 'api');
    await waitUntil(settled(c), 'settled');
    expect(n8n.exchanges.map((e) => e.answer.status)).toEqual([401, 200]);
    expect(c.getState().stats).toMatchObject({ received: 2, delivered: 1, failed: 1 });
    expectAccounted(c);
    const t = await c.handlers.testDestination({ id: 'primary' });
    expect(t).toMatchObject({ ok: true, status: 200 });
  });

  it('a restart with pending records on two destinations resumes each on its own destination', async () => {
    const a = await receiver();
    const b = await receiver();
    let c = await start({ dataDir: join(core.dir, 'data') });
    await ok(c.handlers.setUrl({ url: a.url }));
    const second = await ok(c.handlers.createDestination({ url: b.url, name: 'B' }));
    await ok(c.handlers.pause(undefined));
    for (let i = 0; i < 3; i++) c.accept({ event: 'message.received', node_id: 9, data: { n: i } }, 'api');
    expect(c.getState().destinations.map((d) => d.stats.queued)).toEqual([3, 3]);
    await core.stop();
    expect(a.requests.length + b.requests.length).toBe(0);

    c = await start({ dataDir: join(core.dir, 'data') });
    await waitUntil(settled(c), 'resumed events settled');
    const list = c.getState().destinations;
    expect(list.map((d) => [d.id, d.stats.resumed, d.stats.delivered])).toEqual([
      ['primary', 3, 3],
      [second.destination.id, 3, 3],
    ]);
    expect(a.requests.map((r) => (r.json() as { data: { n: number } }).data.n)).toEqual([0, 1, 2]);
    expect(b.requests.map((r) => (r.json() as { data: { n: number } }).data.n)).toEqual([0, 1, 2]);
    expectAccounted(c);
    const stored = c.storedOutcomes();
    expect(stored.delivered).toBe(6);
    expect(stored.queued ?? 0).toBe(0);
  });

  it('pause is the whole app\'s: a destination added while paused waits too; a primary switched off stays off after a restart', async () => {
    const a = await receiver();
    const b = await receiver();
    let c = await start();
    await ok(c.handlers.setUrl({ url: a.url }));
    await ok(c.handlers.pause(undefined));
    const added = await ok(c.handlers.createDestination({ url: b.url, name: 'B' }));
    c.accept({ event: 'conn.fin', node_id: 1, data: RECORDED_DATA['conn.fin'] }, 'api');
    expect(c.getState().destinations.map((d) => [d.stats.queued, d.status.kind])).toEqual([
      [1, 'held'],
      [1, 'held'],
    ]);
    await ok(c.handlers.resume(undefined));
    await waitUntil(settled(c), 'both delivered');
    expect([a.requests.length, b.requests.length]).toEqual([1, 1]);

    // The primary off: events go to B only, also after a restart (its URL stays saved).
    await ok(c.handlers.updateDestination({ id: 'primary', enabled: false }));
    await c.close();
    c = await start();
    expect(c.getState().destinations.map((d) => [d.id, d.enabled, d.status.kind])).toEqual([
      ['primary', false, 'off'],
      [added.destination.id, true, 'delivering'],
    ]);
    const rec = c.accept({ event: 'conn.fin', node_id: 1, data: RECORDED_DATA['conn.fin'] }, 'api');
    expect(rec.destinationId).toBe(added.destination.id);
    await waitUntil(settled(c), 'B delivered');
    expect([a.requests.length, b.requests.length]).toEqual([1, 2]);
    // "Send again" is not refused for want of a URL while another destination has one (a
    // delivered record is simply not sent again).
    expect(await c.handlers.resend({ ids: [rec.id] })).toEqual({ ok: true, value: { queued: 0 } });
    expectAccounted(c);
  });

  it('"Send again" sends each record on the destination it was for', async () => {
    const a = await receiver();
    const b = await receiver();
    b.replyOnce({ status: 400, body: 'not now' });
    const c = await start();
    await ok(c.handlers.setUrl({ url: a.url }));
    const other = await ok(c.handlers.createDestination({ url: b.url, name: 'B' }));
    c.accept({ event: 'conn.fin', node_id: 1, data: RECORDED_DATA['conn.fin'] }, 'api');
    await waitUntil(settled(c), 'settled');
    const [refused] = (await c.handlers.getLog({ destination: other.destination.id, outcome: 'client_error' })).records;
    expect(refused).toBeDefined();
    expect(await c.handlers.resend({ ids: [refused!.id] })).toEqual({ ok: true, value: { queued: 1 } });
    await waitUntil(settled(c), 'the resend delivered');
    expect([a.requests.length, b.requests.length]).toEqual([1, 2]);
    const [copy] = (await c.handlers.getLog({ limit: 1 })).records;
    expect(copy).toMatchObject({ destinationId: other.destination.id, resendOf: refused!.id, outcome: 'delivered' });
    expectAccounted(c);
  });
});
