// The tray icon: one image per status kind, a tooltip, and the menu of tray-menu.ts, refreshed on
// every state push. Creating it can fail (no tray host); the caller then minimises instead of
// hiding, so the window is never lost.

import { join } from 'node:path';
import type { MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import type { AppState } from '../../shared/bridge';
import type { Outcome } from '../../shared/delivery';
import { countsDown, iconOf, type IconKind } from '../../shared/status';
import type { ShellElectron } from './electron-api';
import { buildTrayMenu, type TrayActions } from './tray-menu';

/** How often the open breaker's countdown is redrawn. */
export const COUNTDOWN_TICK_MS = 1000;

export const STATUS_KINDS: readonly IconKind[] = [
  'delivering',
  'failing',
  'circuit_open',
  'paused',
  'no_url',
  'daemon_disconnected',
];

/**
 * build/tray/tray-<kind>.png (16 px, the brand mark with a state badge) with tray-<kind>@2x.png
 * beside it for HiDPI screens; on macOS tray-<kind>Template.png, black and alpha only, which the
 * menu bar tints for light and dark (Electron treats a name ending in "Template" so).
 */
export function trayIconPath(dir: string, kind: IconKind, platform: NodeJS.Platform = 'linux'): string {
  return join(dir, platform === 'darwin' ? `tray-${kind}Template.png` : `tray-${kind}.png`);
}

export interface TrayOptions {
  iconDir: string;
  /** picks the icon set (macOS: template images); default linux */
  platform?: NodeJS.Platform;
  /** the app's version, for the About line */
  version?: string;
  actions: TrayActions;
  isLoginItemEnabled(): boolean;
  now(): number;
  initialState: AppState;
}

export interface TrayHandle {
  readonly tray: Tray;
  update(state: AppState, lastFinished: Outcome | null): void;
  destroy(): void;
}

/** What a menu looks like to the user: rebuilding an identical menu is skipped (it flickers on Linux). */
function menuKey(template: MenuItemConstructorOptions[]): string {
  return JSON.stringify(template.map((i) => [i.id, i.type, i.label, i.enabled, i.checked]));
}

export function createTray(
  e: Pick<ShellElectron, 'Tray' | 'Menu' | 'nativeImage'>,
  opts: TrayOptions,
): TrayHandle | null {
  const images = new Map<IconKind, NativeImage>();
  const imageFor = (kind: IconKind): NativeImage => {
    let img = images.get(kind);
    if (img === undefined) {
      img = e.nativeImage.createFromPath(trayIconPath(opts.iconDir, kind, opts.platform));
      images.set(kind, img);
    }
    return img;
  };

  let tray: Tray;
  const first = buildTrayMenu(opts.initialState, opts.now(), opts.isLoginItemEnabled(), opts.actions, null, opts.version);
  try {
    tray = new e.Tray(imageFor(iconOf(first.status.kind)));
  } catch {
    return null;
  }
  let shownKind: IconKind | null = null;
  let last: { state: AppState; lastFinished: Outcome | null } = { state: opts.initialState, lastFinished: null };
  // While the breaker is open the tooltip counts down: redrawn every second, not only on a push.
  let ticker: NodeJS.Timeout | null = null;
  let shownMenu = '';
  let shownTooltip = '';

  const render = (state: AppState, lastFinished: Outcome | null): void => {
    if (tray.isDestroyed()) return;
    last = { state, lastFinished };
    const view = buildTrayMenu(state, opts.now(), opts.isLoginItemEnabled(), opts.actions, lastFinished, opts.version);
    const icon = iconOf(view.status.kind);
    if (icon !== shownKind) {
      tray.setImage(imageFor(icon));
      shownKind = icon;
    }
    const counting = countsDown(state);
    if (counting && ticker === null) {
      ticker = setInterval(() => render(last.state, last.lastFinished), COUNTDOWN_TICK_MS);
      ticker.unref();
    } else if (!counting && ticker !== null) {
      clearInterval(ticker);
      ticker = null;
    }
    if (view.tooltip !== shownTooltip) {
      tray.setToolTip(view.tooltip);
      shownTooltip = view.tooltip;
    }
    const key = menuKey(view.template);
    if (key !== shownMenu) {
      tray.setContextMenu(e.Menu.buildFromTemplate(view.template));
      shownMenu = key;
    }
  };

  // Windows and macOS report a click on the icon; Linux tray hosts only open the menu.
  tray.on('click', () => opts.actions.openWindow());
  render(opts.initialState, null);
  return {
    tray,
    update: render,
    destroy: () => {
      if (ticker !== null) clearInterval(ticker);
      ticker = null;
      if (!tray.isDestroyed()) tray.destroy();
    },
  };
}
