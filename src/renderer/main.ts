// The window's entry: picks the bridge (Electron's preload, or the web bridge in the headless
// page), wires the parts to its pushes, and loads the current state and recent log.

import type { AppState, Bridge } from '../shared/bridge';
import type { DeliveryRecord } from '../shared/delivery';
import { Counters } from './counters';
import { DaemonPanel } from './daemon-panel';
import { DetailsPanel } from './details-panel';
import { byId } from './dom';
import { FrameBatch } from './frame-batch';
import { HistoryPanel } from './history-panel';
import { LogPanel } from './log-panel';
import { Notices } from './notices';
import { PauseButton } from './pause-button';
import { SecretPanel } from './secret-panel';
import { StatusBadge } from './status-badge';
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

function start(): void {
  const token = window.pilot ? null : takeToken(location, history, sessionStore());
  const web: WebBridge | null = window.pilot ? null : createWebBridge(token);
  const bridge: Bridge = window.pilot ?? web!;

  const notices = new Notices();
  const badge = new StatusBadge();
  const counters = new Counters(byId('counters', HTMLElement).closest('section') ?? document);
  const urlForm = new UrlForm(bridge);
  const secret = new SecretPanel(bridge);
  const daemon = new DaemonPanel(bridge);
  const pause = new PauseButton(bridge, (message) => notices.setConnection(message));
  const demoTag = byId('demo-tag', HTMLElement);
  const historyPanel = new HistoryPanel(bridge, web === null ? null : historyDownloader(token));

  let state: AppState | null = null;
  const details = new DetailsPanel(bridge, () => log.select(null));
  const log = new LogPanel((record) => {
    log.select(record.id);
    details.open(record, () => log.focus());
  });

  const renderState = (s: AppState): void => {
    state = s;
    badge.update(s, log.lastFinished());
    counters.update(s);
    urlForm.update(s);
    secret.update(s);
    daemon.update(s.daemon);
    historyPanel.update(s);
    pause.update(s);
    details.setSecretSet(s.secret.set);
    notices.setWarnings(s.warnings);
    demoTag.hidden = !s.demo;
  };
  const states = new FrameBatch<AppState>((all) => renderState(all[all.length - 1]!));
  const records = new FrameBatch<DeliveryRecord>((batch) => {
    log.add(batch);
    const openId = details.openId;
    const open = openId === null ? undefined : log.get(openId);
    if (open) details.refresh(open);
    if (state) badge.update(state, log.lastFinished());
  });

  bridge.on('state', (s) => states.add([s]));
  bridge.on('records', (batch) => records.add(batch));

  const load = async (): Promise<void> => {
    try {
      states.add([await bridge.getState()]);
      const page = await bridge.getLog({ limit: INITIAL_LOG_LIMIT });
      log.add(page.records, true);
    } catch (err) {
      notices.setConnection(`Could not load the app’s state: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  if (web !== null) {
    if (!web.hasToken) {
      notices.setConnection('This page needs its access token: open the address the headless host printed (it ends in #token=…).');
    }
    let lost = false;
    web.onStream((status) => {
      if (status === 'lost' && !lost) {
        lost = true;
        notices.setConnection('Lost the connection to the app. Reconnecting…');
      } else if (status === 'open' && lost) {
        lost = false;
        notices.setConnection(null);
        // Records that changed while the stream was down are only in the host's log.
        void load();
      }
    });
  }

  document.addEventListener('keydown', (e) => {
    if (e.key === 'Escape' && details.openId !== null && e.target instanceof Node && byId('log', HTMLElement).contains(e.target)) {
      details.close();
    }
  });

  void load();
}

start();
