// The whole shell started on the fake Electron with the real controller (no daemon link, a temp
// data folder, a real receiver on loopback): single instance, hide to tray, the quit order, the
// bridge wired through, pushes reaching the window and the tray.

import { createServer, type Server } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createController } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { QUIT_CLEANUP_TIMEOUT_MS, installQuitSequence } from '../../src/main/shell/app-lifecycle';
import { appFiles } from '../../src/main/shell/app-files';
import type { ControllerLike } from '../../src/main/shell/controller-like';
import type { LoginItem } from '../../src/main/shell/login-item';
import { startShell, type RunningShell } from '../../src/main/shell/shell';
import { TRAY_ITEM_IDS } from '../../src/main/shell/tray-menu';
import type { AppState } from '../../src/shared/bridge';
import { unaccounted } from '../../src/shared/delivery';
import { callChannel, pushChannel } from '../../src/shared/ipc-channels';
import { FakeBrowserWindow, FakeEvent, FakeNotification, FakeTray, createFakeElectron, type FakeElectron } from '../fixtures/fake-electron';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'pilot-shell-'));
  cleanups.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
}

/** A webhook receiver on loopback answering 204, counting what it got. */
async function receiver(): Promise<{ url: string; hits: () => number }> {
  let hits = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      hits++;
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise<void>((r) => server.close(() => r())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, hits: () => hits };
}

/** The real controller, its close() recorded in the fake's call log (and optionally made to fail). */
async function realController(fake: FakeElectron, opts: { closeFails?: boolean } = {}): Promise<ControllerLike> {
  const opened = openConfStore(tempDir());
  const c = await createController({
    settings: new SettingsService(opened.kv, opened.warnings),
    daemon: { enabled: false, socketPath: null },
    pushIntervalMs: 10,
  });
  let closed = false;
  cleanups.push(async () => {
    if (!closed) await c.close();
  });
  return {
    handlers: c.handlers,
    subscribe: c.subscribe,
    getState: c.getState,
    getSecret: c.getSecret,
    historyPages: c.historyPages,
    close: async () => {
      fake.calls.push('controller.close:start');
      await c.close();
      closed = true;
      fake.calls.push('controller.close:done');
      if (opts.closeFails) throw new Error('daemon did not answer');
    },
  };
}

const files = appFiles({ appPath: '/app', isPackaged: false, resourcesPath: '/res' });
const trusted = (win: FakeBrowserWindow) => ({ sender: { id: win.webContents.id }, senderFrame: { url: files.pageUrl, parent: null } });

function memoryLoginItem(): LoginItem {
  let on = false;
  return { isEnabled: () => on, setEnabled: (v) => void (on = v) };
}

async function start(
  fake: FakeElectron,
  opts: { startHidden?: boolean; closeFails?: boolean; quitTimeoutMs?: number; createController?: () => Promise<ControllerLike> } = {},
): Promise<{ shell: RunningShell | null; win: FakeBrowserWindow; logs: string[] }> {
  const logs: string[] = [];
  const shell = await startShell({
    electron: fake.electron,
    files,
    createController: opts.createController ?? (() => realController(fake, { closeFails: opts.closeFails })),
    loginItem: memoryLoginItem(),
    startHidden: opts.startHidden ?? false,
    platform: 'linux',
    log: (m) => logs.push(m),
    quitTimeoutMs: opts.quitTimeoutMs,
  });
  return { shell, win: FakeBrowserWindow.instances[0]!, logs };
}

/** Resolves when the app has exited (the quit sequence is asynchronous). */
async function exited(fake: FakeElectron): Promise<void> {
  for (let i = 0; i < 500 && fake.app.exitCode === null; i++) await new Promise((r) => setTimeout(r, 10));
  expect(fake.app.exitCode).not.toBeNull();
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !check(); i++) await new Promise((r) => setTimeout(r, 10));
  expect(check()).toBe(true);
}

describe('single instance', () => {
  it('a second launch shows and focuses the running window', async () => {
    const fake = createFakeElectron();
    const { win } = await start(fake, { startHidden: true });
    expect(win.visible).toBe(false);
    win.minimize();
    fake.app.emit('second-instance', new FakeEvent(), ['/x/pilot'], '/');
    expect(win.visible).toBe(true);
    expect(win.minimized).toBe(false);
    expect(win.focused).toBe(true);
    fake.app.quit();
    await exited(fake);
  });

  it('without the lock the new instance quits at once and creates nothing', async () => {
    const fake = createFakeElectron();
    fake.app.hasLock = false;
    let created = false;
    const { shell } = await start(fake, { createController: async () => ((created = true), Promise.reject(new Error('unused'))) });
    expect(shell).toBeNull();
    expect(created).toBe(false);
    expect(FakeBrowserWindow.instances).toHaveLength(0);
    expect(fake.app.quitCalls).toBe(1);
  });
});

describe('window close', () => {
  it('hides to the tray and keeps running', async () => {
    const fake = createFakeElectron();
    const { win, shell } = await start(fake);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
    const e = win.clickClose();
    expect(e.defaultPrevented).toBe(true);
    expect(win.visible).toBe(false);
    expect(shell!.tray).not.toBeNull();
    // Back from the tray:
    FakeTray.instances[0]!.clickItem(TRAY_ITEM_IDS.open);
    expect(win.visible).toBe(true);
    fake.app.quit();
    await exited(fake);
  });

  it('minimises instead when there is no tray, and shows the window even when started hidden', async () => {
    const fake = createFakeElectron();
    FakeTray.failToCreate = true;
    const { win, shell, logs } = await start(fake, { startHidden: true });
    expect(shell!.tray).toBeNull();
    expect(logs.join('\n')).toMatch(/no system tray/);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
    const e = win.clickClose();
    expect(e.defaultPrevented).toBe(true);
    expect(win.minimized).toBe(true);
    expect(win.visible).toBe(true);
    fake.app.quit();
    await exited(fake);
  });

  it('really closes once the app is quitting', async () => {
    const fake = createFakeElectron();
    const { win } = await start(fake);
    fake.app.quit();
    expect(win.clickClose().defaultPrevented).toBe(false);
    await exited(fake);
  });
});

describe('quit sequence', () => {
  it('holds the quit, closes the controller, then exits — in that order, once', async () => {
    const fake = createFakeElectron();
    await start(fake);
    fake.app.quit();
    fake.app.quit(); // impatient user: the cleanup still runs once
    await exited(fake);
    // Both quit requests were held back ('app.quit:proceeds' never logged); then close, then exit.
    expect(fake.calls.filter((c) => c === 'app.quit')).toHaveLength(2);
    expect(fake.calls.filter((c) => c !== 'app.quit')).toStrictEqual(['controller.close:start', 'controller.close:done', 'app.exit(0)']);
  });

  it('exits after the controller close even when it rejects, and says why', async () => {
    const fake = createFakeElectron();
    const { logs } = await start(fake, { closeFails: true });
    FakeTray.instances[0]!.clickItem(TRAY_ITEM_IDS.quit);
    await exited(fake);
    expect(fake.calls.filter((c) => c !== 'app.quit')).toStrictEqual(['controller.close:start', 'controller.close:done', 'app.exit(0)']);
    expect(logs).toContain('quit: daemon did not answer');
  });

  it('exits when the cleanup hangs, after the bound', async () => {
    const fake = createFakeElectron();
    const errors: unknown[] = [];
    installQuitSequence(fake.electron.app, { cleanup: () => new Promise<void>(() => undefined), timeoutMs: 30, onCleanupError: (e) => errors.push(e) });
    fake.app.quit();
    await exited(fake);
    expect(String(errors[0])).toMatch(/did not finish within 30 ms/);
    expect(QUIT_CLEANUP_TIMEOUT_MS).toBe(6000);
  });

  it('a quit during start-up waits for the controller and closes it too', async () => {
    const fake = createFakeElectron();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const starting = start(fake, {
      createController: async () => {
        await gate;
        return realController(fake);
      },
    });
    await new Promise((r) => setTimeout(r, 10));
    fake.app.quit();
    release();
    await starting;
    await exited(fake);
    expect(fake.calls).toContain('controller.close:done');
    expect(fake.calls.indexOf('controller.close:done')).toBeLessThan(fake.calls.indexOf('app.exit(0)'));
  });
});

describe('bridge and pushes through the shell', () => {
  it('the window calls the controller over IPC, gets pushes, and the tray follows the state', async () => {
    const fake = createFakeElectron();
    const { win, shell } = await start(fake);
    const hook = await receiver();
    const ipc = fake.ipcMain;

    const set = await ipc.invoke(callChannel('setUrl'), trusted(win), { url: hook.url });
    // A loopback receiver takes the daemon's own JSON: the answer says so.
    expect(set).toStrictEqual({ ok: true, value: { url: hook.url, format: 'pilot', formatReason: "the default: the daemon's own JSON body" } });
    await until(() => win.webContents.sent.some((m) => m.channel === pushChannel('state') && (m.value as AppState).url === hook.url));
    const tray = FakeTray.instances[0]!;
    expect(tray.tooltip).toBe('Pilot Webhook: Delivering');

    FakeTray.instances[0]!.clickItem(TRAY_ITEM_IDS.pauseResume);
    await until(() => tray.tooltip === 'Pilot Webhook: Paused');
    expect(tray.menu!.template.find((i) => i.id === TRAY_ITEM_IDS.pauseResume)!.label).toBe('Resume deliveries');

    tray.clickItem(TRAY_ITEM_IDS.copyUrl);
    expect(fake.clipboardText()).toBe(hook.url);

    tray.clickItem(TRAY_ITEM_IDS.sendTest);
    await until(() => FakeNotification.instances.some((n) => n.options.title === 'Test event delivered'));
    expect(hook.hits()).toBe(1);

    const stats = shell!.controller.getState().stats;
    expect(unaccounted(stats)).toBe(0);

    // From a foreign frame: refused before the controller.
    await expect(
      ipc.invoke(callChannel('clearUrl'), { sender: { id: win.webContents.id }, senderFrame: { url: 'https://evil.example/', parent: null } }),
    ).rejects.toThrow('untrusted sender');
    expect(shell!.controller.getState().url).toBe(hook.url);

    fake.app.quit();
    await exited(fake);
    expect(ipc.handlers.size).toBe(0);
  });

  it('copySecret puts the secret on the clipboard in main; the window only learns it worked', async () => {
    const fake = createFakeElectron();
    const { win } = await start(fake);
    const ipc = fake.ipcMain;
    expect(await ipc.invoke(callChannel('copySecret'), trusted(win))).toMatchObject({ ok: false, error: { code: 'no_secret' } });
    const gen = (await ipc.invoke(callChannel('generateSecret'), trusted(win))) as { ok: true; value: Record<string, unknown> };
    expect(Object.keys(gen.value)).toStrictEqual(['hint']);
    expect(await ipc.invoke(callChannel('copySecret'), trusted(win))).toStrictEqual({ ok: true, value: { copied: true } });
    const secret = fake.clipboardText();
    expect(secret).toMatch(/^whsec_/);
    // The secret went nowhere near the window.
    expect(JSON.stringify(win.webContents.sent)).not.toContain(secret!);
    fake.app.quit();
    await exited(fake);
  });

  it('copyText (the window\'s "Copy as curl") is written to the clipboard by main, for our page only', async () => {
    const fake = createFakeElectron();
    const { win } = await start(fake);
    const ipc = fake.ipcMain;
    const command = "curl -X POST 'http://127.0.0.1:9/hook' --data-binary '{}'";
    expect(await ipc.invoke(callChannel('copyText'), trusted(win), { text: command })).toStrictEqual({ ok: true, value: { copied: true } });
    expect(fake.clipboardText()).toBe(command);
    const foreign = { sender: { id: win.webContents.id }, senderFrame: { url: 'https://evil.example/', parent: null } };
    await expect(ipc.invoke(callChannel('copyText'), foreign, { text: 'rm -rf ~' })).rejects.toThrow();
    expect(fake.clipboardText()).toBe(command);
    expect(await ipc.invoke(callChannel('copyText'), trusted(win), { text: 42 })).toMatchObject({ ok: false, error: { code: 'invalid_argument' } });
    fake.app.quit();
    await exited(fake);
  });

  it('Start at login from the tray flips the setting and the checkbox', async () => {
    const fake = createFakeElectron();
    await start(fake);
    const tray = FakeTray.instances[0]!;
    const item = () => tray.menu!.template.find((i) => i.id === TRAY_ITEM_IDS.startAtLogin)!;
    expect(item().checked).toBe(false);
    tray.clickItem(TRAY_ITEM_IDS.startAtLogin);
    expect(item().checked).toBe(true);
    fake.app.quit();
    await exited(fake);
  });
});
