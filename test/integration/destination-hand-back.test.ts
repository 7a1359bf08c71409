// The daemon hand-back at quit, with destinations: the daemon (a fake one on a real Unix socket)
// gets the app's primary URL back only when the primary takes the daemon's own body (format pilot)
// and needs no extra header; otherwise it is cleared, and the state says why before the quit.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { startFakeDaemon, type FakeDaemon } from '../fixtures/fake-daemon';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

let dir: string;
let receiver: Receiver;
let daemon: FakeDaemon;
let controller: Controller | null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-dest-handback-'));
  receiver = await startReceiver();
  daemon = await startFakeDaemon({ socketPath: join(dir, 'pilot.sock'), home: join(dir, 'home'), retryBackoffMs: 20 });
  controller = null;
});

afterEach(async () => {
  await controller?.close();
  await daemon.stop();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<Controller> {
  const o = openConfStore(join(dir, 'data'));
  const settings = new SettingsService(o.kv, o.warnings);
  // The daemon had no URL before: the app's primary is what it would be handed at quit.
  settings.update({ daemonUrlImported: true });
  controller = await createController({
    settings,
    daemon: { enabled: true, socketPath: daemon.socketPath, healthIntervalMs: 100 },
    runOverrides: { retryBackoffMs: 10 },
    pushIntervalMs: 10,
  });
  await waitUntil(() => controller!.getState().daemon.connected, 'daemon linked');
  return controller;
}

async function quit(c: Controller): Promise<void> {
  await c.close();
  controller = null;
}

describe('hand-back to the daemon at quit', () => {
  it('a pilot primary without extra headers is handed back', async () => {
    const c = await start();
    await c.handlers.setUrl({ url: receiver.url });
    expect(c.getState().daemon.restore).toMatchObject({ url: receiver.url });
    expect(c.getState().daemon.restore?.appUnusable).toBeUndefined();
    await quit(c);
    expect(daemon.webhook()).toBe(receiver.url);
  });

  it('a primary with an extra header is not: the daemon is cleared, and the state said why before', async () => {
    const c = await start();
    await c.handlers.setUrl({ url: receiver.url });
    await c.handlers.updateDestination({ id: 'primary', headers: { 'X-N8n-Token': 'secret-token-value' } });
    const restore = c.getState().daemon.restore!;
    expect(restore).toMatchObject({ url: null, appUnusable: expect.stringContaining('X-N8n-Token') });
    expect(restore.why).toMatch(/daemon is cleared and its events are not delivered while the app is closed/);
    expect(JSON.stringify(restore)).not.toContain('secret-token-value');
    await quit(c);
    expect(daemon.webhook() ?? '').toBe('');
  });

  it('a primary in a chat format is not either', async () => {
    const c = await start();
    await c.handlers.setUrl({ url: receiver.url });
    await c.handlers.updateDestination({ id: 'primary', format: 'mattermost' });
    expect(c.getState().daemon.restore).toMatchObject({ url: null, appUnusable: expect.stringMatching(/Mattermost .* not the daemon's JSON/) });
    await quit(c);
    expect(daemon.webhook() ?? '').toBe('');
  });

  it('switching back to pilot without headers makes it handed back again', async () => {
    const c = await start();
    await c.handlers.setUrl({ url: receiver.url });
    await c.handlers.updateDestination({ id: 'primary', format: 'discord' });
    expect(c.getState().daemon.restore?.url).toBeNull();
    await c.handlers.updateDestination({ id: 'primary', format: 'pilot' });
    expect(c.getState().daemon.restore).toMatchObject({ url: receiver.url });
    await quit(c);
    expect(daemon.webhook()).toBe(receiver.url);
  });
});
