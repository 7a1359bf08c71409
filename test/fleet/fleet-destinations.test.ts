// Many destinations in one fleet, on a real 3-server cluster: added from one window through the
// destination calls (headers, topics, a switched-off one), each delivered by two deliver
// processes from its own durable consumer, each event once per destination; the accounting
// invariant per destination (summed over the processes: every event routed to it counted once);
// headers masked in every answer; a removed destination's engines and consumer gone.

import { randomBytes } from 'node:crypto';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { expect, test } from 'vitest';
import { emptyStats, unaccounted, type DeliveryRecord, type Stats } from '../../src/shared/delivery';
import type { DestinationSummary } from '../../src/shared/destination-summary';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { eventually, startFleetHost, writeFleetKey, type FleetHost } from './fleet-host';
import { useFleetWorld } from './fleet-world';

const FLEET = 'many';
/** Events posted: a third of them tunnel.established (the topic-filtered destination's share). */
const EVENTS = 300;
const PARALLEL = 6;
const DELIVER_FLAGS = ['--concurrency', '4', '--timeout-ms', '3000', '--retry-backoff-ms', '50'];

const world = useFleetWorld('many', { receivers: 3 });

const list = async (h: FleetHost): Promise<DestinationSummary[]> => ((await h.api('GET', '/api/destinations')).body as { destinations: DestinationSummary[] }).destinations;
const tags = (rx: Receiver): Set<string> => new Set(rx.requests.filter((r) => r.headers['webhook-id'] !== undefined && !r.body.includes('webhook.test')).map((r) => (r.json() as { data: { tag: string } }).data.tag));
function add(into: Stats, s: Stats): Stats {
  const out = { ...into };
  for (const k of Object.keys(out) as (keyof Stats)[]) out[k] += s[k];
  return out;
}

test('every destination of the fleet delivered by every deliver process, accounted per destination', async () => {
  const keyFile = writeFleetKey(world.dir);
  const ingest = await startFleetHost({ nats: world.cluster.urls, keyFile, role: 'ingest', fleet: FLEET, args: DELIVER_FLAGS });
  await eventually('ingest ready', () => ingest.state(), (s) => s.fleet?.connected === true && s.fleet.error === null, 30_000);
  const d1 = await startFleetHost({ nats: world.cluster.urls, keyFile, role: 'deliver', fleet: FLEET, args: DELIVER_FLAGS });
  const d2 = await startFleetHost({ nats: world.cluster.urls, keyFile, role: 'deliver', fleet: FLEET, args: DELIVER_FLAGS });

  // From the ingest's window: the primary (the URL field), an n8n destination with its Header
  // Auth token, one for tunnel events only, and one switched off.
  const token = `n8n-${randomBytes(16).toString('hex')}`;
  expect((await ingest.api('PUT', '/api/url', { url: world.receivers[0]!.url })).status).toBe(200);
  const n8n = await ingest.api('POST', '/api/destinations', { url: world.receivers[1]!.url, name: 'n8n', headers: { 'X-N8N-Auth': token } });
  expect(n8n.status).toBe(200);
  const n8nDest = (n8n.body as { destination: DestinationSummary }).destination;
  expect(n8nDest.headers).toEqual({ 'X-N8N-Auth': `…${token.slice(-4)}` });
  const peers = (await ingest.api('POST', '/api/destinations', { url: world.receivers[2]!.url, name: 'peers', topics: ['tunnel.*'] })).body as { destination: DestinationSummary };
  const off = (await ingest.api('POST', '/api/destinations', { url: world.receivers[2]!.url, name: 'off', enabled: false })).body as { destination: DestinationSummary };
  const ids = { primary: 'primary', n8n: n8nDest.id, peers: peers.destination.id, off: off.destination.id };
  expect(new Set(Object.values(ids)).size).toBe(4);

  // Refused with the contract's codes, nothing written.
  const bad = await ingest.api('POST', '/api/destinations', { url: world.receivers[1]!.url, headers: { Host: 'x' } });
  expect(bad.status).toBe(400);
  expect(bad.body).toMatchObject({ error: { code: 'bad_header', field: 'headers' } });
  expect((await ingest.api('PATCH', '/api/destinations/nope', { name: 'x' })).status).toBe(404);
  const move = await ingest.api('PATCH', `/api/destinations/${ids.n8n}`, { primary: true });
  expect(move.body).toMatchObject({ error: { code: 'unsupported', field: 'primary' } });
  expect((await list(ingest)).map((d) => d.id)).toEqual([ids.primary, ids.n8n, ids.peers, ids.off]);

  for (const d of [d1, d2]) await eventually('three engines', () => d.state(), (s) => s.fleet?.delivering === 3 && s.fleet.error === null, 30_000);

  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < EVENTS) {
      const n = next++;
      const status = await ingest.post({ event_id: n + 1, event: n % 3 === 0 ? 'tunnel.established' : 'message.received', node_id: 7, timestamp: new Date(Date.UTC(2026, 0, 1) + n).toISOString(), data: { tag: `e${n}` } });
      expect(status).toBe(204);
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  const peerCount = Math.ceil(EVENTS / 3);

  await eventually('every destination has its events', async () => [tags(world.receivers[0]!).size, tags(world.receivers[1]!).size, tags(world.receivers[2]!).size], ([a, b, c]) => a === EVENTS && b === EVENTS && c === peerCount, 60_000);
  // Each destination's durable consumer has nothing left to give or to acknowledge.
  const nc = await connect({ servers: world.cluster.urls });
  try {
    const jsm = await jetstreamManager(nc);
    for (const id of [ids.primary, ids.n8n, ids.peers]) {
      await eventually(`consumer of ${id} drained`, () => jsm.consumers.info(`PILOT_EVENTS_${FLEET}`, `dest_${id}`), (ci) => ci.num_ack_pending === 0 && ci.num_pending === 0, 30_000);
    }

    // The n8n token on every request to n8n, and only there.
    expect(world.receivers[1]!.requests.every((r) => r.headers['x-n8n-auth'] === token)).toBe(true);
    expect([...world.receivers[0]!.requests, ...world.receivers[2]!.requests].some((r) => r.headers['x-n8n-auth'] !== undefined)).toBe(false);
    // The switched-off destination got nothing: every request at rxC is the peers destination's.
    expect(world.receivers[2]!.requests.every((r) => String(r.headers['webhook-id']).startsWith(`msg_${FLEET}_${ids.peers}_`))).toBe(true);
    expect(world.receivers[2]!.requests.every((r) => (r.json() as { event: string }).event === 'tunnel.established')).toBe(true);

    // Accounting per destination: each process's counters hold the invariant, and summed over the
    // two processes every event routed to a destination is counted there exactly once.
    const settled = await Promise.all([d1, d2].map((d) => eventually('settled', () => list(d), (ds) => ds.every((x) => x.stats.queued === 0), 20_000)));
    const total = (id: string): Stats => settled.map((ds) => ds.find((x) => x.id === id)!.stats).reduce(add, emptyStats());
    for (const ds of settled) for (const x of ds) expect(unaccounted(x.stats), `${x.name}`).toBe(0);
    expect(total(ids.primary)).toMatchObject({ received: EVENTS, delivered: EVENTS, failed: 0, queued: 0 });
    expect(total(ids.n8n)).toMatchObject({ received: EVENTS, delivered: EVENTS, failed: 0, queued: 0 });
    expect(total(ids.peers)).toMatchObject({ received: EVENTS, delivered: peerCount, filtered: EVENTS - peerCount, queued: 0 });
    expect(total(ids.off)).toEqual(emptyStats());
    console.log(`fleet destinations, per process: ${JSON.stringify(settled.map((ds) => Object.fromEntries(ds.map((x) => [x.name, x.stats.received]))))}`);
    for (const d of [d1, d2]) {
      const s = await d.state();
      expect(unaccounted(s.stats)).toBe(0);
      expect(s.destinations.find((x) => x.id === ids.off)!.status.kind).toBe('off');
    }

    // One window shows each destination's records; no answer shows the token.
    const n8nLog = await eventually('n8n records in the fleet log', async () => ((await ingest.api('GET', `/api/log?limit=5000&destination=${ids.n8n}`)).body as { records: DeliveryRecord[] }).records, (r) => r.length === EVENTS);
    expect(n8nLog.every((r) => r.destinationId === ids.n8n && r.fleet?.destinationId === ids.n8n && r.outcome === 'delivered')).toBe(true);
    for (const h of [ingest, d1, d2]) {
      expect(JSON.stringify(await h.state())).not.toContain(token);
      expect(JSON.stringify(await list(h))).not.toContain(token);
    }

    // "Send test event" to n8n: its format, its header, from this window's process.
    const t = await ingest.api('POST', `/api/destinations/${ids.n8n}/test`, {});
    expect(t.body).toMatchObject({ ok: true, status: 200 });
    const sample = world.receivers[1]!.requests[world.receivers[1]!.requests.length - 1]!;
    expect(sample.headers['x-n8n-auth']).toBe(token);
    expect((sample.json() as { event: string }).event).toBe('webhook.test');

    // Rotating the header from another process's window: the next event carries the new one.
    const rotated = `n8n-${randomBytes(16).toString('hex')}`;
    expect((await d2.api('PATCH', `/api/destinations/${ids.n8n}`, { headers: { 'X-N8N-Auth': rotated } })).status).toBe(200);
    await eventually('both engines took the new header', async () => {
      expect(await ingest.post({ event: 'message.received', node_id: 7, data: { tag: 'rot' } })).toBe(204);
      return world.receivers[1]!.requests[world.receivers[1]!.requests.length - 1]!.headers['x-n8n-auth'];
    }, (v) => v === rotated, 20_000);

    // Removed: every engine for it stops, and its consumer is gone.
    expect((await ingest.api('DELETE', `/api/destinations/${ids.peers}`)).body).toEqual({ deleted: ids.peers });
    for (const d of [d1, d2]) await eventually('two engines', () => d.state(), (s) => s.fleet?.delivering === 2, 20_000);
    await expect(jsm.consumers.info(`PILOT_EVENTS_${FLEET}`, `dest_${ids.peers}`)).rejects.toThrow(/not found/i);
    expect((await list(ingest)).map((d) => d.id)).toEqual([ids.primary, ids.n8n, ids.off]);
    // Its counts stay in the process totals: the invariant still holds.
    for (const d of [d1, d2]) expect(unaccounted((await d.state()).stats)).toBe(0);

    // A chat destination with a rate limit: a burst goes out as digests (each deliver process
    // keeps its own gate), every covered record saying which digest delivered it.
    const rxD = await startReceiver();
    try {
      const chat = ((await ingest.api('POST', '/api/destinations', { url: rxD.url, name: 'chat', format: 'slack', rateLimit: { perMinute: 60 } })).body as { destination: DestinationSummary }).destination;
      expect(chat.rateLimit).toEqual({ perMinute: 60 });
      for (const d of [d1, d2]) await eventually('three engines again', () => d.state(), (st) => st.fleet?.delivering === 3, 20_000);
      const BURST = 30;
      await Promise.all(Array.from({ length: BURST }, (_, i) => ingest.post({ event: 'tunnel.established', node_id: 8, data: { tag: `burst${i}` } }).then((st) => expect(st).toBe(204))));
      const chatLog = await eventually(
        'the burst delivered',
        async () => ((await ingest.api('GET', `/api/log?limit=5000&destination=${chat.id}`)).body as { records: DeliveryRecord[] }).records,
        (r) => r.length === BURST && r.every((x) => x.outcome === 'delivered'),
        60_000,
      );
      expect(chatLog.some((r) => r.digest !== undefined && /digest #\d+/.test(r.detail ?? ''))).toBe(true);
      expect(rxD.requests.length).toBeLessThan(BURST);
      expect(rxD.requests.every((r) => typeof (r.json() as { text?: unknown }).text === 'string')).toBe(true);
      const chatStats = (await Promise.all([d1, d2].map((d) => eventually('chat settled', () => list(d), (ds) => ds.find((x) => x.id === chat.id)?.stats.queued === 0, 20_000))))
        .map((ds) => ds.find((x) => x.id === chat.id)!.stats);
      for (const st of chatStats) expect(unaccounted(st)).toBe(0);
      expect(chatStats.reduce(add, emptyStats())).toMatchObject({ received: BURST, delivered: BURST, failed: 0 });
    } finally {
      await rxD.close();
    }
  } finally {
    await nc.close();
  }
});
