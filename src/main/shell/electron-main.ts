// The Electron app's composition root: the real electron module and electron-store go in, the
// core controller is built over the shell's settings store, and the shell does the rest.

import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  BrowserWindow,
  Menu,
  Notification,
  Tray,
  app,
  clipboard,
  dialog,
  ipcMain,
  nativeImage,
  net,
  powerMonitor,
  protocol,
  safeStorage,
  session,
  shell,
} from 'electron';
import electronLog from 'electron-log/main';
import ElectronStore from 'electron-store';
import { maskUrlCredentials } from '../../shared/url-mask';
import { prepareDataFolder } from '../core/data-folder';
import { lockDataFolder } from '../core/data-folder-lock';
import { ResolvingProxyDispatcher } from '../core/egress-proxy';
import { readDaemonWebhookUrl, resolveSocketPath } from '../core/daemon/socket-discovery';
import { SettingsService } from '../core/settings/settings';
import { appFiles } from './app-files';
import { createCoreController } from './core-controller';
import { describeWarmUp, WARM_UP_DELAY_MS } from '../core/delivery/delivery-warm-up';
import { tuneTiering } from '../core/v8-tiering';
import { openElectronStore, safeDestinationSecrets, safeSecretStore } from './electron-settings-store';
import { createLoginItem, startedHidden } from './login-item';
import { startShell } from './shell';

function readFileOrNull(path: string): string | null {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}

/**
 * The main process's log: stderr, and electron-log's file in userData/logs/main.log (owner-only,
 * like everything in the data folder). Messages never carry the secret; URL passwords are masked.
 */
const LOG_FILE_MODE = 0o600;
electronLog.transports.file.resolvePathFn = () => join(app.getPath('userData'), 'logs', 'main.log');
electronLog.transports.file.writeOptions = { flag: 'a', mode: LOG_FILE_MODE, encoding: 'utf8' };
// stderr is written below, unformatted, as the headless host does.
electronLog.transports.console.level = false;

const log = (message: string): void => {
  const masked = maskUrlCredentials(message);
  process.stderr.write(`${masked}\n`);
  electronLog.info(masked);
};

async function main(): Promise<void> {
  // The main process's V8 only: the window's renderer keeps Chromium's own thresholds.
  tuneTiering();
  const electron = { app, BrowserWindow, Tray, Menu, ipcMain, Notification, clipboard, dialog, shell, safeStorage, nativeImage, protocol, powerMonitor, net };
  const env = process.env;
  const running = await startShell({
    electron,
    files: appFiles({ appPath: app.getAppPath(), isPackaged: app.isPackaged, resourcesPath: process.resourcesPath }),
    loginItem: createLoginItem(app, {
      platform: process.platform,
      env,
      home: homedir(),
      execPath: process.execPath,
      productName: app.getName(),
    }),
    startHidden: startedHidden(process.argv, app, process.platform),
    platform: process.platform,
    log,
    createController: async () => {
      // safeStorage and userData are usable only once the app is ready; the shell calls this then.
      const dataDir = app.getPath('userData');
      const repaired = prepareDataFolder(dataDir);
      // Held until the process ends (the kernel lets go of it however the app stops); a headless
      // host on the same folder is named in the error the start-up dialog shows.
      const claimed = lockDataFolder(dataDir, { host: 'electron' });
      if (!claimed.ok) throw new Error(claimed.message);
      const opened = openElectronStore(ElectronStore, dataDir);
      opened.warnings.push(...repaired);
      const secrets = safeSecretStore(opened.kv, safeStorage, process.platform);
      const settings = new SettingsService(opened.kv, opened.warnings, secrets);
      settings.warnings.push(...secrets.warnings);
      const discovery = resolveSocketPath({
        env,
        homedir: homedir(),
        platform: process.platform,
        readFile: readFileOrNull,
        override: settings.get().daemonSocket,
      });
      // The embedded core, or fleet mode when the `nats` setting names servers.
      const controller = await createCoreController({
        settings,
        // Header values and destination secrets encrypted with the system keychain, as the secret is.
        destinationSecrets: safeDestinationSecrets(opened.kv, safeStorage),
        // The durable outbox and history live beside the settings, as in the headless host.
        dataDir,
        logFile: electronLog.transports.file.getFile().path,
        // The system's proxy settings (PAC files included), per origin; the guard's checks still run.
        egress: (guard) => new ResolvingProxyDispatcher(guard, (url) => session.defaultSession.resolveProxy(url)),
        daemon: {
          enabled: true,
          socketPath: discovery.path,
          unsupported: discovery.unsupported,
          source: discovery.source,
          daemonWebhookUrl: readDaemonWebhookUrl({ env, homedir: homedir(), readFile: readFileOrNull }),
        },
        warmUpAfterMs: WARM_UP_DELAY_MS,
      });
      void controller.warmUp.then((outcome) => {
        const line = describeWarmUp(outcome);
        if (line) log(line);
      });
      return controller;
    },
  });
  if (running === null) log('already running: showing the other instance');
}

main().catch((err: unknown) => {
  const message = err instanceof Error ? (err.stack ?? err.message) : String(err);
  log(`Pilot Webhook failed to start: ${message}`);
  if (app.isReady()) dialog.showErrorBox('Pilot Webhook could not start', message);
  app.exit(1);
});
