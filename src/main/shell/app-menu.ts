// The application menu. Electron's default menu has View → Toggle Developer Tools and Reload,
// which a packaged build must not offer: there the menu is gone (Windows, Linux: the window has
// no menu bar) or, on macOS, where the menu bar also carries Quit and the copy/paste shortcuts of
// every text field, only the app and Edit menus remain. Development builds keep Electron's menu.

import type { MenuItemConstructorOptions } from 'electron';
import type { ShellElectron } from './electron-api';

/** What the packaged menu is: null (no menu) or a template; 'default' leaves Electron's own. */
export function applicationMenuTemplate(platform: NodeJS.Platform, isPackaged: boolean): MenuItemConstructorOptions[] | null | 'default' {
  if (!isPackaged) return 'default';
  if (platform === 'darwin') return [{ role: 'appMenu' }, { role: 'editMenu' }];
  return null;
}

export function installApplicationMenu(electron: Pick<ShellElectron, 'Menu'>, platform: NodeJS.Platform, isPackaged: boolean): void {
  const template = applicationMenuTemplate(platform, isPackaged);
  if (template === 'default') return;
  electron.Menu.setApplicationMenu(template === null ? null : electron.Menu.buildFromTemplate(template));
}
