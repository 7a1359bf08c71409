// The whole cluster down: the ingest refuses every event with 503 (the daemon keeps and retries
// it), the state says fleet mode is cut off at the ingest → NATS hop, and once the servers are
// back the same process accepts and delivers again with no restart.

import { afterAll, expect, test } from 'vitest';
import { launchBrowser, type Browser } from '../e2e/helpers/browser';
import { eventually, startFleetHost, writeFleetKey } from './fleet-host';
import { useFleetWorld } from './fleet-world';

let browser: Browser | undefined;

const world = useFleetWorld('down');

afterAll(async () => {
  await browser?.close();
});

const event = (n: number): object => ({ event_id: n, event: 'tunnel.established', node_id: 3, timestamp: new Date().toISOString(), data: { n } });

test('cluster down entirely: 503 and a clear state, then recovery', async () => {
  const h = await startFleetHost({ nats: world.cluster.urls, keyFile: writeFleetKey(world.dir) });
  await eventually('connected', () => h.state(), (s) => s.fleet?.connected === true && s.fleet.error === null, 30_000);
  expect((await h.api('PUT', '/api/url', { url: world.rx.url })).status).toBe(200);
  await eventually('delivering', () => h.state(), (s) => s.fleet?.delivering === 1);
  expect(await h.post(event(1))).toBe(204);
  await world.rx.waitForRequests(1, 20_000);

  // The window says fleet mode at a glance, and which servers it reaches.
  browser = await launchBrowser();
  const { page } = await browser.newPage();
  await page.goto(h.pageUrl);
  await expect.poll(() => page.getByRole('status', { name: 'Fleet mode' }).textContent()).toBe('Fleet pilot · 3/3 NATS');

  for (let i = 0; i < 3; i++) await world.cluster.kill(i);
  const down = await eventually('the state says the cluster is gone', () => h.state(), (s) => s.fleet?.connected === false && s.fleet.servers.every((x) => !x.reached), 20_000);
  expect(down.fleet!.error).toMatch(/NATS/);

  // Refused, not lost: the daemon gets 503 and keeps the event.
  expect(await h.post(event(2))).toBe(503);
  const refused = await h.state();
  expect(refused.fleet!.refused).toBeGreaterThanOrEqual(1);
  expect(refused.fleet!.error).toMatch(/ingest → NATS/);
  expect(refused.fleet!.error).toMatch(/503/);
  await expect.poll(() => page.getByRole('status', { name: 'Fleet mode' }).textContent(), { timeout: 10_000 }).toBe('Fleet pilot · 0/3 NATS');
  await page.getByRole('button', { name: 'Setup', exact: true }).click();
  await expect.poll(() => page.getByRole('alert').filter({ hasText: 'ingest → NATS' }).count(), { timeout: 10_000 }).toBeGreaterThan(0);
  // The fleet's engine settings (from its KV bucket) stay shown while the cluster is away.
  await expect.poll(() => page.getByLabel('Fleet engine settings').textContent()).toMatch(/^Every deliver process: 5000 ms per attempt, later retries 10s,1m,5m,30m,1h,2h,4h,8h,8h, for up to 24h/);

  for (let i = 0; i < 3; i++) await world.cluster.restart(i);
  // The daemon's retry of the same event is accepted once JetStream is back.
  await eventually('the ingest accepts again', () => h.post(event(2)), (status) => status === 204, 60_000);
  await world.rx.waitForRequests(2, 30_000);
  const tags = world.rx.requests.map((r) => (r.json() as { data: { n: number } }).data.n);
  expect(new Set(tags)).toEqual(new Set([1, 2]));
  const back = await eventually('the state is clear again', () => h.state(), (s) => s.fleet?.connected === true && s.fleet.servers.every((x) => x.reached) && s.fleet.error === null, 30_000);
  expect(back.fleet!.published).toBeGreaterThanOrEqual(2);
});
