// Where the shell finds its files, in development (the project folder) and packaged (app.asar plus
// resources/ beside it). Pure: the caller passes Electron's answers in.

import { join } from 'node:path';
import { APP_PAGE_URL } from './app-protocol';

export interface AppFiles {
  /** the sandboxed preload, one CommonJS file (scripts/build.mjs) */
  preload: string;
  /** the built window (index.html, app.js, styles.css), served as app:// (app-protocol.ts) */
  rendererDir: string;
  /** app:// URL of the page: what the window loads, and the only URL whose frame may call the bridge */
  pageUrl: string;
  /** folder of the tray icons, tray-<status>.png (+ @2x) */
  trayIconDir: string;
  /** the window icon (Linux and Windows show it in the task bar) */
  appIcon: string;
}

export interface AppLocation {
  /** app.getAppPath(): the project folder in development, resources/app.asar when packaged */
  appPath: string;
  /** app.isPackaged */
  isPackaged: boolean;
  /** process.resourcesPath: where electron-builder's extraResources land */
  resourcesPath: string;
}

/** Sub-folder of build/ (and of resources/ when packaged) holding the tray icons. */
export const TRAY_ICON_FOLDER = 'tray';

export function appFiles(loc: AppLocation): AppFiles {
  // Tray icons must be real files for some tray hosts (Linux StatusNotifier reads them by path), so
  // packaged builds ship them outside the asar archive as extraResources.
  const resourceRoot = loc.isPackaged ? loc.resourcesPath : join(loc.appPath, 'build');
  return {
    preload: join(loc.appPath, 'dist', 'preload.cjs'),
    rendererDir: join(loc.appPath, 'dist', 'renderer'),
    pageUrl: APP_PAGE_URL,
    trayIconDir: join(resourceRoot, TRAY_ICON_FOLDER),
    appIcon: join(resourceRoot, 'icon.png'),
  };
}
