// The tray: the pure menu per status kind, and the Tray object kept in step with state pushes.

import { describe, expect, it, vi } from 'vitest';
import { STATUS_KINDS, createTray, trayIconPath } from '../../src/main/shell/tray';
import { MAX_TRAY_DESTINATIONS, TRAY_ITEM_IDS, buildTrayMenu, type TrayActions } from '../../src/main/shell/tray-menu';
import { CLOSED_BREAKER, emptyStats } from '../../src/shared/delivery';
import type { DestinationSummary } from '../../src/shared/destination-summary';
import type { AppState } from '../../src/shared/bridge';
import type { IconKind } from '../../src/shared/status';
import { FakeTray, createFakeElectron } from '../fixtures/fake-electron';
import { sampleState } from '../fixtures/sample-state';

const NOW = 1_700_000_000_000;

const STATES: Record<IconKind, AppState> = {
  delivering: sampleState(),
  failing: sampleState({ breaker: { state: 'closed', openUntil: null, consecutiveFailures: 2, held: 0, probing: false, refusing: null } }),
  circuit_open: sampleState({ breaker: { state: 'open', openUntil: NOW + 12_000, consecutiveFailures: 5, held: 0, probing: false, refusing: null } }),
  paused: sampleState({ paused: true }),
  no_url: sampleState({ url: null }),
  daemon_disconnected: sampleState({ daemon: { ...sampleState().daemon, connected: false, error: 'connect ENOENT /tmp/pilot.sock' } }),
};

function recordingActions(): { actions: TrayActions; log: string[] } {
  const log: string[] = [];
  const actions: TrayActions = {
    openWindow: () => log.push('open'),
    pause: () => log.push('pause'),
    resume: () => log.push('resume'),
    sendTest: () => log.push('test'),
    openLink: (link) => log.push(`link:${link}`),
    copyUrl: () => log.push('copy'),
    setStartAtLogin: (on) => log.push(`login:${on}`),
    quit: () => log.push('quit'),
  };
  return { actions, log };
}

/** The menu as the user reads it: label, and flags where they matter. */
function visible(state: AppState, login = false) {
  return buildTrayMenu(state, NOW, login, recordingActions().actions).template.map((i) =>
    i.type === 'separator' ? '---' : `${i.label}${i.enabled === false ? ' (disabled)' : ''}${i.type === 'checkbox' ? (i.checked ? ' [x]' : ' [ ]') : ''}`,
  );
}

describe('buildTrayMenu (pure)', () => {
  it.each(STATUS_KINDS.map((k) => [k]))('%s: status line, icon kind and tooltip follow the state', (kind) => {
    const view = buildTrayMenu(STATES[kind], NOW, false, recordingActions().actions);
    expect(view.status.kind).toBe(kind);
    expect(view.template[0]).toMatchObject({ id: TRAY_ITEM_IDS.status, label: view.status.label, enabled: false });
    expect(view.tooltip).toBe(`Pilot Webhook: ${view.status.label}`);
  });

  it('delivering: every command available', () => {
    expect(visible(STATES.delivering)).toStrictEqual([
      'Delivering (disabled)',
      '---',
      'Open delivery log',
      'Destinations…',
      'Pause deliveries',
      'Send test event',
      'Resend undelivered…',
      'Copy webhook URL',
      '---',
      'Start at login [ ]',
      '---',
      'Quit Pilot Webhook',
    ]);
  });

  it('paused offers Resume instead of Pause', () => {
    expect(visible(STATES.paused)).toContain('Resume deliveries');
    expect(visible(STATES.paused)).not.toContain('Pause deliveries');
  });

  it('no URL: nothing to test or copy', () => {
    const menu = visible(STATES.no_url);
    expect(menu).toContain('Send test event (disabled)');
    expect(menu).toContain('Copy webhook URL (disabled)');
    expect(menu).toContain('Resend undelivered… (disabled)');
    expect(menu[0]).toBe('No URL (disabled)');
  });

  it('circuit open shows the countdown; daemon lost says so', () => {
    expect(visible(STATES.circuit_open)[0]).toBe('Circuit open, retrying in 12 s (disabled)');
    expect(visible(STATES.daemon_disconnected)[0]).toBe('Daemon not connected (disabled)');
  });

  it('a receiver refusing events reads "Failing" even before the breaker counts anything', () => {
    const view = buildTrayMenu(STATES.delivering, NOW, false, recordingActions().actions, 'client_error');
    expect(view.status.kind).toBe('failing');
  });

  it('counts what is undelivered, links to the failures, and shows the version', () => {
    const { actions, log } = recordingActions();
    const stats = { ...sampleState().stats, received: 20, delivered: 8, failed: 5, circuitSkips: 4, dropped: 2, resent: 1 };
    const state = sampleState({ stats });
    const menu = buildTrayMenu(state, NOW, false, actions, null, '1.2.3').template;
    const labels = menu.map((i) => i.label);
    // 5 failed + 4 skipped + 2 dropped, less the 1 already sent again.
    expect(labels).toContain('Resend 10 undelivered…');
    expect(labels).toContain('Show 5 failed events');
    expect(menu.find((i) => i.id === TRAY_ITEM_IDS.version)).toMatchObject({ label: 'Pilot Webhook 1.2.3', enabled: false });
    (menu.find((i) => i.id === TRAY_ITEM_IDS.failures)!.click as unknown as () => void)();
    expect(log).toStrictEqual(['link:failures']);
    // Nothing failed: no failures item.
    expect(buildTrayMenu(STATES.delivering, NOW, false, actions).template.some((i) => i.id === TRAY_ITEM_IDS.failures)).toBe(false);
  });

  it('several destinations: one line each with its state, opening the Destinations panel; the tooltip counts the troubled', () => {
    const dest = (id: string, name: string, kind: DestinationSummary['status']['kind'], text: string): DestinationSummary => ({
      id, name, url: `http://127.0.0.1:9/${id}`, enabled: kind !== 'off', primary: id === 'a', format: 'pilot', topics: [], rateLimit: null,
      headers: {}, secret: { set: false, hint: null }, stats: emptyStats(), breaker: { ...CLOSED_BREAKER }, client: { dropped: 0, circuitSkips: 0 }, concurrencyInUse: 1, status: { kind, text },
    });
    const { actions, log } = recordingActions();
    const state = sampleState({
      destinations: [
        dest('a', 'Webhook', 'delivering', 'Delivering'),
        dest('b', 'Team ‮Slack', 'open', 'Circuit open, retrying in 12 s'),
        dest('c', 'Archive', 'off', 'Off: events are not sent here'),
      ],
    });
    const view = buildTrayMenu(state, NOW, false, actions);
    const labels = view.template.map((i) => i.label);
    expect(labels.slice(0, 5)).toStrictEqual([
      'Delivering',
      undefined,
      '● Webhook: Delivering',
      // A name from outside is shown with its bidi characters neutralised.
      '▲ Team [U+202E]Slack: Circuit open, retrying in 12 s',
      '○ Archive: Off: events are not sent here',
    ]);
    expect(labels).toContain('Destinations (3)…');
    expect(view.tooltip).toBe('Pilot Webhook: Delivering · 1 of 3 destinations failing');
    (view.template.find((i) => i.id === `${TRAY_ITEM_IDS.destinationPrefix}b`)!.click as unknown as () => void)();
    (view.template.find((i) => i.id === TRAY_ITEM_IDS.destinations)!.click as unknown as () => void)();
    expect(log).toStrictEqual(['link:destinations', 'link:destinations']);

    // One destination: the status line says it; no per-destination lines.
    const one = buildTrayMenu(sampleState({ destinations: [dest('a', 'Webhook', 'delivering', 'Delivering')] }), NOW, false, actions);
    expect(one.template.some((i) => String(i.id).startsWith(TRAY_ITEM_IDS.destinationPrefix))).toBe(false);
    expect(one.tooltip).toBe('Pilot Webhook: Delivering');

    // Many: the first ones by name, the rest in one line.
    const many = Array.from({ length: MAX_TRAY_DESTINATIONS + 3 }, (_, i) => dest(`d${i}`, `Hook ${i}`, 'delivering', 'Delivering'));
    const big = buildTrayMenu(sampleState({ destinations: many }), NOW, false, actions).template;
    expect(big.filter((i) => String(i.id).startsWith(TRAY_ITEM_IDS.destinationPrefix))).toHaveLength(MAX_TRAY_DESTINATIONS);
    expect(big.find((i) => i.id === TRAY_ITEM_IDS.moreDestinations)?.label).toBe('and 3 more…');
  });

  it('Start at login is a checkbox reflecting the current setting', () => {
    expect(visible(STATES.delivering, true)).toContain('Start at login [x]');
  });

  it('each item runs its action', () => {
    const { actions, log } = recordingActions();
    const items = buildTrayMenu(STATES.delivering, NOW, false, actions).template;
    const click = (id: string, checked?: boolean) =>
      (items.find((i) => i.id === id)!.click as unknown as (item: { checked?: boolean }) => void)({ checked });
    click(TRAY_ITEM_IDS.open);
    click(TRAY_ITEM_IDS.pauseResume);
    click(TRAY_ITEM_IDS.sendTest);
    click(TRAY_ITEM_IDS.redeliverFailed);
    click(TRAY_ITEM_IDS.copyUrl);
    click(TRAY_ITEM_IDS.startAtLogin, true);
    click(TRAY_ITEM_IDS.quit);
    const paused = buildTrayMenu(STATES.paused, NOW, false, actions).template;
    (paused.find((i) => i.id === TRAY_ITEM_IDS.pauseResume)!.click as unknown as () => void)();
    expect(log).toStrictEqual(['open', 'pause', 'test', 'link:resend', 'copy', 'login:true', 'quit', 'resume']);
  });
});

describe('createTray', () => {
  const iconDir = '/res/tray';
  /** A tray over the fake electron, starting in `initialState`, with recording actions. */
  const trayShowing = (electron: ReturnType<typeof createFakeElectron>['electron'], initialState: AppState) =>
    createTray(electron, { iconDir, actions: recordingActions().actions, isLoginItemEnabled: () => false, now: () => NOW, initialState });

  it('shows the icon, tooltip and menu of the state, and follows changes', () => {
    const { electron } = createFakeElectron();
    const handle = trayShowing(electron, STATES.no_url);
    const tray = FakeTray.instances[0]!;
    expect(handle).not.toBeNull();
    expect(tray.image).toStrictEqual({ path: trayIconPath(iconDir, 'no_url') });
    expect(trayIconPath(iconDir, 'no_url')).toBe('/res/tray/tray-no_url.png');
    expect(tray.tooltip).toBe('Pilot Webhook: No URL');
    for (const kind of STATUS_KINDS) {
      handle!.update(STATES[kind], null);
      expect(tray.image, kind).toStrictEqual({ path: `/res/tray/tray-${kind}.png` });
      expect(tray.menu!.template[0]!.label).toBe(tray.tooltip.replace('Pilot Webhook: ', ''));
    }
  });

  it('does not rebuild an identical menu on every push', () => {
    const { electron } = createFakeElectron();
    const handle = trayShowing(electron, STATES.delivering)!;
    const tray = FakeTray.instances[0]!;
    const builds = tray.menuBuilds;
    for (let i = 0; i < 10; i++) handle.update(sampleState({ stats: { ...sampleState().stats, received: i } }), null);
    expect(tray.menuBuilds).toBe(builds);
    handle.update(STATES.paused, null);
    expect(tray.menuBuilds).toBe(builds + 1);
  });

  it('a click on the icon opens the window; the menu items reach the actions', () => {
    const { electron } = createFakeElectron();
    const { actions, log } = recordingActions();
    createTray(electron, { iconDir, actions, isLoginItemEnabled: () => false, now: () => NOW, initialState: STATES.delivering });
    const tray = FakeTray.instances[0]!;
    tray.emit('click');
    tray.clickItem(TRAY_ITEM_IDS.startAtLogin);
    expect(log).toStrictEqual(['open', 'login:true']);
  });

  it('the countdown moves once a second while the circuit is open, and stops after', () => {
    vi.useFakeTimers();
    try {
      const { electron } = createFakeElectron();
      let now = NOW;
      const handle = createTray(electron, { iconDir, actions: recordingActions().actions, isLoginItemEnabled: () => false, now: () => now, initialState: STATES.circuit_open })!;
      const tray = FakeTray.instances[0]!;
      expect(tray.tooltip).toBe('Pilot Webhook: Circuit open, retrying in 12 s');
      now += 1_000;
      vi.advanceTimersByTime(1_000);
      expect(tray.tooltip).toBe('Pilot Webhook: Circuit open, retrying in 11 s');
      expect(tray.menu!.template[0]!.label).toBe('Circuit open, retrying in 11 s');
      handle.update(STATES.delivering, null);
      const builds = tray.menuBuilds;
      now += 5_000;
      vi.advanceTimersByTime(5_000);
      expect(tray.menuBuilds).toBe(builds);
      handle.destroy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('another destination in trouble while the primary delivers: its icon, its name in the tooltip and status line, counting down', () => {
    vi.useFakeTimers();
    try {
      const { electron } = createFakeElectron();
      let now = NOW;
      const dest = (id: string, name: string, breaker: DestinationSummary['breaker'], kind: DestinationSummary['status']['kind']): DestinationSummary => ({
        id, name, url: `http://127.0.0.1:9/${id}`, enabled: true, primary: id === 'primary', format: 'pilot', topics: [], rateLimit: null,
        headers: {}, secret: { set: false, hint: null }, stats: emptyStats(), breaker, client: { dropped: 0, circuitSkips: 0 }, concurrencyInUse: 1, status: { kind, text: '' },
      });
      const open = { ...CLOSED_BREAKER, state: 'open' as const, openUntil: NOW + 12_000, consecutiveFailures: 5 };
      const state = sampleState({ destinations: [dest('primary', 'Webhook', { ...CLOSED_BREAKER }, 'delivering'), dest('d1', 'Team alerts', open, 'open')] });
      const handle = createTray(electron, { iconDir, actions: recordingActions().actions, isLoginItemEnabled: () => false, now: () => now, initialState: state })!;
      const tray = FakeTray.instances[0]!;
      expect(tray.image).toStrictEqual({ path: '/res/tray/tray-circuit_open.png' });
      expect(tray.tooltip).toBe('Pilot Webhook: Team alerts: Circuit open, retrying in 12 s · 1 of 2 destinations failing');
      expect(tray.menu!.template[0]!.label).toBe('Team alerts: Circuit open, retrying in 12 s');
      now += 1_000;
      vi.advanceTimersByTime(1_000);
      expect(tray.tooltip).toBe('Pilot Webhook: Team alerts: Circuit open, retrying in 11 s · 1 of 2 destinations failing');
      // A failing one (breaker still closed) shows the failing icon, named.
      handle.update(sampleState({ destinations: [state.destinations[0]!, dest('d1', 'Team alerts', { ...CLOSED_BREAKER, consecutiveFailures: 1 }, 'failing')] }), null);
      expect(tray.image).toStrictEqual({ path: '/res/tray/tray-failing.png' });
      expect(tray.tooltip).toBe('Pilot Webhook: Team alerts: Failing · 1 of 2 destinations failing');
      // All well again: back to the primary's state.
      handle.update(sampleState({ destinations: [state.destinations[0]!, dest('d1', 'Team alerts', { ...CLOSED_BREAKER }, 'delivering')] }), null);
      expect(tray.image).toStrictEqual({ path: '/res/tray/tray-delivering.png' });
      expect(tray.tooltip).toBe('Pilot Webhook: Delivering');
      handle.destroy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('macOS gets template images (black and alpha, tinted by the menu bar)', () => {
    expect(trayIconPath(iconDir, 'failing', 'darwin')).toBe('/res/tray/tray-failingTemplate.png');
    const { electron } = createFakeElectron();
    createTray(electron, { iconDir, actions: recordingActions().actions, isLoginItemEnabled: () => false, now: () => NOW, initialState: STATES.paused, platform: 'darwin' });
    expect(FakeTray.instances[0]!.image).toStrictEqual({ path: '/res/tray/tray-pausedTemplate.png' });
  });

  it('returns null when no tray can be created', () => {
    const { electron } = createFakeElectron();
    FakeTray.failToCreate = true;
    const handle = trayShowing(electron, STATES.delivering);
    expect(handle).toBeNull();
  });
});
