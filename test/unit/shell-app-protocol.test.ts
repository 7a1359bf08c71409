// The window's page over app://, not file://: the scheme registered as privileged before the app is
// ready, served from the headless host's allow-list with its security headers; no DevTools and no
// default menu in packaged builds. Against the fake Electron, with the real built files' layout.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CSP_HEADER_VALUE } from '../../src/shared/csp';
import { applicationMenuTemplate } from '../../src/main/shell/app-menu';
import { APP_PAGE_URL, APP_SCHEME } from '../../src/main/shell/app-protocol';
import { appFiles } from '../../src/main/shell/app-files';
import type { ControllerLike } from '../../src/main/shell/controller-like';
import { startShell } from '../../src/main/shell/shell';
import { FakeBrowserWindow, createFakeElectron, type FakeElectron } from '../fixtures/fake-electron';
import { sampleState } from '../fixtures/sample-state';

let appPath: string;

afterEach(() => {
  rmSync(appPath, { recursive: true, force: true });
});

function stubController(): ControllerLike {
  return {
    handlers: {} as ControllerLike['handlers'],
    subscribe: () => () => undefined,
    getState: () => sampleState(),
    getSecret: () => null,
    historyPages: () => [],
    close: async () => undefined,
  };
}

async function start(packaged: boolean, platform: NodeJS.Platform = 'linux'): Promise<FakeElectron> {
  appPath = mkdtempSync(join(tmpdir(), 'pilot-app-'));
  const renderer = join(appPath, 'dist', 'renderer');
  mkdirSync(renderer, { recursive: true });
  writeFileSync(join(renderer, 'index.html'), '<!doctype html><title>Pilot Webhook</title>');
  writeFileSync(join(renderer, 'app.js'), 'console.log(1);');
  writeFileSync(join(appPath, 'dist', 'secret.txt'), 'not for the window');
  const fake = createFakeElectron();
  fake.app.isPackaged = packaged;
  await startShell({
    electron: fake.electron,
    files: appFiles({ appPath, isPackaged: packaged, resourcesPath: join(appPath, 'resources') }),
    createController: async () => stubController(),
    loginItem: { isEnabled: () => false, setEnabled: () => undefined },
    startHidden: false,
    platform,
    log: () => undefined,
  });
  return fake;
}

describe('app:// instead of file://', () => {
  it('registers the scheme as standard and secure (nothing more) before the app is ready, and loads the page from it', async () => {
    const fake = await start(true);
    expect(fake.protocol.privileged).toStrictEqual([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true } }]);
    expect(fake.protocol.handlers.has(APP_SCHEME)).toBe(true);
    expect(FakeBrowserWindow.instances[0]!.webContents.loadedUrl).toBe(APP_PAGE_URL);
    expect(APP_PAGE_URL).toBe('app://pilot-webhook/index.html');
  });

  it('serves the allow-listed files with the security headers, and nothing else', async () => {
    const fake = await start(true);
    const page = await fake.protocol.fetch('app://pilot-webhook/index.html');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toBe(CSP_HEADER_VALUE);
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await page.text()).toContain('<title>Pilot Webhook</title>');
    expect((await fake.protocol.fetch('app://pilot-webhook/app.js')).headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await fake.protocol.fetch('app://pilot-webhook/')).status).toBe(200);

    for (const url of [
      'app://pilot-webhook/secret.txt',
      'app://pilot-webhook/../secret.txt',
      'app://pilot-webhook/%2e%2e/secret.txt',
      'app://pilot-webhook/..%2fsecret.txt',
      'app://pilot-webhook/index.html/..%2f..%2fsecret.txt',
      'app://pilot-webhook/styles.css',
      'app://other-host/index.html',
    ]) {
      const res = await fake.protocol.fetch(url);
      expect(res.status, url).toBe(404);
      expect(await res.text(), url).not.toContain('not for the window');
    }
    expect((await fake.protocol.fetch('app://pilot-webhook/index.html', 'POST')).status).toBe(405);
  });
});

describe('packaged builds: no DevTools, no default menu', () => {
  it('packaged on Linux and Windows: no menu at all, DevTools off', async () => {
    for (const platform of ['linux', 'win32'] as const) {
      const fake = await start(true, platform);
      expect(fake.applicationMenu(), platform).toBeNull();
      expect((FakeBrowserWindow.instances[0]!.options.webPreferences as { devTools: boolean }).devTools).toBe(false);
      rmSync(appPath, { recursive: true, force: true });
    }
  });

  it('packaged on macOS: only the app and Edit menus (Quit, copy and paste), no View or DevTools', async () => {
    const fake = await start(true, 'darwin');
    expect(fake.applicationMenu()).toStrictEqual({ template: [{ role: 'appMenu' }, { role: 'editMenu' }] });
    expect(JSON.stringify(applicationMenuTemplate('darwin', true))).not.toMatch(/toggleDevTools|viewMenu|reload/i);
  });

  it('development keeps Electron’s menu and DevTools', async () => {
    const fake = await start(false);
    expect(fake.applicationMenu()).toBeUndefined();
    expect((FakeBrowserWindow.instances[0]!.options.webPreferences as { devTools: boolean }).devTools).toBe(true);
  });
});
