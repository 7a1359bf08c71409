// The primary on a URL for this run only — `--url` with nothing saved, or the demo's built-in
// receiver — on the real core: it is listed in `destinations` with its own counters, breaker and
// status like any other, marked `runOnly` with where it comes from; it cannot be changed (409
// run_only, nothing saved), it can be tested, and saving its URL (PUT /api/url) makes it an
// ordinary saved primary. Also: the app-wide `eventsReceived` counts each event once however many
// destinations it went to, while `stats` stays the sum of the destinations' deliveries.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Controller } from '../../src/main/core/controller';
import { unaccounted } from '../../src/shared/delivery';
import { useCoreController } from '../fixtures/core-controller';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

const core = useCoreController('runonly');

async function receiver(): Promise<Receiver> {
  const rx = await startReceiver();
  core.cleanup(() => rx.close());
  return rx;
}

/** The invariant for every destination, and the state's stats as their sum. */
function expectAccounted(c: Controller): void {
  const state = c.getState();
  for (const d of state.destinations) expect(unaccounted(d.stats), d.name).toBe(0);
  expect(unaccounted(state.stats)).toBe(0);
  expect(state.stats.received).toBe(state.destinations.reduce((n, d) => n + d.stats.received, 0));
}

const settled = (c: Controller) => () => c.getState().stats.queued === 0;

function savedSettings(): Record<string, unknown> {
  return JSON.parse(readFileSync(join(core.dir, 'data', 'settings.json'), 'utf8')) as Record<string, unknown>;
}

describe('the run-only primary', () => {
  it('--url with nothing saved: listed, delivered to and counted, marked run only; not changeable; saved by PUT /api/url', async () => {
    const rx = await receiver();
    const c = await core.start({ runOverrides: { url: rx.url, retryBackoffMs: 10, timeoutMs: 2000 } });
    for (let i = 0; i < 3; i++) c.accept({ event: 'conn.fin', node_id: 1, data: { i } }, 'api');
    await waitUntil(settled(c), 'delivered');
    await rx.waitForRequests(3);

    const state = c.getState();
    expect(state.destinations).toHaveLength(1);
    const [d] = state.destinations;
    expect(d).toMatchObject({
      id: 'primary',
      primary: true,
      enabled: true,
      url: rx.url,
      format: 'pilot',
      runOnly: { from: 'flag', savedUrl: null, saved: false },
      stats: { received: 3, delivered: 3 },
      status: { kind: 'delivering' },
      breaker: { state: 'closed' },
    });
    expect((await c.handlers.listDestinations(undefined)).destinations).toEqual([expect.objectContaining({ id: 'primary', runOnly: d!.runOnly })]);
    expectAccounted(c);

    // Not saved, so nothing to change: a clear refusal, and the settings file holds no destination.
    const before = JSON.stringify(savedSettings());
    for (const r of [
      await c.handlers.updateDestination({ id: 'primary', name: 'Mine' }),
      await c.handlers.deleteDestination({ id: 'primary' }),
      await c.handlers.setDestinationSecret({ id: 'primary', secret: 's3cret-value' }),
      await c.handlers.clearDestinationSecret({ id: 'primary' }),
    ]) {
      expect(r).toMatchObject({ ok: false, error: { code: 'run_only', message: expect.stringMatching(/for this run only .* not saved/) } });
    }
    expect(JSON.stringify(savedSettings())).toBe(before);
    expect(savedSettings().url ?? null).toBeNull();

    // Its test goes to the run's URL.
    const t = await c.handlers.testDestination({ id: 'primary' });
    expect(t).toMatchObject({ ok: true, status: 200 });
    await rx.waitForRequests(4);

    // Saved: an ordinary primary from now on, its counters carried on.
    expect(await c.handlers.setUrl({ url: rx.url })).toMatchObject({ ok: true });
    const after = c.getState().destinations;
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: 'primary', url: rx.url, stats: { received: 3, delivered: 3 } });
    expect(after[0]!.runOnly).toBeUndefined();
    expect(savedSettings().url).toBe(rx.url);
    expect(await c.handlers.updateDestination({ id: 'primary', name: 'Mine' })).toMatchObject({ ok: true, value: { destination: { name: 'Mine' } } });
    expectAccounted(c);
  });

  it('--url over a saved primary: shows the URL in use, names the saved one, which comes back at the next start', async () => {
    const saved = await receiver();
    const run = await receiver();
    let c = await core.start();
    expect(await c.handlers.setUrl({ url: saved.url })).toMatchObject({ ok: true });
    await core.stop();

    c = await core.start({ runOverrides: { url: run.url, retryBackoffMs: 10, timeoutMs: 2000 } });
    expect(c.getState().destinations).toEqual([
      expect.objectContaining({ id: 'primary', url: run.url, runOnly: { from: 'flag', savedUrl: saved.url, saved: true } }),
    ]);
    c.accept({ event: 'conn.fin', node_id: 1, data: {} }, 'api');
    await waitUntil(settled(c), 'delivered');
    expect(run.requests).toHaveLength(1);
    expect(saved.requests).toHaveLength(0);
    expect(await c.handlers.updateDestination({ id: 'primary', enabled: false })).toMatchObject({ ok: false, error: { code: 'run_only' } });
    expectAccounted(c);
    await core.stop();

    c = await core.start();
    expect(c.getState().destinations).toEqual([expect.objectContaining({ id: 'primary', url: saved.url })]);
    expect(c.getState().destinations[0]!.runOnly).toBeUndefined();
  });

  it('demo mode on its built-in receiver: listed as the demo receiver, its events delivered and counted', async () => {
    const c = await core.start({ demo: true });
    const [d] = c.getState().destinations;
    expect(d).toMatchObject({ id: 'primary', name: 'Demo receiver', runOnly: { from: 'demo', savedUrl: null, saved: false }, url: c.getState().url });
    c.accept({ event: 'conn.fin', node_id: 1, data: {} }, 'api');
    await waitUntil(() => (c.getState().destinations[0]?.stats.delivered ?? 0) >= 1, 'a demo event delivered to the built-in receiver');
    expect(await c.handlers.deleteDestination({ id: 'primary' })).toMatchObject({ ok: false, error: { code: 'run_only' } });
    await core.stop();
    // Stopped: nothing was saved of it.
    expect(savedSettings().url ?? null).toBeNull();
  });

  it('the first destination added takes the run-only primary’s place, in its own format', async () => {
    const run = await receiver();
    const added = await receiver();
    const c = await core.start({ runOverrides: { url: run.url, retryBackoffMs: 10, timeoutMs: 2000 } });
    const r = await c.handlers.createDestination({ url: added.url, name: 'Mine', format: 'mattermost' });
    expect(r).toMatchObject({ ok: true, value: { destination: { id: 'primary', url: added.url, format: 'mattermost' } } });
    const list = c.getState().destinations;
    expect(list).toHaveLength(1);
    expect(list[0]!.runOnly).toBeUndefined();
    c.accept({ event: 'conn.fin', node_id: 1, data: { peer: 2 } }, 'api');
    await waitUntil(settled(c), 'delivered');
    await added.waitForRequests(1);
    // Shaped as Mattermost (its saved format), not as the run URL's guess.
    expect(added.requests[0]!.json()).toHaveProperty('text');
    expect(run.requests).toHaveLength(0);
    expectAccounted(c);
  });
});

describe('events received, once each', () => {
  it('one event to three destinations: eventsReceived 1, the deliveries 3, the invariant per destination', async () => {
    const a = await receiver();
    const b = await receiver();
    const x = await receiver();
    const c = await core.start();
    expect(await c.handlers.setUrl({ url: a.url })).toMatchObject({ ok: true });
    for (const rx of [b, x]) expect(await c.handlers.createDestination({ url: rx.url })).toMatchObject({ ok: true });
    x.replyOnce({ status: 400 });
    for (let i = 0; i < 4; i++) c.accept({ event: 'conn.fin', node_id: 1, data: { i } }, 'api');
    await waitUntil(settled(c), 'delivered');
    const state = c.getState();
    expect(state.eventsReceived).toBe(4);
    expect(state.stats).toMatchObject({ received: 12, delivered: 11, failed: 1 });
    expectAccounted(c);
    // A resend is a delivery again, not a new event received.
    const failed = (await c.handlers.getLog({ limit: 50 })).records.find((r) => r.outcome === 'client_error')!;
    expect(await c.handlers.resend({ ids: [failed.id] })).toMatchObject({ ok: true, value: { queued: 1 } });
    await waitUntil(settled(c), 'resent');
    expect(c.getState().eventsReceived).toBe(4);
    expect(c.getState().stats).toMatchObject({ received: 13, resent: 1 });
    expectAccounted(c);
  });
});
