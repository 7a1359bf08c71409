// The fleet engine's durable mode on a real 3-server cluster: one set of engine settings for the
// whole fleet (from its KV bucket, written by a process started with engine flags, followed live
// by every deliver process), the retry schedule after the first attempts, events held in order
// (never skipped) while a destination's breaker is open and sent once it recovers, and the
// maximum event age counted from the ingest's acceptance.

import { expect, test } from 'vitest';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import { eventually, startFleetHost, writeFleetKey, type FleetHost } from './fleet-host';
import { useFleetWorld } from './fleet-world';

const FLEET = 'retry';
/** Short, so the test takes seconds: the schedule's two first steps, then long ones the recovery cuts short. */
const STEP_MS = 200;
const ENGINE_FLAGS = ['--timeout-ms', '1000', '--retry-backoff-ms', '20', '--retry-schedule', `${STEP_MS}ms,${STEP_MS}ms,1m,1m`, '--max-event-age', '2m', '--circuit-cooldown-ms', '300', '--concurrency', '1'];
/** The plugin's first attempts: three. */
const FIRST_ATTEMPTS = 3;

const world = useFleetWorld('retry');

let n = 0;
const event = (tag: string): object => ({ event_id: ++n, event: 'tunnel.failed', node_id: 4, timestamp: new Date(Date.UTC(2026, 0, 1) + n).toISOString(), data: { tag } });
const tagOf = (r: DeliveryRecord): string => (JSON.parse(r.payload) as { data: { tag: string } }).data.tag;
const log = async (h: FleetHost): Promise<DeliveryRecord[]> => ((await h.api('GET', '/api/log?limit=1000')).body as { records: DeliveryRecord[] }).records;

test('one engine for the fleet: retry schedule, breaker hold, maximum event age', async () => {
  const keyFile = writeFleetKey(world.dir);
  // A sets the fleet's engine with its flags; B has none and takes the fleet's.
  const a = await startFleetHost({ nats: world.cluster.urls, keyFile, role: 'all', fleet: FLEET, args: ENGINE_FLAGS });
  await eventually('A ready', () => a.state(), (s) => s.fleet?.connected === true && s.fleet.error === null && s.fleet.engine !== null, 30_000);
  const b = await startFleetHost({ nats: world.cluster.urls, keyFile, role: 'deliver', fleet: FLEET });
  const sb = await eventually('B ready', () => b.state(), (s) => s.fleet?.connected === true && s.fleet.engine !== null, 30_000);
  const wanted = { timeoutMs: 1000, retrySchedule: `${STEP_MS}ms,${STEP_MS}ms,1m,1m`, maxEventAge: '2m', concurrency: 1, circuitCooldownMs: 300 };
  expect((await a.state()).fleet!.engine).toEqual(wanted);
  expect(sb.fleet!.engine).toEqual(wanted);
  expect(sb.warnings.join('\n')).toMatch(/differ from the fleet's engine settings.*the fleet's are used/);
  expect(sb.fleet!.error).toBeNull();
  // B leaves: from here on A alone delivers, so one breaker and one set of counters tell the story.
  await b.stop();

  expect((await a.api('PUT', '/api/url', { url: world.rx.url })).status).toBe(200);
  await eventually('A delivering', () => a.state(), (s) => s.fleet?.delivering === 1);

  // 1. The retry schedule: the three first attempts and the schedule's first step fail; its
  //    second step gets through.
  world.rx.replyOnce(...Array.from({ length: FIRST_ATTEMPTS + 1 }, () => ({ status: 503 })));
  expect(await a.post(event('scheduled'))).toBe(204);
  const sched = await eventually('delivered on the schedule', async () => (await log(a)).find((r) => tagOf(r) === 'scheduled'), (r) => r?.outcome === 'delivered', 30_000);
  expect(sched!.attempts.map((x) => x.status)).toEqual([503, 503, 503, 503, 200]);
  // Each later attempt waited its step (±20 %), not the first attempts' backoff.
  for (const i of [FIRST_ATTEMPTS, FIRST_ATTEMPTS + 1]) {
    const gap = sched!.attempts[i]!.startedAt - (sched!.attempts[i - 1]!.startedAt + sched!.attempts[i - 1]!.durationMs);
    expect(gap).toBeGreaterThanOrEqual(STEP_MS * 0.8 - 5);
  }
  const schedIds = new Set(world.rx.requests.filter((r) => (r.json() as { data: { tag: string } }).data.tag === 'scheduled').map((r) => r.headers['webhook-id']));
  expect(schedIds.size).toBe(1);

  // 2. The receiver is down: the breaker opens, and the events met meanwhile are held, not skipped.
  world.rx.reply({ status: 503 });
  const HELD = 12;
  for (let i = 0; i < HELD; i++) expect(await a.post(event(`held-${i}`))).toBe(204);
  const open = await eventually('breaker open, events held', () => a.state(), (s) => s.breaker.state !== 'closed' && s.breaker.held > 0, 30_000);
  expect(open.stats.circuitSkips).toBe(0);
  expect(open.stats.failed).toBe(0);
  expect(unaccounted(open.stats)).toBe(0);
  // Back: what waited (held by the breaker, or waiting for a step a minute away) goes out now.
  world.rx.reply({ status: 200 });
  const back = await eventually('all delivered after recovery', () => a.state(), (s) => s.stats.delivered === 1 + HELD && s.stats.queued === 0, 30_000);
  expect(back.stats).toMatchObject({ received: 1 + HELD, failed: 0, circuitSkips: 0, dropped: 0, abandoned: 0 });
  expect(unaccounted(back.stats)).toBe(0);
  const heldRecs = (await log(a)).filter((r) => tagOf(r).startsWith('held-'));
  expect(heldRecs).toHaveLength(HELD);
  expect(heldRecs.every((r) => r.outcome === 'delivered')).toBe(true);
  for (const r of heldRecs) {
    const ids = new Set(world.rx.requests.filter((q) => (q.json() as { data: { tag: string } }).data.tag === tagOf(r)).map((q) => q.headers['webhook-id']));
    expect(ids, tagOf(r)).toEqual(new Set([r.webhookId]));
  }

  // 3. Another process changes the fleet's engine with its flags; A's engine follows at once.
  const c = await startFleetHost({ nats: world.cluster.urls, keyFile, role: 'ingest', fleet: FLEET, args: ['--timeout-ms', '1000', '--retry-backoff-ms', '20', '--retry-schedule', '1s,1s,1s,1s,1s,1s,1s,1s', '--max-event-age', '4s'] });
  await eventually('A took the new engine', () => a.state(), (s) => s.fleet?.engine?.maxEventAge === '4s' && s.fleet.delivering === 1, 30_000);
  expect((await c.state()).fleet!.engine).toMatchObject({ maxEventAge: '4s', retrySchedule: '1s,1s,1s,1s,1s,1s,1s,1s', timeoutMs: 1000 });
  world.rx.reply({ status: 503 });
  expect(await c.post(event('too-old'))).toBe(204);
  const old = await eventually('given up at the maximum age', async () => (await log(a)).find((r) => tagOf(r) === 'too-old'), (r) => r?.outcome === 'failed', 30_000);
  expect(old!.detail).toMatch(/older than the maximum event age \(4s\)/);
  // The schedule had steps left: the age, counted from the ingest's acceptance, ended it.
  expect(old!.attempts.length).toBeLessThan(FIRST_ATTEMPTS + 8);
  const last = old!.attempts[old!.attempts.length - 1]!;
  expect(last.startedAt - old!.receivedAt).toBeLessThanOrEqual(4000 + 1000);
  const after = await eventually('A counted it', () => a.state(), (s) => s.stats.failed === 1 && s.stats.queued === 0, 20_000);
  // The engine restarted with the new settings; the destination's counts carried on.
  expect(after.stats).toMatchObject({ received: 2 + HELD, delivered: 1 + HELD, failed: 1, circuitSkips: 0 });
  expect(unaccounted(after.stats)).toBe(0);
  expect(after.destinations.find((d) => d.id === 'primary')!.stats).toEqual(after.stats);
});
