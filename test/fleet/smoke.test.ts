import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../fixtures/nats-cluster';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { eventually, startFleetHost, stopAllFleetHosts, writeFleetKey } from './fleet-host';

let cluster: NatsCluster;
let rx: Receiver;
let dir: string;
beforeAll(async () => {
  cluster = await startNatsCluster();
  rx = await startReceiver();
  dir = mkdtempSync(join(tmpdir(), 'pilot-fleet-key-'));
});
afterAll(async () => {
  await stopAllFleetHosts();
  await rx?.close();
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

test('one all-role process: set URL, events delivered', async () => {
  const key = writeFleetKey(dir);
  const h = await startFleetHost({ nats: cluster.urls, keyFile: key });
  await eventually('fleet connected', () => h.state(), (s) => s.fleet?.connected === true && s.fleet.destinations === 0 && s.fleet.error === null, 30_000);
  const put = await h.api('PUT', '/api/url', { url: rx.url });
  expect(put.status).toBe(200);
  await eventually('delivering', () => h.state(), (s) => s.fleet?.delivering === 1);
  for (let i = 0; i < 10; i++) expect(await h.post({ event_id: i + 1, event: 'peer.connected', node_id: 7, timestamp: new Date().toISOString(), data: { n: i } })).toBe(204);
  await rx.waitForRequests(10, 20_000);
  const log = await eventually('log', () => h.api('GET', '/api/log?limit=50'), (r) => (r.body as { records: unknown[] }).records.length === 10);
  console.log(JSON.stringify((log.body as { records: unknown[] }).records[0]).slice(0, 600));
  console.log(JSON.stringify((await h.state()).fleet));
});
