// The daemon panel and badge when the daemon link is on but no daemon answers at the socket.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openAppSession, type AppSession } from './helpers/app-session';
import { screenshot } from './helpers/browser';
import { eventually } from './helpers/eventually';
import type { Host } from './helpers/host';

let session: AppSession | undefined;
let host: Host;
let page: Page;
let socketDir: string;

beforeAll(async () => {
  socketDir = mkdtempSync(join(tmpdir(), 'pilot-e2e-nodaemon-'));
  session = await openAppSession({ host: (rx) => ({ url: rx.url, daemonSocket: join(socketDir, 'pilot.sock') }) });
  ({ host, page } = session);
});
afterAll(async () => {
  await session?.close();
  rmSync(socketDir, { recursive: true, force: true });
});

describe('with no daemon at the socket', () => {
  it('says "Daemon not connected", which socket it tried, and why', async () => {
    await eventually(() => page.locator('#badge').textContent()).toBe('Daemon not connected');
    expect(await page.getByLabel('Link', { exact: true }).textContent()).toBe('Not connected (no daemon socket yet)');
    expect(await page.getByLabel('Socket', { exact: true }).textContent()).toBe(join(socketDir, 'pilot.sock'));
    const error = (await host.state()).daemon.error;
    expect(error).toBeTruthy();
    expect(await page.locator('#daemon-error').textContent()).toBe(error);
    expect(await page.locator('#badge-detail').textContent()).toBe(error);
    await screenshot(page, 'daemon-not-connected');
  });
});
