// The window's entry: picks the bridge (Electron's preload, or the web bridge in the headless
// page), wires the parts to its pushes, loads the current state and recent log, and owns the
// page-wide keys (`/` filter, `?` help, `s` Setup, `d` Destinations, Escape closes the details
// from anywhere) and the deep links (`#failures`, `#resend`, `#destinations`) the tray opens the
// window with.

import type { AppState, Bridge } from '../shared/bridge';
import type { DeliveryRecord } from '../shared/delivery';
import { safeText } from '../shared/safe-text';
import { ActivityChart } from './activity-chart';
import { Counters } from './counters';
import { DaemonPanel } from './daemon-panel';
import { DestinationStrip } from './destination-strip';
import { DestinationsPanel } from './destinations-panel';
import { FleetPanel } from './fleet-panel';
import { DetailsPanel } from './details-panel';
import { confirmAction, dialogOpen, openHelp } from './dialogs';
import { byId, setHidden } from './dom';
import { formatClock, formatCount } from './format';
import { FrameBatch } from './frame-batch';
import { HistoryPanel } from './history-panel';
import { LogPanel } from './log-panel';
import { Notices } from './notices';
import { PauseButton } from './pause-button';
import { Reachability } from './reachability';
import { eventsWord, planResend } from './resend-plan';
import { SecretPanel } from './secret-panel';
import { SetupPanel } from './setup-panel';
import { StatusBadge } from './status-badge';
import { UndoToast } from './undo-toast';
import { UrlForm } from './url-form';
import { createWebBridge, historyDownloader, takeToken, type WebBridge } from './web-bridge';

declare global {
  interface Window {
    /** set by the Electron preload (contextBridge); absent in the headless page */
    pilot?: Bridge;
  }
}

/** Records loaded when the window opens; older ones stay in the host's log. */
const INITIAL_LOG_LIMIT = 1_000;

function sessionStore(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** True when a key press is typing into a field, where page shortcuts must not fire. */
function typing(target: EventTarget | null): boolean {
  return target instanceof HTMLInputElement || target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement ||
    (target instanceof HTMLElement && target.isContentEditable);
}

function start(): void {
  const token = window.pilot ? null : takeToken(location, history, sessionStore());
  const web: WebBridge | null = window.pilot ? null : createWebBridge(token);
  const bridge: Bridge = window.pilot ?? web!;

  const notices = new Notices();
  const badge = new StatusBadge();
  const counters = new Counters(document);
  const toast = new UndoToast();
  const secret = new SecretPanel(bridge);
  const daemon = new DaemonPanel(bridge);
  const fleet = new FleetPanel();
  const pause = new PauseButton(bridge, (message) => notices.setConnection(message));
  const demoTag = byId('demo-tag', HTMLElement);
  const historyPanel = new HistoryPanel(bridge, web === null ? null : historyDownloader(token));
  const chart = new ActivityChart();

  let state: AppState | null = null;
  const setup = new SetupPanel(() => {
    details.close(false);
    destinations.close(false);
  });
  /** Opens a record's details; closing them goes back to `back` (the log row by default). */
  const openRecord = async (id: number, back?: () => void): Promise<void> => {
    let record = log.get(id);
    if (record === undefined) record = (await bridge.getLog({ before: id + 1, limit: 1 })).records.find((r) => r.id === id);
    if (record === undefined) return;
    log.select(record.id);
    log.reveal(record.id);
    details.open(record, back ?? (() => log.focus()));
  };
  const details = new DetailsPanel(bridge, () => {
    log.select(null);
    log.reveal(null as unknown as number);
  }, (id) => void openRecord(id), () => {
    setup.close(false);
    destinations.close(false);
  });
  const log = new LogPanel((record) => {
    log.select(record.id);
    log.reveal(record.id);
    details.open(record, () => log.focus());
  });
  details.destinationName = (r) => log.destinationNameOf(r);
  details.destinationOf = (r) => {
    const list = state?.destinations ?? [];
    const id = r.destinationId ?? list.find((d) => d.primary)?.id;
    return list.find((d) => d.id === id);
  };
  /** Filters the log to one destination and loads its older entries the window does not hold. */
  const showDestinationInLog = (id: string | null): void => {
    log.showDestination(id);
    const d = id === null ? undefined : state?.destinations?.find((x) => x.id === id);
    chart.showDestination(id === null ? null : { keys: d?.primary ? [id, ''] : [id], name: safeText(d?.name ?? id) });
    if (id === null) return;
    void bridge.getLog({ destination: id, limit: INITIAL_LOG_LIMIT }).then(
      (page) => log.add(page.records, true),
      (err: unknown) => notices.setConnection(`Could not load that destination’s entries: ${err instanceof Error ? err.message : String(err)}`),
    );
  };
  log.onDestinationFilter = showDestinationInLog;
  const destinations = new DestinationsPanel(bridge, () => {
    details.close(false);
    setup.close(false);
  }, (id) => {
    showDestinationInLog(id);
    log.focus();
  }, (id) => void openRecord(id, () => {
    destinations.open(false);
    byId('dest-h', HTMLElement).focus();
  }));
  const strip = new DestinationStrip((id) => showDestinationInLog(id));
  // From Setup's test result: closing the details goes back to Setup, where the user was.
  const urlForm = new UrlForm(bridge, toast, (id) => void openRecord(id, () => {
    setup.open(false);
    byId('url-test', HTMLButtonElement).focus();
  }));

  const renderState = (s: AppState): void => {
    state = s;
    log.setStartedAt(s.startedAt ?? null);
    badge.update(s, log.lastFinished());
    counters.update(s, log.earlierCount());
    urlForm.update(s);
    secret.update(s);
    daemon.update(s.daemon);
    fleet.update(s.fleet);
    historyPanel.update(s);
    pause.update(s);
    setup.update(s);
    destinations.update(s);
    strip.update(s);
    log.setDestinations(s.destinations ?? []);
    details.setSecretSet(s.secret.set);
    notices.setWarnings(s.warnings);
    setHidden(demoTag, !s.demo);
  };
  const states = new FrameBatch<AppState>((all) => renderState(all[all.length - 1]!));
  const records = new FrameBatch<DeliveryRecord>((batch) => {
    chart.observe(batch, (id) => log.get(id));
    log.add(batch);
    const openId = details.openId;
    const open = openId === null ? undefined : log.get(openId);
    if (open) details.refresh(open);
    if (state) badge.update(state, log.lastFinished());
  });

  /** States pushed so far: a fetched state older than a push must not be shown after it. */
  let pushedStates = 0;
  const load = async (): Promise<void> => {
    try {
      const pushesBefore = pushedStates;
      const fetched = await bridge.getState();
      // A push that arrived while the fetch was under way is at least as new, and every later
      // change comes as a push too: the fetched state would only put an older one back on screen
      // (a destination made meanwhile stayed missing from the panel).
      if (pushedStates === pushesBefore) states.add([fetched]);
      const page = await bridge.getLog({ limit: INITIAL_LOG_LIMIT });
      chart.observe(page.records, (id) => log.get(id));
      log.add(page.records, true);
      if (state) counters.update(state, log.earlierCount());
    } catch (err) {
      notices.setConnection(`Could not load the app’s state: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  // The workspace lays the log out beside (or above) whichever panel is open.
  const workspace = byId('workspace', HTMLElement);
  const panels = [byId('details', HTMLElement), byId('setup', HTMLElement), byId('dest-panel', HTMLElement)];
  const syncPanels = (): void => {
    const open = panels.some((p) => !p.hidden) ? 'open' : 'closed';
    if (workspace.dataset.panel !== open) workspace.dataset.panel = open;
  };
  for (const p of panels) new MutationObserver(syncPanels).observe(p, { attributes: true, attributeFilter: ['hidden'] });
  syncPanels();

  const reach = new Reachability(() => bridge.getState(), () => void load());
  bridge.on('state', (s) => {
    reach.alive();
    pushedStates++;
    states.add([s]);
  });
  bridge.on('records', (batch) => records.add(batch));

  if (web !== null) {
    if (!web.hasToken) {
      notices.setConnection('This page needs its access token: open the address the headless host printed (it ends in #token=…).');
    }
    web.onStream((status) => {
      if (status === 'lost') reach.streamLost();
      else if (status === 'open') reach.streamOpen();
    });
  }

  const resendAll = async (): Promise<void> => {
    const plan = await planResend(bridge, 0, 'any_undelivered');
    if (plan.count === 0 || plan.oldest === null) {
      await confirmAction({ question: 'Nothing to resend.', detail: 'Every event in the history was delivered, filtered, or sent again already.', ok: 'OK' });
      return;
    }
    const n = `${plan.atLeast ? 'at least ' : ''}${formatCount(plan.count)}`;
    const sure = await confirmAction({
      question: `Resend ${n} undelivered ${eventsWord(plan.count)} since ${formatClock(plan.oldest, Date.now())}?`,
      detail: 'They are queued again as new entries, in the order they arrived; the originals stay in the log, linked to their copies.',
      ok: `Resend ${formatCount(plan.count)}`,
    });
    if (!sure) return;
    const since = plan.atLeast ? 0 : plan.oldest;
    const r = await bridge.redeliver({ since: new Date(since).toISOString(), outcome: 'any_undelivered' });
    notices.setConnection(r.ok ? null : `Nothing sent again: ${r.error.message}`);
  };
  byId('resend-all', HTMLButtonElement).addEventListener('click', () => void resendAll());
  byId('help-open', HTMLButtonElement).addEventListener('click', openHelp);
  byId('welcome-dests', HTMLButtonElement).addEventListener('click', () => destinations.open());

  const followHash = (): void => {
    const link = location.hash.replace(/^#/, '');
    if (link === 'failures') log.showOutcome('failed');
    else if (link === 'resend') void resendAll();
    else if (link === 'destinations') destinations.open();
    else return;
    history.replaceState(history.state, '', `${location.pathname}${location.search}`);
  };
  window.addEventListener('hashchange', followHash);

  document.addEventListener('keydown', (e) => {
    if (e.defaultPrevented || dialogOpen() || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape') {
      if (details.isOpen) {
        e.preventDefault();
        details.close();
      } else if (setup.isOpen && !typing(e.target)) {
        e.preventDefault();
        setup.close();
      } else if (destinations.isOpen) {
        e.preventDefault();
        destinations.escape();
      }
      return;
    }
    if (typing(e.target)) return;
    if (e.key === '/') {
      e.preventDefault();
      log.focusFilter();
    } else if (e.key === '?') {
      e.preventDefault();
      openHelp();
    } else if (e.key === 's') {
      e.preventDefault();
      if (setup.isOpen) setup.close();
      else setup.open();
    } else if (e.key === 'd') {
      e.preventDefault();
      if (destinations.isOpen) destinations.close();
      else destinations.open();
    }
  });

  void load().then(followHash);
}

start();
