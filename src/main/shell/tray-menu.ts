// The tray's menu and tooltip as a pure function of the state: rebuilt on every state push, and
// tested without Electron. Click handlers come in as `actions`, so the template holds no logic.

import type { MenuItemConstructorOptions } from 'electron';
import type { AppState, RedeliverArg } from '../../shared/bridge';
import type { Outcome } from '../../shared/delivery';
import { fleetSummary } from '../../shared/fleet';
import { statusOf, type Status } from '../../shared/status';

export const APP_DISPLAY_NAME = 'Pilot Webhook';

export interface TrayActions {
  openWindow(): void;
  pause(): void;
  resume(): void;
  sendTest(): void;
  /** sends every stored undelivered event again (REDELIVER_FAILED) */
  redeliverFailed(): void;
  copyUrl(): void;
  setStartAtLogin(enabled: boolean): void;
  quit(): void;
}

export interface TrayView {
  status: Status;
  tooltip: string;
  template: MenuItemConstructorOptions[];
}

/** Stable ids, so tests (and accessibility tools) can find an item without matching its text. */
export const TRAY_ITEM_IDS = {
  status: 'status',
  fleet: 'fleet',
  open: 'open',
  pauseResume: 'pause-resume',
  sendTest: 'send-test',
  redeliverFailed: 'redeliver-failed',
  copyUrl: 'copy-url',
  startAtLogin: 'start-at-login',
  quit: 'quit',
} as const;

/**
 * What "Send failed again" asks for: every undelivered event the history still holds (failed,
 * skipped by the breaker, dropped, abandoned, not sent for want of a URL) that was not sent again
 * already. Retention bounds how far back that goes.
 */
export const REDELIVER_FAILED: RedeliverArg = { since: '1970-01-01T00:00:00Z', outcome: 'any_undelivered' };

export function trayTooltip(status: Status): string {
  return `${APP_DISPLAY_NAME}: ${status.label}`;
}

export function buildTrayMenu(
  state: AppState,
  now: number,
  loginItemEnabled: boolean,
  actions: TrayActions,
  lastFinished: Outcome | null = null,
): TrayView {
  const status = statusOf(state, now, lastFinished);
  const hasUrl = state.url !== null;
  const template: MenuItemConstructorOptions[] = [
    // Disabled: a line of information, not a command.
    { id: TRAY_ITEM_IDS.status, label: status.label, enabled: false },
    // Fleet mode: which fleet, and how many of its NATS servers are reached (and what is wrong).
    ...(state.fleet ? [{ id: TRAY_ITEM_IDS.fleet, label: fleetSummary(state.fleet), enabled: false }] : []),
    { type: 'separator' },
    { id: TRAY_ITEM_IDS.open, label: `Open ${APP_DISPLAY_NAME}`, click: () => actions.openWindow() },
    state.paused
      ? { id: TRAY_ITEM_IDS.pauseResume, label: 'Resume deliveries', click: () => actions.resume() }
      : { id: TRAY_ITEM_IDS.pauseResume, label: 'Pause deliveries', click: () => actions.pause() },
    { id: TRAY_ITEM_IDS.sendTest, label: 'Send test event', enabled: hasUrl, click: () => actions.sendTest() },
    { id: TRAY_ITEM_IDS.redeliverFailed, label: 'Send failed again', enabled: hasUrl, click: () => actions.redeliverFailed() },
    { id: TRAY_ITEM_IDS.copyUrl, label: 'Copy webhook URL', enabled: hasUrl, click: () => actions.copyUrl() },
    { type: 'separator' },
    {
      id: TRAY_ITEM_IDS.startAtLogin,
      label: 'Start at login',
      type: 'checkbox',
      checked: loginItemEnabled,
      // The checkbox has already flipped when click runs: pass the new value on.
      click: (item) => actions.setStartAtLogin(item.checked),
    },
    { type: 'separator' },
    { id: TRAY_ITEM_IDS.quit, label: `Quit ${APP_DISPLAY_NAME}`, click: () => actions.quit() },
  ];
  return { status, tooltip: state.fleet ? `${trayTooltip(status)} (fleet ${state.fleet.name})` : trayTooltip(status), template };
}
