// The desktop app joins a fleet by its `nats` setting, as the headless host does with --nats:
// the whole shell on the fake Electron, its core chosen by the shell from the settings
// (shell/core-controller.ts), on a real 3-server cluster. Its tray says fleet mode, its window's
// URL field sets the fleet's primary (a headless process of the same fleet delivers to it too),
// and what its ingest takes is delivered and shown in the other process's fleet-wide log.

import { join } from 'node:path';
import { expect, test } from 'vitest';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { appFiles } from '../../src/main/shell/app-files';
import { createCoreController } from '../../src/main/shell/core-controller';
import { startShell } from '../../src/main/shell/shell';
import { TRAY_ITEM_IDS } from '../../src/main/shell/tray-menu';
import type { AppState } from '../../src/shared/bridge';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import { callChannel } from '../../src/shared/ipc-channels';
import { FakeBrowserWindow, FakeTray, createFakeElectron } from '../fixtures/fake-electron';
import { eventually, startFleetHost, writeFleetKey } from './fleet-host';
import { useFleetWorld } from './fleet-world';

const FLEET = 'desk';

const world = useFleetWorld('desktop');

test('the nats setting makes the desktop app a process of the fleet', async () => {
  const keyFile = writeFleetKey(world.dir);
  const dataDir = join(world.dir, 'desktop');
  const opened = openConfStore(dataDir);
  const settings = new SettingsService(opened.kv, opened.warnings);
  settings.update({ nats: world.cluster.urls.join(','), fleet: FLEET, fleetKeyFile: keyFile });

  const fake = createFakeElectron();
  const files = appFiles({ appPath: '/app', isPackaged: false, resourcesPath: '/res' });
  let on = false;
  const shell = await startShell({
    electron: fake.electron,
    files,
    createController: () => createCoreController({ settings, dataDir, daemon: { enabled: false, socketPath: null }, pushIntervalMs: 10 }),
    loginItem: { isEnabled: () => on, setEnabled: (v) => void (on = v) },
    startHidden: true,
    platform: 'linux',
    log: () => undefined,
  });
  const controller = shell!.controller as unknown as { getState(): AppState };
  try {
    const win = FakeBrowserWindow.instances[0]!;
    const trusted = { sender: { id: win.webContents.id }, senderFrame: { url: files.pageUrl, parent: null } };
    const tray = FakeTray.instances[0]!;
    await eventually('the desktop app joined the fleet', async () => controller.getState().fleet, (f) => f?.connected === true && f.error === null, 30_000);
    expect(controller.getState().fleet).toMatchObject({ name: FLEET, role: 'all', replicas: 3 });
    await eventually('the tray says fleet mode', async () => tray.menu?.template.find((i) => i.id === TRAY_ITEM_IDS.fleet)?.label, (l) => l === `Fleet "${FLEET}" (all): 3 of 3 NATS servers reached`, 10_000);
    expect(tray.tooltip).toMatch(/\(fleet desk\)$/);

    // A headless process of the same fleet, deliver role, sees what the desktop window sets.
    const other = await startFleetHost({ nats: world.cluster.urls, keyFile, role: 'deliver', fleet: FLEET });
    expect(await fake.ipcMain.invoke(callChannel('setUrl'), trusted, { url: world.rx.url })).toMatchObject({ ok: true, value: { url: world.rx.url, format: 'pilot' } });
    await eventually('the other process delivers it too', () => other.state(), (s) => s.url === world.rx.url && s.fleet?.delivering === 1, 20_000);
    await eventually('the desktop delivers it', async () => controller.getState().fleet?.delivering, (n) => n === 1, 20_000);

    const ingest = controller.getState().ingest.url!;
    const N = 30;
    for (let n = 1; n <= N; n++) {
      const res = await fetch(ingest, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ event_id: n, event: 'tunnel.established', node_id: 11, data: { n } }) });
      expect(res.status).toBe(204);
    }
    await eventually('every event at the receiver', async () => new Set(world.rx.requests.map((r) => (r.json() as { data: { n: number } }).data.n)).size, (k) => k === N, 30_000);
    const log = await eventually(
      'the other process shows the desktop\'s events',
      async () => ((await other.api('GET', '/api/log?limit=100')).body as { records: DeliveryRecord[] }).records,
      (r) => r.length === N,
      20_000,
    );
    expect(log.every((r) => r.fleet?.node === 11 && r.outcome === 'delivered')).toBe(true);
    // Between the two deliver processes, each event counted once; each one's invariant holds.
    const mine = await eventually('the desktop settled', async () => controller.getState().stats, (s) => s.queued === 0, 20_000);
    const theirs = await eventually('the other settled', async () => (await other.state()).stats, (s) => s.queued === 0, 20_000);
    expect(unaccounted(mine)).toBe(0);
    expect(unaccounted(theirs)).toBe(0);
    expect(mine.delivered + theirs.delivered).toBe(N);
    expect(mine.received + theirs.received).toBe(N);
  } finally {
    fake.app.quit();
    for (let i = 0; i < 1000 && fake.app.exitCode === null; i++) await new Promise((r) => setTimeout(r, 10));
  }
  expect(fake.app.exitCode).toBe(0);
});
