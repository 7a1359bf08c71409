// "Start at login" on every platform: Electron's login items on macOS and Windows, an XDG autostart
// entry on Linux. Started at login, the app comes up in the tray without opening its window.

import type { App } from 'electron';
import { autostartDir, linuxAutostart, type LinuxAutostart } from './autostart-linux';

/** Passed when started at login: stay in the tray, do not open the window. */
export const HIDDEN_ARG = '--hidden';

export interface LoginItem {
  isEnabled(): boolean;
  setEnabled(enabled: boolean): void;
}

export interface LoginItemContext {
  platform: NodeJS.Platform;
  env: NodeJS.ProcessEnv;
  home: string;
  /** process.execPath */
  execPath: string;
  productName: string;
}

/**
 * The command the login entry runs. An AppImage runs from a temporary mount that is gone after
 * exit, so its entry must name the AppImage file itself ($APPIMAGE, set by the AppImage runtime).
 */
export function loginCommand(ctx: Pick<LoginItemContext, 'env' | 'execPath'>): string[] {
  return [ctx.env.APPIMAGE || ctx.execPath, HIDDEN_ARG];
}

export function createLoginItem(app: Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings'>, ctx: LoginItemContext): LoginItem {
  if (ctx.platform === 'linux') {
    const xdg: LinuxAutostart = linuxAutostart(autostartDir(ctx.env, ctx.home), {
      name: ctx.productName,
      comment: 'Forwards your Pilot daemon events to your webhook',
      command: loginCommand(ctx),
    });
    return xdg;
  }
  return {
    isEnabled: () => app.getLoginItemSettings().openAtLogin,
    setEnabled: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled, args: [HIDDEN_ARG] }),
  };
}

/** Started by the login entry (or by hand with --hidden): begin in the tray. */
export function startedHidden(argv: readonly string[], app: Pick<App, 'getLoginItemSettings'>, platform: NodeJS.Platform): boolean {
  if (argv.includes(HIDDEN_ARG)) return true;
  // macOS starts login items without arguments, but says so.
  return platform === 'darwin' && app.getLoginItemSettings().wasOpenedAtLogin === true;
}
