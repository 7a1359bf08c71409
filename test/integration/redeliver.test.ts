// Breaker without loss: a receiver down for longer than the whole retry budget leaves events
// failed or skipped in the outbox; once it is back, "send all failed since …" delivers each of
// them exactly once per send, in order of acceptance — and a second send finds nothing left.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller, type ControllerOptions } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { unaccounted, type Outcome } from '../../src/shared/delivery';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

const EVENTS = 30;

let dir: string;
let receiver: Receiver;
let controller: Controller | null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-redeliver-'));
  mkdirSync(join(dir, 'data'));
  receiver = await startReceiver();
  controller = null;
});

afterEach(async () => {
  await controller?.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(opts: Partial<ControllerOptions> = {}): Promise<Controller> {
  const o = openConfStore(join(dir, 'data'));
  controller = await createController({
    settings: new SettingsService(o.kv, o.warnings),
    // Retry budget: 3 attempts, 10 + 20 ms of waiting; the breaker opens after 5 such events.
    runOverrides: { url: receiver.url, retryBackoffMs: 10, timeoutMs: 1000, circuitCooldownMs: 150 },
    daemon: { enabled: false, socketPath: null },
    pushIntervalMs: 10,
    dataDir: join(dir, 'data'),
    ...opts,
  });
  return controller;
}

/** seq of every request the receiver answered 2xx, in arrival order. */
function deliveredSeqs(rx: Receiver, fromIndex: number): number[] {
  return rx.requests.slice(fromIndex).map((r) => (r.json() as { data: { seq: number } }).data.seq);
}

function totalStored(c: Controller): number {
  return Object.entries(c.storedOutcomes())
    .filter(([o]) => o !== 'rejected')
    .reduce((n, [, k]) => n + (k ?? 0), 0);
}

describe.each([
  ['durable outbox', {}],
  ['in-memory log', { outbox: false }],
] as const)('redeliver (%s)', (_name, mode) => {
  // Failed and skipped events after an outage exist in reference mode only: durable mode retries
  // and holds them by itself (test/integration/self-healing.test.ts shows it needs no "Send again").
  const skipAndDrop = 'outbox' in mode;
  it.runIf(skipAndDrop)('receiver down past the retry budget, then back: every event exactly once per send, in order', async () => {
    const c = await start(mode);
    const since = new Date(Date.now() - 1000).toISOString();
    receiver.reply({ status: 503 });
    for (let seq = 1; seq <= EVENTS; seq++) c.accept({ event: 'tunnel.established', data: { seq } }, 'api');
    await waitUntil(() => c.getState().stats.queued === 0, 'every event failed or skipped', 15_000);
    const down = c.getState().stats;
    expect(down.delivered).toBe(0);
    expect(down.failed + down.circuitSkips).toBe(EVENTS);
    expect(down.circuitSkips).toBeGreaterThan(0); // the breaker did open: skipped ones must come back too
    expect(c.getState().breaker.state).not.toBe('closed');

    receiver.reply({ status: 200 });
    const firstSend = receiver.requests.length;
    const r = await c.handlers.redeliver({ since, outcome: 'any_undelivered' });
    expect(r).toStrictEqual({ ok: true, value: { queued: EVENTS } });
    await waitUntil(() => c.getState().stats.delivered === EVENTS && c.getState().stats.queued === 0, 'all sent again', 10_000);
    expect(deliveredSeqs(receiver, firstSend)).toStrictEqual(Array.from({ length: EVENTS }, (_, i) => i + 1));

    // The originals are marked as sent again: a second "send all failed" finds nothing.
    expect(await c.handlers.redeliver({ since, outcome: 'any_undelivered' })).toStrictEqual({ ok: true, value: { queued: 0 } });
    expect(await c.handlers.redeliver({ since, outcome: 'failed' })).toStrictEqual({ ok: true, value: { queued: 0 } });
    expect(receiver.requests.length - firstSend).toBe(EVENTS);

    // The copies point at their originals; the accounting holds in the process and in the store.
    const copies = (await c.handlers.getLog({ limit: EVENTS })).records;
    expect(copies.every((rec) => rec.source === 'resend' && rec.outcome === 'delivered' && rec.resendOf !== undefined)).toBe(true);
    const s = c.getState().stats;
    expect(s).toMatchObject({ received: 2 * EVENTS, delivered: EVENTS });
    expect(unaccounted(s)).toBe(0);
    expect(totalStored(c)).toBe(s.received);
    const stored = c.storedOutcomes();
    expect((stored.failed ?? 0) + (stored.circuit_skipped ?? 0)).toBe(EVENTS);
  });

  it.runIf(skipAndDrop)('selects by outcome kind, and by ids', async () => {
    const c = await start(mode);
    const since = new Date(Date.now() - 1000).toISOString();
    receiver.reply({ status: 503 });
    for (let seq = 1; seq <= 8; seq++) c.accept({ event: 'conn.fin', data: { seq } }, 'api');
    await waitUntil(() => c.getState().stats.queued === 0, 'settled', 10_000);
    const outcomes = (await c.handlers.getLog({})).records.reverse().map((rec) => rec.outcome);
    const count = (o: Outcome) => outcomes.filter((x) => x === o).length;
    expect(count('failed')).toBe(5);
    expect(count('circuit_skipped')).toBe(3);

    receiver.reply({ status: 200 });
    const from = receiver.requests.length;
    expect(await c.handlers.redeliver({ since, outcome: 'circuit_skipped' })).toStrictEqual({ ok: true, value: { queued: 3 } });
    await waitUntil(() => c.getState().stats.delivered === 3, 'skipped ones sent');
    expect(deliveredSeqs(receiver, from)).toStrictEqual([6, 7, 8]);

    const failed = (await c.handlers.getLog({ outcome: 'failed' })).records.map((rec) => rec.id);
    expect(await c.handlers.redeliver({ ids: [failed[0]!, failed[1]!] })).toStrictEqual({ ok: true, value: { queued: 2 } });
    await waitUntil(() => c.getState().stats.delivered === 5, 'two by id');
    expect(deliveredSeqs(receiver, from).slice(3)).toStrictEqual([4, 5]); // in order of acceptance, whatever order given
    expect(await c.handlers.redeliver({ since, outcome: 'failed' })).toStrictEqual({ ok: true, value: { queued: 3 } });
    await waitUntil(() => c.getState().stats.delivered === 8 && c.getState().stats.queued === 0, 'the rest');
    expect(deliveredSeqs(receiver, from).slice(5)).toStrictEqual([1, 2, 3]);
    expect(unaccounted(c.getState().stats)).toBe(0);
  });

  it('refuses without a URL, and with a date it cannot read', async () => {
    const c = await start({ ...mode, runOverrides: { url: undefined } });
    expect(await c.handlers.redeliver({ since: '2024-01-01T00:00:00Z', outcome: 'failed' })).toMatchObject({ ok: false, error: { code: 'no_url' } });
  });
});
