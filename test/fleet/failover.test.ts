// The fleet's main promise, on a real 3-server cluster: two ingest processes (nodes 1 and 2) and
// two deliver processes; thousands of events posted as the daemon posts them (retrying a 503);
// one NATS server and one deliver process SIGKILLed mid-run. Every event the ingest acknowledged
// reaches the receiver at least once, every duplicate carries the same webhook-id, and one
// window's log holds records from both nodes.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { jetstreamManager } from '@nats-io/jetstream';
import { expect, test } from 'vitest';
import type { DeliveryRecord } from '../../src/shared/delivery';
import { unaccounted } from '../../src/shared/delivery';
import { ROOT } from '../e2e/helpers/host';
import { eventually, startFleetHost, writeFleetKey, type FleetHost } from './fleet-host';
import { useFleetWorld } from './fleet-world';

/** Events per ingest node: thousands in all, a few minutes at most on a loaded two-core machine. */
const PER_NODE = 1500;
/** Posts in flight per ingest (the daemon sends one at a time; a fleet has many daemons). */
const PARALLEL = 12;
/** The daemon's plugin tries an event 3 times; a test daemon keeps trying a little longer. */
const POST_TRIES = 20;
const POST_RETRY_MS = 250;
/** Faults are injected once this many events are acknowledged. */
const FAULT_AT = 1000;
const DELIVER_FLAGS = ['--concurrency', '8', '--timeout-ms', '3000', '--retry-backoff-ms', '50'];

const world = useFleetWorld('failover');

interface Posted {
  acknowledged: boolean;
  tries: number;
}

/** Posts each body like the daemon: a 5xx or a refused connection is tried again. */
async function postAll(host: FleetHost, bodies: object[], onAck: () => void): Promise<Posted[]> {
  const results: Posted[] = new Array<Posted>(bodies.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < bodies.length) {
      const i = next++;
      let tries = 0;
      let acknowledged = false;
      while (tries < POST_TRIES && !acknowledged) {
        tries++;
        try {
          const status = await host.post(bodies[i]!);
          acknowledged = status >= 200 && status < 300;
        } catch {
          // connection trouble: like a 5xx
        }
        if (!acknowledged) await new Promise((r) => setTimeout(r, POST_RETRY_MS));
      }
      results[i] = { acknowledged, tries };
      if (acknowledged) onAck();
    }
  };
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  return results;
}

test('one NATS server and one deliver process killed mid-run: every acknowledged event delivered, duplicates keep their webhook-id', async () => {
  const key = writeFleetKey(world.dir);
  const nats = world.cluster.urls;
  const ingest1 = await startFleetHost({ nats, keyFile: key, role: 'ingest' });
  const ingest2 = await startFleetHost({ nats, keyFile: key, role: 'ingest' });
  const deliver1 = await startFleetHost({ nats, keyFile: key, role: 'deliver', args: DELIVER_FLAGS });
  const deliver2 = await startFleetHost({ nats, keyFile: key, role: 'deliver', args: DELIVER_FLAGS });

  await eventually('ingest 1 configured', () => ingest1.state(), (s) => s.fleet?.connected === true && s.fleet.error === null, 30_000);
  expect((await ingest1.api('PUT', '/api/url', { url: world.rx.url })).status).toBe(200);
  for (const d of [deliver1, deliver2]) await eventually('deliver process took the destination', () => d.state(), (s) => s.fleet?.delivering === 1, 30_000);

  const bodies = (node: number): object[] =>
    Array.from({ length: PER_NODE }, (_, n) => ({
      event_id: n + 1,
      event: n % 3 === 0 ? 'peer.connected' : 'message.received',
      node_id: node,
      timestamp: new Date(Date.UTC(2026, 0, 1) + n).toISOString(),
      data: { tag: `${node}-${n}` },
    }));

  let acked = 0;
  let killedHad = -1;
  let faults: Promise<void> | null = null;
  // The shared consumer need not split a burst evenly (on a loaded machine one process may take
  // all of it so far): the one killed is the one that has delivered more, so the kill always cuts
  // off a process at work; the other survives.
  let survivor = deliver2;
  const onAck = (): void => {
    acked++;
    if (acked === FAULT_AT) {
      // One of the three servers, and one of the two deliver processes, gone without a goodbye.
      faults = (async () => {
        // Delivery may lag the ingest on a loaded machine: wait until one of them is at work.
        const [had1, had2] = await eventually(
          'a deliver process at work',
          () => Promise.all([deliver1, deliver2].map(async (d) => (await d.state()).stats.delivered)),
          (had) => Math.max(...had) > 0,
          30_000,
        );
        const victim = had1! >= had2! ? deliver1 : deliver2;
        survivor = victim === deliver1 ? deliver2 : deliver1;
        killedHad = Math.max(had1!, had2!);
        await world.cluster.kill(1);
        await victim.kill();
      })();
    }
  };
  const [r1, r2] = await Promise.all([postAll(ingest1, bodies(1), onAck), postAll(ingest2, bodies(2), onAck)]);
  expect(faults).not.toBeNull();
  // Assigned in onAck: TypeScript's narrowing cannot see that, so the type is said again here.
  await (faults as Promise<void> | null);

  const ackedTags = new Set<string>();
  const injected = 2 * PER_NODE;
  [r1!, r2!].forEach((rs, k) => rs.forEach((r, n) => r.acknowledged && ackedTags.add(`${k + 1}-${n}`)));
  const retried = [...r1!, ...r2!].filter((r) => r.tries > 1).length;

  const tagOf = (i: number): string => ((world.rx.requests[i]!.json() as { data: { tag: string } }).data.tag);
  const received = (): Set<string> => new Set(world.rx.requests.map((_, i) => tagOf(i)));
  // A killed process's unacknowledged events come back after the 30 s ack wait.
  await eventually(
    'every acknowledged event at the receiver',
    async () => received(),
    (got) => [...ackedTags].every((t) => got.has(t)),
    150_000,
  );

  // Then until the shared consumer has nothing unacknowledged: the killed process's events have
  // come back and gone out again (the duplicates), so the counts below are final.
  const nc = await connect({ servers: nats });
  try {
    const jsm = await jetstreamManager(nc);
    await eventually(
      'the consumer drained',
      () => jsm.consumers.info('PILOT_EVENTS_pilot', 'dest_primary'),
      (ci) => ci.num_ack_pending === 0 && ci.num_pending === 0,
      90_000,
    );
  } finally {
    await nc.close();
  }

  const idsByTag = new Map<string, Set<string>>();
  world.rx.requests.forEach((req, i) => {
    const tag = tagOf(i);
    const ids = idsByTag.get(tag) ?? new Set<string>();
    ids.add(String(req.headers['webhook-id']));
    idsByTag.set(tag, ids);
  });
  const delivered = idsByTag.size;
  const duplicates = world.rx.requests.length - delivered;
  for (const [tag, ids] of idsByTag) expect(ids.size, `webhook-ids of ${tag}`).toBe(1);

  // One window (an ingest process's) shows the fleet-wide log, with records from both nodes.
  console.log(`ingest 2 fleet state: ${JSON.stringify((await ingest2.state()).fleet)}`);
  const log = await eventually(
    'the fleet log holds both nodes',
    async () => ((await ingest2.api('GET', '/api/log?limit=5000')).body as { records: DeliveryRecord[] }).records,
    (recs) => new Set(recs.map((r) => r.fleet?.node)).size === 2 && recs.length >= Math.min(delivered, 5000),
    60_000,
  );
  expect(new Set(log.map((r) => r.fleet?.node))).toEqual(new Set([1, 2]));
  expect(log.every((r) => r.outcome === 'delivered')).toBe(true);

  // The surviving deliver process accounts for every event it took.
  const s2 = await survivor.state();
  expect(unaccounted(s2.stats)).toBe(0);
  expect(s2.fleet?.servers.filter((s) => s.reached).length).toBe(2);

  const figures = {
    injected,
    acknowledged: ackedTags.size,
    retriedByTheDaemon: retried,
    delivered,
    duplicates,
    receiverRequests: world.rx.requests.length,
    deliveredByTheKilledProcessBeforeItDied: killedHad,
    survivingDeliverer: s2.stats,
  };
  console.log(`fleet failover figures: ${JSON.stringify(figures)}`);
  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  writeFileSync(join(ROOT, 'test-results/fleet-failover.json'), `${JSON.stringify(figures, null, 2)}\n`);
  expect(ackedTags.size).toBeGreaterThan(FAULT_AT);
  // The process killed was delivering when it died.
  expect(killedHad).toBeGreaterThan(0);
  expect(delivered).toBeGreaterThanOrEqual(ackedTags.size);
});
