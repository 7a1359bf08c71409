// A fleet destination's extra headers (n8n's Header Auth, a Basic login) on a real 3-server
// cluster: written sealed with the fleet key by another process of the fleet, sent on every
// request by a deliver process that decrypted them, changed live; and the values are nowhere
// else — not in the KV bucket in clear, not in the fleet log's stream, not in any answer of the
// API, not on stderr, not in main.log.

import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import type { FleetDestination } from '../../src/main/core/fleet/fleet-config';
import { openFleetBucket, type FleetBucket } from './fleet-bucket';
import { fleetNames } from '../../src/main/core/fleet/fleet-names';
import { eventually, startFleetHost, writeFleetKey } from './fleet-host';
import { useFleetWorld } from './fleet-world';

const FLEET = 'hdr';

let bucket: FleetBucket | undefined;

const world = useFleetWorld('headers');

afterAll(async () => {
  await bucket?.close();
});

const event = (n: number): object => ({ event_id: n, event: 'message.received', node_id: 9, timestamp: new Date().toISOString(), data: { n } });

test('extra header values reach the receiver from the fleet key, and nowhere else', async () => {
  const key = randomBytes(32);
  const keyFile = writeFleetKey(world.dir, 'fleet.key', key);
  const host = await startFleetHost({ nats: world.cluster.urls, keyFile, role: 'all', fleet: FLEET });
  await eventually('connected, configuration read', () => host.state(), (s) => s.fleet?.connected === true && s.fleet.error === null, 30_000);

  // Another process of the fleet (a window anywhere) adds the destination with its n8n token.
  bucket = await openFleetBucket(world.cluster.urls, FLEET, key);
  // Reads of the configuration go through the stream's leader: a replica behind could answer a
  // just-stored key check with nothing, and the process would refuse its own fleet key.
  expect((await bucket.handles.jsm.streams.info(`KV_${fleetNames(FLEET).config}`)).config.allow_direct).toBe(false);
  const token = `n8n-${randomBytes(18).toString('hex')}`;
  const login = `Basic ${Buffer.from(`pilot:${randomBytes(9).toString('hex')}`).toString('base64')}`;
  const dest: FleetDestination = {
    id: 'primary',
    name: 'n8n',
    url: world.rx.url,
    enabled: true,
    createdAt: Date.now(),
    topics: [],
    secret: null,
    headers: { 'X-N8N-Auth': token, Authorization: login },
  };
  await bucket.config.put(dest);
  await eventually('the deliver engine took it up', () => host.state(), (s) => s.fleet?.delivering === 1 && s.url === world.rx.url, 20_000);

  let posted = 0;
  const post = async (n: number): Promise<void> => {
    expect(await host.post(event(n))).toBe(204);
    posted++;
  };
  for (let n = 1; n <= 10; n++) await post(n);
  const first = await world.rx.waitForRequests(10, 20_000);
  for (const r of first) {
    expect(r.headers['x-n8n-auth']).toBe(token);
    expect(r.headers.authorization).toBe(login);
    // The app's own headers are still there beside them.
    expect(r.headers['webhook-id']).toMatch(/^msg_hdr_primary_\d+$/);
    expect(r.headers['content-type']).toBe('application/json');
  }

  // Rotated from the bucket: the next events carry the new token, the old one is gone.
  const rotated = `n8n-${randomBytes(18).toString('hex')}`;
  await bucket.config.put({ ...dest, headers: { 'X-N8N-Auth': rotated } });
  await eventually('the rotated header is in use', async () => {
    await post(100);
    return world.rx.requests[world.rx.requests.length - 1]?.headers['x-n8n-auth'];
  }, (v) => v === rotated, 20_000);
  const after = world.rx.requests.filter((r) => r.headers['x-n8n-auth'] === rotated);
  expect(after.every((r) => r.headers.authorization === undefined)).toBe(true);

  // Every event accounted for: delivered, nothing lost or stuck.
  const s = await eventually('all delivered', () => host.state(), (st) => st.stats.delivered === posted && st.stats.queued === 0, 20_000);
  expect(s.stats.received).toBe(posted);
  expect(unaccounted(s.stats)).toBe(0);

  // The values are nowhere but in the requests.
  const secrets = [token, rotated, login, login.slice('Basic '.length)];
  const holds = (text: string): string[] => secrets.filter((v) => text.includes(v));
  const stored = (await bucket.kv.get('destination.primary'))!.string();
  expect(stored).toContain('"X-N8N-Auth":"v1:');
  expect(holds(stored)).toEqual([]);
  // The bucket keeps a few old values per key (history): the first, with both headers, is sealed too.
  const history: string[] = [];
  for await (const e of await bucket.kv.history({ key: 'destination.primary' })) history.push(e.string());
  expect(history.length).toBeGreaterThanOrEqual(2);
  expect(holds(history.join('\n'))).toEqual([]);
  const fleetLog = await bucket.streamBodies(`PILOT_DELIVERIES_${FLEET}`);
  expect(fleetLog.length).toBe(posted);
  expect(holds(fleetLog.join('\n'))).toEqual([]);
  const events = await bucket.streamBodies(`PILOT_EVENTS_${FLEET}`);
  expect(holds(events.join('\n'))).toEqual([]);
  const answers = [
    JSON.stringify(await host.state()),
    JSON.stringify((await host.api('GET', '/api/log?limit=500')).body),
  ];
  expect(((await host.api('GET', '/api/log?limit=500')).body as { records: DeliveryRecord[] }).records).toHaveLength(posted);
  expect(holds(answers.join('\n'))).toEqual([]);
  expect(holds(host.stderr())).toEqual([]);
  expect(holds(readFileSync(join(host.dataDir, 'main.log'), 'utf8'))).toEqual([]);
});
