// The counters: one compact row of what matters (received, delivered, failed, waiting, not sent,
// sent again) and every other counter behind a disclosure. Each value is a <dd> labelled by its
// <dt>, so "Delivered" names its number for screen readers and tests alike.
//
// "Received" is the events the app received, each once. The other counters add the destinations
// up (AppState.stats): one event sent to three destinations is three deliveries. With several
// destinations "Deliveries" stands beside "Received" and the line under the row says so.
//
// They count since the app started; the line beside them says so, and says when the log below
// also holds earlier runs' history — after a restart, old failures in the log are not left next
// to zero counters without a word.

import type { AppState } from '../shared/bridge';
import type { Stats } from '../shared/delivery';
import { byId, setAttr, setHidden, setText } from './dom';
import { formatClock, formatCount } from './format';

/** The row's derived figures, beside the plain counters. */
type Shown = Stats & { notSent: number };

/**
 * "Received" counts the node's events: copies sent again are in `stats.received` (so the
 * accounting adds up) but shown apart, under "Sent again".
 */
export function shownStats(s: Stats): Shown {
  const resent = s.resent ?? 0;
  return {
    ...s,
    received: s.received - resent,
    resent,
    notSent: s.dropped + s.circuitSkips + s.abandoned + s.unsent,
  };
}

export class Counters {
  private readonly stats: [keyof Shown, HTMLElement][] = [];
  private readonly client: [keyof AppState['client'], HTMLElement][] = [];
  private readonly history: HTMLElement | null;
  private readonly scope = byId('counters-scope', HTMLElement);
  private readonly events = byId('received-events', HTMLElement);
  private readonly receivedBox = byId('counter-received', HTMLElement);
  private readonly deliveriesBox = byId('counter-deliveries', HTMLElement);

  constructor(root: ParentNode = document) {
    for (const dd of root.querySelectorAll<HTMLElement>('[data-stat]')) {
      this.stats.push([dd.dataset.stat as keyof Shown, dd]);
    }
    for (const dd of root.querySelectorAll<HTMLElement>('[data-client]')) {
      this.client.push([dd.dataset.client as keyof AppState['client'], dd]);
    }
    this.history = root.querySelector<HTMLElement>('[data-history="records"]');
  }

  /** `earlier`: log entries in this window from before the app last started. */
  update(state: AppState, earlier: number): void {
    const shown = shownStats(state.stats);
    for (const [key, dd] of this.stats) setText(dd, formatCount(shown[key] ?? 0));
    const dests = state.destinations?.length ?? 0;
    // Absent where this process receives nothing itself (a fleet deliver process): deliveries only.
    const events = state.eventsReceived;
    setText(this.events, formatCount(events ?? 0));
    setHidden(this.receivedBox, events === undefined);
    setHidden(this.deliveriesBox, events !== undefined && dests < 2);
    for (const [key, dd] of this.client) setText(dd, formatCount(state.client[key] ?? 0));
    if (this.history) setText(this.history, state.history.durable ? formatCount(state.history.records) : 'not kept');
    const now = Date.now();
    const since = state.startedAt === undefined ? 'Since the app started' : `Since start at ${formatClock(state.startedAt, now)}`;
    let text = since;
    // The counters after "Received" add the destinations up (the Destinations panel has each one's own).
    if (events === undefined) text += ` · deliveries this process made${dests > 1 ? `, one per event and destination (${dests})` : ''}`;
    else if (dests > 1) text += ` · Received counts each event once, the rest once per destination (${dests})`;
    if (earlier > 0) {
      text += ` · the log also shows ${formatCount(earlier)} ${earlier === 1 ? 'entry' : 'entries'} from earlier runs (times in italics), not counted here`;
    }
    setAttr(this.scope, 'data-restart', String(earlier > 0 && state.stats.received === 0));
    setText(this.scope, text);
  }
}
