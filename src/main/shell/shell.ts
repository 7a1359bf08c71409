// Puts the shell together: single instance, controller, window, bridge, tray, notifications and
// the quit sequence. Electron comes in as a parameter (see electron-api.ts), so this runs against
// the fake in the tests exactly as against the real module in the app.

import { QUIT_BUTTON, quitQuestion } from './quit-question';
import type { BrowserWindow } from 'electron';
import type { AppState } from '../../shared/bridge';
import { claimSingleInstance, installQuitSequence, keepWindowOnClose } from './app-lifecycle';
import { installApplicationMenu } from './app-menu';
import { registerAppScheme, serveAppProtocol } from './app-protocol';
import type { AppFiles } from './app-files';
import type { ControllerLike } from './controller-like';
import type { ShellElectron } from './electron-api';
import { registerIpcHandlers } from './ipc-handlers';
import { newestFinished, type LastFinished } from './last-finished';
import type { LoginItem } from './login-item';
import { createNotifier, type Clock } from './notifier';
import { forwardPushes } from './push-forwarder';
import type { ExpectedSender } from './sender-check';
import { watchPower } from './power-watch';
import { shellHandlers } from './shell-handlers';
import { safeText } from '../../shared/safe-text';
import { createTray, type TrayHandle } from './tray';
import type { TrayActions } from './tray-menu';
import { createMainWindow, showWindow } from './window';
import { errorText } from '../../shared/error-text';

/** Windows groups notifications and task-bar entries by this id; it must match electron-builder's appId. */
export const APP_USER_MODEL_ID = 'net.pilotprotocol.webhook-desktop';

export interface ShellOptions {
  electron: ShellElectron;
  files: AppFiles;
  createController(): Promise<ControllerLike>;
  loginItem: LoginItem;
  /** started at login: stay in the tray (ignored when there is no tray) */
  startHidden: boolean;
  platform: NodeJS.Platform;
  /** where problems that have no window to go to are written */
  log(message: string): void;
  quitTimeoutMs?: number;
  clock?: Clock;
}

export interface RunningShell {
  controller: ControllerLike;
  window: BrowserWindow;
  tray: TrayHandle | null;
}


/**
 * Starts the app. Returns null when another instance is already running (this one then quits and
 * that one shows its window). Rejects when the controller cannot start.
 */
export async function startShell(opts: ShellOptions): Promise<RunningShell | null> {
  const { app } = opts.electron;
  let win: BrowserWindow | null = null;
  const show = (): void => {
    if (win !== null) showWindow(win);
  };

  // Before the app is ready, or Electron refuses it.
  registerAppScheme(opts.electron.protocol);
  if (!claimSingleInstance(app, show)) {
    app.quit();
    return null;
  }

  let controllerStarting: Promise<ControllerLike> | null = null;
  let started: ControllerLike | null = null;
  const disposers: (() => void)[] = [];
  const quit = installQuitSequence(app, {
    cleanup: async () => {
      for (const dispose of disposers.splice(0)) dispose();
      if (controllerStarting !== null) await (await controllerStarting).close();
    },
    timeoutMs: () => opts.quitTimeoutMs ?? started?.closeBudgetMs,
    onCleanupError: (err) => opts.log(`quit: ${errorText(err)}`),
  });
  // The app lives in the tray: closing every window is not a reason to quit.
  app.on('window-all-closed', () => undefined);

  await app.whenReady();
  if (opts.platform === 'win32') app.setAppUserModelId(APP_USER_MODEL_ID);
  serveAppProtocol(opts.electron.protocol, opts.files.rendererDir);
  installApplicationMenu(opts.electron, opts.platform, app.isPackaged);

  controllerStarting = opts.createController();
  const controller = await controllerStarting;
  started = controller;
  const handlers = shellHandlers(controller, opts.electron);

  let state: AppState = controller.getState();
  let lastFinished: LastFinished | null = null;
  const run = (what: string, work: () => Promise<unknown>): void => {
    work().catch((err: unknown) => opts.log(`${what}: ${errorText(err)}`));
  };
  const notifyOnce = (title: string, body: string): void => {
    const N = opts.electron.Notification;
    // The body may carry a receiver's words: neutralised like all outside text.
    if (N.isSupported()) new N({ title, body: safeText(body) }).show();
  };

  const actions: TrayActions = {
    openWindow: show,
    // The window follows `#failures` / `#resend` / `#destinations` (an in-page navigation: no
    // reload, and not a navigation the window's will-navigate guard stops); the link is one of
    // three constants.
    openLink: (link) => {
      show();
      if (win !== null && !win.isDestroyed()) void win.webContents.executeJavaScript(`location.hash = ${JSON.stringify(link)}`);
    },
    pause: () => run('pause', () => handlers.pause(undefined)),
    resume: () => run('resume', () => handlers.resume(undefined)),
    sendTest: () =>
      run('send test', async () => {
        const r = await handlers.sendTest({});
        if (r.ok) notifyOnce('Test event delivered', `The webhook answered ${r.status ?? 'OK'} in ${r.durationMs} ms.`);
        else notifyOnce('Test event failed', r.error ?? (r.status !== undefined ? `HTTP ${r.status}` : 'No answer.'));
      }),
    copyUrl: () => {
      const url = state.url;
      if (url !== null) run('copy the URL', async () => opts.electron.clipboard.writeText(url));
    },
    setStartAtLogin: (enabled) => {
      try {
        opts.loginItem.setEnabled(enabled);
      } catch (err) {
        opts.log(`start at login: ${errorText(err)}`);
      }
      tray?.update(state, lastFinished?.outcome ?? null);
    },
    // While the daemon posts to the app, the quit first says what the daemon gets back.
    quit: () => {
      const question = quitQuestion(state);
      if (question === null) {
        app.quit();
        return;
      }
      run('quit', async () => {
        const answer = await opts.electron.dialog.showMessageBox(question);
        if (answer.response === QUIT_BUTTON) app.quit();
      });
    },
  };

  const tray = createTray(opts.electron, {
    iconDir: opts.files.trayIconDir,
    actions,
    isLoginItemEnabled: () => opts.loginItem.isEnabled(),
    now: opts.clock?.now ?? Date.now,
    initialState: state,
    platform: opts.platform,
    version: app.getVersion(),
  });
  if (tray === null) opts.log('no system tray: the window minimises instead of hiding');
  else disposers.push(() => tray.destroy());

  // Without a tray a hidden window could never be found again, so it is shown after all.
  const window = createMainWindow(opts.electron.BrowserWindow, {
    files: opts.files,
    showWhenReady: !opts.startHidden || tray === null,
    devTools: !app.isPackaged,
    onLoadError: (err) => opts.log(`the window's page did not load: ${errorText(err)}`),
  });
  win = window;
  keepWindowOnClose(window, { hasTray: () => tray !== null, isQuitting: quit.isQuitting });
  app.on('activate', show);

  const expected = (): ExpectedSender | null =>
    window.isDestroyed() ? null : { webContentsId: window.webContents.id, pageUrl: opts.files.pageUrl };
  disposers.push(registerIpcHandlers(opts.electron.ipcMain, handlers, expected, (err) => opts.log(`a bridge call failed: ${errorText(err)}`)));
  disposers.push(forwardPushes(controller.subscribe, () => (window.isDestroyed() ? null : window.webContents)));

  // Sleep and offline: attempts wait instead of being used up against a receiver that is fine.
  if (opts.electron.powerMonitor && opts.electron.net && controller.setSuspended) {
    const power = { powerMonitor: opts.electron.powerMonitor, net: opts.electron.net };
    disposers.push(watchPower(power, (suspended) => controller.setSuspended?.(suspended)));
  }

  const notifier = createNotifier(opts.electron, { onClick: show, clock: opts.clock });
  notifier.observe(state);
  disposers.push(() => notifier.dispose());
  // 'records' is flushed before 'state' in a batch, so the tray's verdict is current when it redraws.
  disposers.push(
    controller.subscribe('records', (records) => {
      lastFinished = newestFinished(lastFinished, records);
    }),
    controller.subscribe('state', (next) => {
      state = next;
      tray?.update(next, lastFinished?.outcome ?? null);
      notifier.observe(next);
    }),
  );

  return { controller, window, tray };
}
