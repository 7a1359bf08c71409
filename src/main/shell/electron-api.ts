// The parts of Electron the shell uses, as one object passed in (menubar style) instead of imported:
// the composition root hands over the real module, tests a fake (test/fixtures/fake-electron.ts).
// Only types come from 'electron' here, so loading the shell never loads Electron.

import type {
  App,
  BrowserWindow,
  Clipboard,
  Dialog,
  IpcMain,
  Menu,
  NativeImage,
  Net,
  Notification,
  PowerMonitor,
  Protocol,
  SafeStorage,
  Shell,
  Tray,
} from 'electron';

export interface ShellElectron {
  app: App;
  BrowserWindow: typeof BrowserWindow;
  Tray: typeof Tray;
  Menu: Pick<typeof Menu, 'buildFromTemplate' | 'setApplicationMenu'>;
  protocol: Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>;
  Notification: typeof Notification;
  clipboard: Pick<Clipboard, 'writeText'>;
  dialog: Pick<Dialog, 'showSaveDialog' | 'showMessageBox'>;
  shell: Pick<Shell, 'openPath'>;
  safeStorage: Pick<SafeStorage, 'isEncryptionAvailable' | 'encryptString' | 'decryptString' | 'getSelectedStorageBackend'>;
  nativeImage: { createFromPath(path: string): NativeImage };
  /** sleep and wake-up: delivery attempts wait while the machine sleeps */
  powerMonitor?: Pick<PowerMonitor, 'on' | 'removeListener'>;
  /** offline: delivery attempts wait while there is no network */
  net?: Pick<Net, 'isOnline'>;
}
