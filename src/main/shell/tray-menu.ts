// The tray's menu and tooltip as a pure function of the state: rebuilt on every state push, and
// tested without Electron. Click handlers come in as `actions`, so the template holds no logic.

import type { MenuItemConstructorOptions } from 'electron';
import type { AppState } from '../../shared/bridge';
import type { Outcome } from '../../shared/delivery';
import type { DestinationSummary } from '../../shared/destination-summary';
import { fleetSummary } from '../../shared/fleet';
import { safeText } from '../../shared/safe-text';
import { statusOf, type Status } from '../../shared/status';

export const APP_DISPLAY_NAME = 'Pilot Webhook';

/**
 * Where in the window a tray item opens it: the log filtered to failures, the resend
 * confirmation, the Destinations panel.
 */
export type WindowLink = 'failures' | 'resend' | 'destinations';

export interface TrayActions {
  openWindow(): void;
  /** opens the window at a place: the failures in the log, or "Resend N undelivered…" to confirm */
  openLink(link: WindowLink): void;
  pause(): void;
  resume(): void;
  sendTest(): void;
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
  destinations: 'destinations',
  /** one line per destination: `destination:<id>` */
  destinationPrefix: 'destination:',
  moreDestinations: 'more-destinations',
  open: 'open',
  failures: 'failures',
  version: 'version',
  pauseResume: 'pause-resume',
  sendTest: 'send-test',
  redeliverFailed: 'redeliver-failed',
  copyUrl: 'copy-url',
  startAtLogin: 'start-at-login',
  quit: 'quit',
} as const;

export function trayTooltip(status: Status): string {
  return `${APP_DISPLAY_NAME}: ${status.label}`;
}

/**
 * Events of this run that were not delivered and not sent again yet: failed (4xx and 3xx
 * included), skipped, dropped, abandoned, not sent for want of a URL, less the copies already
 * sent again. Counted from the since-start counters; the window's confirmation counts the history
 * exactly before anything is sent.
 */
export function undeliveredSinceStart(state: AppState): number {
  const s = state.stats;
  return Math.max(0, s.failed + s.circuitSkips + s.dropped + s.abandoned + s.unsent - (s.resent ?? 0));
}

/** Destinations listed by name in the menu; more are summed up in one line. */
export const MAX_TRAY_DESTINATIONS = 8;

/** A mark before each destination's line, so its state reads at a glance without colour. */
const DESTINATION_MARKS: Readonly<Record<DestinationSummary['status']['kind'], string>> = {
  delivering: '●',
  failing: '▲',
  open: '▲',
  refusing: '▲',
  held: '‖',
  off: '○',
  'no-url': '○',
};

/** Destinations whose state needs the user: failing, circuit open, refusing every event. */
export function troubledDestinations(dests: readonly DestinationSummary[]): number {
  return dests.filter((d) => d.status.kind === 'failing' || d.status.kind === 'open' || d.status.kind === 'refusing').length;
}

/**
 * With several destinations, one line each ("● Team alerts: Delivering"), opening the window's
 * Destinations panel; with one, the status line above already says it all.
 */
function destinationItems(dests: readonly DestinationSummary[], actions: TrayActions): MenuItemConstructorOptions[] {
  if (dests.length < 2) return [];
  const open = (): void => actions.openLink('destinations');
  const shown = dests.slice(0, MAX_TRAY_DESTINATIONS).map((d): MenuItemConstructorOptions => ({
    id: `${TRAY_ITEM_IDS.destinationPrefix}${d.id}`,
    label: `${DESTINATION_MARKS[d.status.kind]} ${safeText(d.name)}: ${safeText(d.status.text)}`,
    click: open,
  }));
  const more = dests.length - shown.length;
  if (more > 0) shown.push({ id: TRAY_ITEM_IDS.moreDestinations, label: `and ${more} more…`, click: open });
  return [{ type: 'separator' }, ...shown];
}

function plural(n: number, one: string, many: string): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function buildTrayMenu(
  state: AppState,
  now: number,
  loginItemEnabled: boolean,
  actions: TrayActions,
  lastFinished: Outcome | null = null,
  /** the app's version, shown as the About line */
  version?: string,
): TrayView {
  const status = statusOf(state, now, lastFinished);
  const hasUrl = state.url !== null;
  const failed = state.stats.failed;
  const undelivered = undeliveredSinceStart(state);
  const dests = state.destinations ?? [];
  const troubled = troubledDestinations(dests);
  const template: MenuItemConstructorOptions[] = [
    // Disabled: a line of information, not a command.
    { id: TRAY_ITEM_IDS.status, label: status.label, enabled: false },
    // Fleet mode: which fleet, and how many of its NATS servers are reached (and what is wrong).
    ...(state.fleet ? [{ id: TRAY_ITEM_IDS.fleet, label: fleetSummary(state.fleet), enabled: false }] : []),
    ...destinationItems(dests, actions),
    { type: 'separator' },
    { id: TRAY_ITEM_IDS.open, label: 'Open delivery log', click: () => actions.openWindow() },
    { id: TRAY_ITEM_IDS.destinations, label: dests.length > 1 ? `Destinations (${dests.length})…` : 'Destinations…', click: () => actions.openLink('destinations') },
    ...(failed > 0
      ? [{ id: TRAY_ITEM_IDS.failures, label: `Show ${plural(failed, 'failed event', 'failed events')}`, click: () => actions.openLink('failures') }]
      : []),
    state.paused
      ? { id: TRAY_ITEM_IDS.pauseResume, label: 'Resume deliveries', click: () => actions.resume() }
      : { id: TRAY_ITEM_IDS.pauseResume, label: 'Pause deliveries', click: () => actions.pause() },
    { id: TRAY_ITEM_IDS.sendTest, label: 'Send test event', enabled: hasUrl, click: () => actions.sendTest() },
    // A bulk action says what it will do first: the window asks, with the exact count.
    {
      id: TRAY_ITEM_IDS.redeliverFailed,
      label: undelivered > 0 ? `Resend ${undelivered} undelivered…` : 'Resend undelivered…',
      enabled: hasUrl,
      click: () => actions.openLink('resend'),
    },
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
    ...(version === undefined ? [] : [{ id: TRAY_ITEM_IDS.version, label: `${APP_DISPLAY_NAME} ${version}`, enabled: false }]),
    { id: TRAY_ITEM_IDS.quit, label: `Quit ${APP_DISPLAY_NAME}`, click: () => actions.quit() },
  ];
  let tooltip = trayTooltip(status);
  if (troubled > 0 && dests.length > 1) tooltip += ` · ${troubled} of ${dests.length} destinations failing`;
  if (state.fleet) tooltip += ` (fleet ${state.fleet.name})`;
  return { status, tooltip, template };
}
