// The main window: sandboxed, isolated, no Node, strict CSP, no navigation, no new windows, no
// permissions, no DevTools in packaged builds. It shows only our own page, from app://
// (app-protocol.ts), and that page reaches main only through the preload.

import type { BrowserWindow, BrowserWindowConstructorOptions, Session, WebContents, WebPreferences } from 'electron';
import { CSP_HEADER_VALUE } from '../../shared/csp';
import type { AppFiles } from './app-files';

/** Opening size: the URL form, the counters and a dozen log rows fit without scrolling. */
const WINDOW_WIDTH = 980;
const WINDOW_HEIGHT = 720;
/** Below this the log table's columns no longer fit. */
const MIN_WIDTH = 640;
const MIN_HEIGHT = 480;

export const WINDOW_TITLE = 'Pilot Webhook';

/**
 * The window's webPreferences: every security-relevant switch spelled out, none left to defaults.
 * DevTools only in development: a packaged build has no way to open them.
 */
export function secureWebPreferences(preload: string, devTools = false): WebPreferences {
  return {
    devTools,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    spellcheck: false,
    preload,
  };
}

export function windowOptions(files: AppFiles, devTools = false): BrowserWindowConstructorOptions {
  return {
    width: WINDOW_WIDTH,
    height: WINDOW_HEIGHT,
    minWidth: MIN_WIDTH,
    minHeight: MIN_HEIGHT,
    title: WINDOW_TITLE,
    icon: files.appIcon,
    autoHideMenuBar: true,
    // Shown on 'ready-to-show', so the user never sees a half-drawn page.
    show: false,
    webPreferences: secureWebPreferences(files.preload, devTools),
  };
}

/** The page never navigates and never opens anything: every attempt is refused. */
export function denyNavigation(wc: WebContents): void {
  wc.setWindowOpenHandler(() => ({ action: 'deny' }));
  wc.on('will-navigate', (event) => event.preventDefault());
  wc.on('will-frame-navigate', (event) => event.preventDefault());
  wc.on('will-redirect', (event) => event.preventDefault());
  wc.on('will-attach-webview', (event) => event.preventDefault());
}

/**
 * The window needs no camera, notifications, clipboard, devices… so nothing is granted. What it
 * copies (a curl command) goes through main: the copyText bridge call.
 */
export function denyPermissions(session: Session): void {
  session.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
}

/**
 * The page's <meta> policy, also as a response header: a page that lost its meta tag (or a
 * document we did not write) is still held to it. The header also carries frame-ancestors, which
 * a meta policy cannot.
 */
export function enforceCsp(session: Session): void {
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP_HEADER_VALUE] } });
  });
}

export interface MainWindowOptions {
  files: AppFiles;
  /** false when started at login (--hidden): the app lives in the tray until asked */
  showWhenReady: boolean;
  /** development builds only (app.isPackaged false) */
  devTools?: boolean;
  onLoadError?(err: unknown): void;
}

export function createMainWindow(BW: typeof BrowserWindow, opts: MainWindowOptions): BrowserWindow {
  const win = new BW(windowOptions(opts.files, opts.devTools === true));
  const wc = win.webContents;
  denyNavigation(wc);
  denyPermissions(wc.session);
  enforceCsp(wc.session);
  if (opts.showWhenReady) win.once('ready-to-show', () => win.show());
  // A missing page is a broken build; the rejection would otherwise be unhandled.
  wc.loadURL(opts.files.pageUrl).catch((err: unknown) => opts.onLoadError?.(err));
  return win;
}

/** Brings the window to the front, from the tray, a second launch or the dock. */
export function showWindow(win: BrowserWindow): void {
  if (win.isDestroyed()) return;
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
}
