// A destination removed while it still holds events (durable mode, its receiver down): they are
// recorded abandoned at once — counted, queued drains to 0 — and a restart sends none of them to
// the primary. Real controller, real receivers, a real data folder.

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { unaccounted } from '../../src/shared/delivery';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

const EVENTS = 3;

let dir: string;
let dataDir: string;
let primary: Receiver;
let down: Receiver;
let controller: Controller | null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-dest-remove-'));
  dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  primary = await startReceiver();
  down = await startReceiver({ reply: { status: 503 } });
  controller = null;
});

afterEach(async () => {
  await controller?.close();
  await primary.close();
  await down.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<Controller> {
  const o = openConfStore(dataDir);
  controller = await createController({
    settings: new SettingsService(o.kv, o.warnings),
    runOverrides: { url: primary.url, retryBackoffMs: 20, timeoutMs: 2000 },
    daemon: { enabled: false, socketPath: null },
    pushIntervalMs: 10,
    dataDir,
  });
  return controller;
}

describe('removing a destination that still holds events', () => {
  it('records them abandoned now (queued drains to 0); the next start sends none of them to the primary', async () => {
    let c = await start();
    expect((await c.handlers.createDestination({ url: primary.url, name: 'first' })).ok).toBe(true);
    const made = await c.handlers.createDestination({ url: down.url, name: 'down' });
    if (!made.ok) throw new Error(made.error.message);
    const downId = made.value.destination.id;
    for (let seq = 1; seq <= EVENTS; seq++) c.accept({ event: 'conn.established', data: { seq } }, 'api');
    await waitUntil(() => c.getState().stats.retrying === EVENTS && primary.requests.length === EVENTS, 'the down destination waiting to retry');

    expect(await c.handlers.deleteDestination({ id: downId })).toStrictEqual({ ok: true, value: { deleted: downId } });
    const stats = c.getState().stats;
    expect(stats).toMatchObject({ received: 2 * EVENTS, delivered: EVENTS, abandoned: EVENTS, queued: 0, retrying: 0 });
    expect(unaccounted(stats)).toBe(0);
    const removedOnes = [...c.historyPages()].flat().filter((r) => r.destinationId === downId);
    expect(removedOnes.map((r) => r.outcome)).toStrictEqual(Array(EVENTS).fill('abandoned'));

    await c.close();
    controller = null;
    c = await start();
    expect(c.getState().stats).toMatchObject({ received: 0, resumed: 0, queued: 0 });
    expect(primary.requests).toHaveLength(EVENTS);
  });
});
