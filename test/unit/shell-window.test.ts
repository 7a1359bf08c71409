// The window's hardening, checked on the fake: exact webPreferences, CSP header, and every way out
// (navigation, new windows, webviews, permissions) refused.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { appFiles } from '../../src/main/shell/app-files';
import { createMainWindow, secureWebPreferences, showWindow } from '../../src/main/shell/window';
import { CONTENT_SECURITY_POLICY, CSP_HEADER_VALUE } from '../../src/shared/csp';
import { FakeBrowserWindow, FakeEvent, createFakeElectron } from '../fixtures/fake-electron';

const files = appFiles({ appPath: '/opt/pilot/resources/app.asar', isPackaged: true, resourcesPath: '/opt/pilot/resources' });

function openWindow(showWhenReady = true): FakeBrowserWindow {
  const { electron } = createFakeElectron();
  createMainWindow(electron.BrowserWindow, { files, showWhenReady });
  const win = FakeBrowserWindow.instances[0];
  if (!win) throw new Error('no window created');
  return win;
}

describe('main window', () => {
  it('uses exactly the hardened webPreferences, with the bundled preload', () => {
    const win = openWindow();
    expect(win.options.webPreferences).toStrictEqual({
      devTools: false,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      preload: '/opt/pilot/resources/app.asar/dist/preload.cjs',
    });
    expect(secureWebPreferences('/x/preload.cjs').preload).toBe('/x/preload.cjs');
  });

  it('loads the page from app://, never file://, and shows itself only when ready', () => {
    const win = openWindow();
    expect(win.options.show).toBe(false);
    expect(win.webContents.loadedUrl).toBe('app://pilot-webhook/index.html');
    expect(win.visible).toBe(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(true);
  });

  it('stays hidden on ready-to-show when started at login', () => {
    const win = openWindow(false);
    win.emit('ready-to-show');
    expect(win.visible).toBe(false);
  });

  it('injects the page CSP (plus frame-ancestors) into every response, keeping other headers', () => {
    const session = openWindow().webContents.session;
    expect(session.headersListener).not.toBeNull();
    let answer: unknown;
    session.headersListener!({ responseHeaders: { 'X-Other': ['1'] } }, (r) => (answer = r));
    expect(answer).toStrictEqual({
      responseHeaders: { 'X-Other': ['1'], 'Content-Security-Policy': [CSP_HEADER_VALUE] },
    });
    expect(CSP_HEADER_VALUE.startsWith(CONTENT_SECURITY_POLICY)).toBe(true);
    expect(CSP_HEADER_VALUE).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'none'");
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-(inline|eval)/);
  });

  it('denies new windows, navigation, redirects and webviews', () => {
    const wc = openWindow().webContents;
    expect(wc.windowOpenHandler!({ url: 'https://example.com/' })).toStrictEqual({ action: 'deny' });
    for (const name of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      const e = new FakeEvent();
      wc.emit(name, e, 'https://example.com/');
      expect(e.defaultPrevented, name).toBe(true);
    }
  });

  it('grants no permission, asked or checked, and no device', () => {
    const session = openWindow().webContents.session;
    for (const permission of ['media', 'notifications', 'clipboard-read', 'geolocation', 'openExternal']) {
      let granted: boolean | undefined;
      session.permissionRequestHandler!(null, permission, (g) => (granted = g), {});
      expect(granted, permission).toBe(false);
      expect(session.permissionCheckHandler!(null, permission, 'file://', {}), permission).toBe(false);
    }
    expect(session.devicePermissionHandler!({ deviceType: 'usb' })).toBe(false);
  });

  it('showWindow restores a minimised window and focuses it', () => {
    const win = openWindow();
    win.minimize();
    showWindow(win as never);
    expect(win.minimized).toBe(false);
    expect(win.visible).toBe(true);
    expect(win.focused).toBe(true);
  });

  it('paths: development uses the project folder, packaged builds resources/ for the tray icons', () => {
    const dev = appFiles({ appPath: '/src/app', isPackaged: false, resourcesPath: '/usr/lib/electron/resources' });
    expect(dev.trayIconDir).toBe(join('/src/app', 'build', 'tray'));
    expect(dev.rendererDir).toBe(join('/src/app', 'dist', 'renderer'));
    expect(dev.pageUrl).toBe('app://pilot-webhook/index.html');
    expect(files.trayIconDir).toBe('/opt/pilot/resources/tray');
  });

  it('the page <meta> CSP is the same policy the shell injects', () => {
    const html = readFileSync(join(__dirname, '..', '..', 'src', 'renderer', 'index.html'), 'utf8');
    const meta = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/i.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
  });
});
