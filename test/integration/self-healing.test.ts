// Durable mode against real loopback receivers with a fast schedule: an outage heals by itself
// (no "Send again"), held and waiting events go out in acceptance order after the probe, the
// invariant holds at every look, a restart continues the schedule, and an answer's status line
// decides the outcome however slowly its body comes.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { DispatcherOptions } from '../../src/main/core/delivery/dispatcher';
import { createController, type Controller } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import { useDispatcherHarness } from '../fixtures/dispatcher-harness';
import { refusedUrl, waitUntil, type Reply } from '../fixtures/receiver';

const FAST: Partial<DispatcherOptions> = {
  outbox: true,
  durable: true,
  retrySchedule: [100, 200, 400, 400, 400, 400, 400, 400],
  maxEventAgeMs: 60_000,
  retryBackoffMs: 10,
  timeoutMs: 300,
  circuitThreshold: 3,
  circuitCooldownMs: 300,
};
const harness = useDispatcherHarness(FAST);
const EVENTS = 12;

const ev = (seq: number) => ({ event: 'tunnel.established', data: { seq } });
const seqOf = (body: unknown): number => (body as { data: { seq: number } }).data.seq;

describe.each<[string, Reply]>([
  ['503', { status: 503 }],
  ['connection reset', { destroy: 'before-headers' }],
  ['hanging', { hang: true }],
])('an outage (%s) heals without anyone pressing "Send again"', (_name, down) => {
  it('every event is delivered once it is back, the held ones in acceptance order, the invariant at every look', async () => {
    const rx = await harness.receiver();
    rx.reply(down);
    const { d } = harness.dispatcher({ url: rx.url });
    for (let seq = 1; seq <= EVENTS; seq++) d.submit(ev(seq), 'daemon');
    await waitUntil(() => d.breaker().state === 'open' && d.breaker().held > 0, 'breaker open, events held', 10_000);
    const during = d.stats();
    expect(unaccounted(during)).toBe(0);
    expect(during.failed + during.circuitSkips).toBe(0); // nothing given up, nothing skipped
    expect(during.queued).toBe(EVENTS);
    expect(during.retrying).toBeGreaterThan(0);

    rx.reply({ status: 200 });
    const from = rx.requests.length;
    await waitUntil(() => {
      expect(unaccounted(d.stats())).toBe(0);
      return d.stats().delivered === EVENTS;
    }, 'all delivered by themselves', 15_000);
    const s = d.stats();
    expect(s).toMatchObject({ received: EVENTS, delivered: EVENTS, failed: 0, circuitSkips: 0, queued: 0, retrying: 0 });
    expect(d.breaker()).toMatchObject({ state: 'closed', held: 0 });
    // Each event once after recovery (the receiver said 200 to each). The probe is whichever was
    // due first; after its success everything goes out in the order it was accepted.
    const after = rx.requests.slice(from).map((r) => seqOf(r.json()));
    expect(new Set(after).size).toBe(after.length);
    const rest = after.slice(1);
    expect(rest).toEqual([...rest].sort((a, b) => a - b));
  });
});

describe('durable mode', () => {
  it('a closed port: waits, and the events go to the new URL when it is changed (no manual resend)', async () => {
    const closed = await refusedUrl();
    const { d } = harness.dispatcher({ url: closed });
    for (let seq = 1; seq <= 4; seq++) d.submit(ev(seq), 'daemon');
    await waitUntil(() => d.stats().retrying > 0, 'waiting for a later attempt', 10_000);
    expect(d.stats().failed).toBe(0);
    const rx = await harness.receiver();
    await d.setUrl(rx.url);
    await waitUntil(() => d.stats().delivered === 4, 'handed over and delivered', 10_000);
    expect(rx.requests.map((r) => seqOf(r.json()))).toEqual([1, 2, 3, 4]);
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('gives up with the reason once the schedule is used up; a 4xx is never retried', async () => {
    const rx = await harness.receiver();
    rx.reply({ status: 503 });
    const { d } = harness.dispatcher({ url: rx.url, retrySchedule: [20, 20], circuitThreshold: 100 });
    const rec = d.submit(ev(1), 'daemon');
    await waitUntil(() => rec.outcome !== 'queued', 'settled', 10_000);
    expect(rec.outcome).toBe('failed');
    expect(rec.attempts).toHaveLength(5); // 3 first attempts + 2 of the schedule
    expect(rec.detail).toMatch(/HTTP 503 after 5 attempts; the retry schedule is used up \(2 later attempts\)/);
    rx.reply({ status: 404, body: 'no_text' });
    const refused = [1, 2, 3].map((n) => d.submit(ev(10 + n), 'daemon'));
    await waitUntil(() => refused.every((r) => r.outcome === 'client_error'), 'refused');
    expect(refused.every((r) => r.attempts.length === 1)).toBe(true);
    expect(d.breaker().refusing).toEqual({ status: 404, reason: 'no_text', count: 3 });
    expect(unaccounted(d.stats())).toBe(0);
  });

  it('an event older than the maximum age is failed with that reason', async () => {
    const rx = await harness.receiver();
    rx.reply({ status: 503 });
    // The app's clock, moved on by hand: the event ages past the limit while it waits for its
    // later attempt, however slowly a loaded machine runs the first attempts.
    let skewMs = 0;
    const now = (): number => Date.now() + skewMs;
    const { d } = harness.dispatcher({ url: rx.url, retrySchedule: [500], maxEventAgeMs: 60_000, timeoutMs: 1000, retryBackoffMs: 10, circuitThreshold: 100, now });
    const rec = d.submit(ev(1), 'daemon');
    await waitUntil(() => d.stats().retrying === 1, 'waiting for its later attempt', 10_000);
    skewMs = 61_000;
    await waitUntil(() => rec.outcome !== 'queued', 'settled', 10_000);
    expect(rec.outcome).toBe('failed');
    expect(rec.detail).toMatch(/older than the maximum event age \(1m\): given up/);
  });

  it('sleep: attempts wait while suspended and go out when the machine is back', async () => {
    const rx = await harness.receiver();
    const { d } = harness.dispatcher({ url: rx.url });
    d.setSuspended(true);
    const rec = d.submit(ev(1), 'daemon');
    await new Promise((r) => setTimeout(r, 100));
    expect(rx.requests).toHaveLength(0);
    expect(rec.outcome).toBe('queued');
    d.setSuspended(false);
    await waitUntil(() => rec.outcome === 'delivered', 'sent after wake-up');
    expect(rec.attempts.map((a) => a.status)).toEqual([200]);
  });
});

describe('the status line decides the outcome; the body only the snippet', () => {
  let server: Server | null = null;
  afterEach(async () => {
    server?.closeAllConnections();
    await new Promise((r) => server?.close(r) ?? r(undefined));
    server = null;
  });

  async function slowBody(status: number, headers: Record<string, string> = {}): Promise<string> {
    server = createServer((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/plain', 'content-length': '100000', ...headers });
      res.write('no_text'); // the rest never comes
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }

  it.each([
    [200, {}, 'delivered'],
    [404, {}, 'client_error'],
    [302, { location: 'http://127.0.0.1:9/elsewhere' }, 'redirect'],
  ] as const)('HTTP %i with a body that never finishes: one attempt, %s, the breaker untouched', async (status, headers, outcome) => {
    const url = await slowBody(status, headers);
    const { d } = harness.dispatcher({ url, timeoutMs: 2000, circuitThreshold: 1 });
    const rec: DeliveryRecord = d.submit(ev(1), 'daemon');
    await waitUntil(() => rec.outcome !== 'queued', 'settled', 5000);
    expect(rec.outcome).toBe(outcome);
    expect(rec.attempts).toHaveLength(1);
    expect(rec.attempts[0]).toMatchObject({ status, responseSnippet: 'no_text' });
    expect(rec.attempts[0]!.durationMs).toBeLessThan(2000);
    expect(d.breaker()).toMatchObject({ state: 'closed', consecutiveFailures: 0 });
  });
});

describe('restart in the middle of a schedule', () => {
  let dir = '';
  let c: Controller | null = null;
  afterEach(async () => {
    await c?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('a resumed event keeps its attempts and its next-attempt time: no fresh budget', async () => {
    dir = mkdtempSync(join(tmpdir(), 'pwd-heal-'));
    const rx = await harness.receiver();
    rx.reply({ status: 503 });
    const start = async (): Promise<Controller> => {
      const o = openConfStore(join(dir, 'data'));
      return createController({
        settings: new SettingsService(o.kv, o.warnings),
        runOverrides: { url: rx.url, retryBackoffMs: 10, timeoutMs: 300, retrySchedule: '1h', maxEventAge: '2h' },
        daemon: { enabled: false, socketPath: null },
        pushIntervalMs: 10,
        dataDir: join(dir, 'data'),
      });
    };
    c = await start();
    const rec = c.accept(ev(1), 'api');
    await waitUntil(() => c!.getState().stats.retrying === 1, 'waiting for the 1 h step', 10_000);
    const before = (await c.handlers.getLog({})).records.find((r) => r.id === rec.id)!;
    expect(before.attempts).toHaveLength(3);
    expect(before.nextAttemptAt).toBeGreaterThan(Date.now() + 40 * 60_000);
    await c.close();

    c = await start();
    const state = c.getState();
    expect(state.stats).toMatchObject({ resumed: 1, queued: 1, retrying: 1 });
    expect(state.retry).toMatchObject({ mode: 'durable', schedule: '1h', maxEventAge: '2h' });
    await new Promise((r) => setTimeout(r, 200));
    expect(rx.requests).toHaveLength(3); // not sent again at start
    const after = (await c.handlers.getLog({})).records.find((r) => r.id === rec.id)!;
    expect(after.attempts).toHaveLength(3);
    expect(after.nextAttemptAt).toBe(before.nextAttemptAt);
    expect(unaccounted(c.getState().stats)).toBe(0);
  });
});
