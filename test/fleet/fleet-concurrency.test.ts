// A destination's own concurrency in fleet mode, on a real 3-server cluster: the fleet's engine
// says one in flight per destination (--concurrency 1), a destination that sets 8 has 8 requests
// open at its slow receiver while the primary, without its own, gets one at a time in order; the
// setting travels in the fleet's configuration and is shown with the one in use; the accounting
// invariant per destination. Counted at the receivers, never timed.

import { afterAll, expect, test } from 'vitest';
import { unaccounted } from '../../src/shared/delivery';
import type { DestinationSummary } from '../../src/shared/destination-summary';
import { SLOW_ANSWER_MS, startSlowReceiver, type SlowReceiver } from '../fixtures/slow-receiver';
import { eventually, startFleetHost, writeFleetKey } from './fleet-host';
import { useFleetWorld } from './fleet-world';

const FLEET = 'conc';
const EVENTS = 16;
const ENGINE_FLAGS = ['--concurrency', '1', '--timeout-ms', '3000', '--retry-backoff-ms', '50'];

const world = useFleetWorld('conc');
const receivers: SlowReceiver[] = [];
// Registered after the world's: runs first, while the hosts still hold their connections.
afterAll(async () => {
  await Promise.all(receivers.map((r) => r.close()));
});

test('a destination at 8 over the fleet engine\'s 1: 8 open at once there, one at a time in order at the primary', async () => {
  const serial = await startSlowReceiver({ after: SLOW_ANSWER_MS });
  const parallel = await startSlowReceiver({ releaseAt: 8, total: EVENTS });
  receivers.push(serial, parallel);
  const keyFile = writeFleetKey(world.dir);
  const host = await startFleetHost({ nats: world.cluster.urls, keyFile, role: 'all', fleet: FLEET, args: ENGINE_FLAGS });
  await eventually('ready', () => host.state(), (s) => s.fleet?.connected === true && s.fleet.error === null, 30_000);

  expect((await host.api('PUT', '/api/url', { url: serial.url })).status).toBe(200);
  const bad = await host.api('POST', '/api/destinations', { url: parallel.url, concurrency: 0 });
  expect(bad).toMatchObject({ status: 400, body: { error: { code: 'bad_field', field: 'concurrency' } } });
  const added = await host.api('POST', '/api/destinations', { url: parallel.url, name: 'Parallel', concurrency: 8 });
  expect(added.status).toBe(200);
  expect((added.body as { destination: DestinationSummary }).destination).toMatchObject({ concurrency: 8 });
  const ready = await eventually('two engines', () => host.state(), (s) => s.fleet?.delivering === 2, 30_000);
  expect(ready.concurrency).toBe(1);
  expect(ready.destinations.map((d) => [d.name === 'Parallel' ? 'Parallel' : 'primary', d.concurrencyInUse])).toEqual([
    ['primary', 1],
    ['Parallel', 8],
  ]);

  // One at a time, as the daemon posts: acceptance order is the order of n.
  for (let n = 0; n < EVENTS; n++) {
    expect(await host.post({ event_id: n + 1, event: 'message.received', node_id: 7, timestamp: new Date().toISOString(), data: { n } })).toBe(204);
  }
  const done = await eventually('every event delivered twice', () => host.state(), (s) => s.stats.delivered === 2 * EVENTS && s.stats.queued === 0, 60_000);

  // The parallel receiver answers only once 8 are open: every event delivered shows they were.
  expect(parallel.peak).toBe(8);
  expect([...parallel.order].sort((a, b) => a - b)).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
  expect(serial.peak).toBe(1);
  expect(serial.order).toEqual(Array.from({ length: EVENTS }, (_, i) => i));
  for (const d of done.destinations) {
    expect(unaccounted(d.stats), d.name).toBe(0);
    expect(d.stats.delivered, d.name).toBe(EVENTS);
  }
});
