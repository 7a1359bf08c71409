// The counters: one compact row of what matters (received, delivered, failed, waiting, not sent,
// sent again) and every other counter behind a disclosure. Each value is a <dd> labelled by its
// <dt>, so "Delivered" names its number for screen readers and tests alike.
//
// They count since the app started; the line beside them says so, and says when the log below
// also holds earlier runs' history — after a restart, old failures in the log are not left next
// to zero counters without a word.

import type { AppState } from '../shared/bridge';
import type { Stats } from '../shared/delivery';
import { byId, setAttr, setText } from './dom';
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
    for (const [key, dd] of this.client) setText(dd, formatCount(state.client[key] ?? 0));
    if (this.history) setText(this.history, state.history.durable ? formatCount(state.history.records) : 'not kept');
    const now = Date.now();
    const since = state.startedAt === undefined ? 'Since the app started' : `Since start at ${formatClock(state.startedAt, now)}`;
    let text = since;
    const dests = state.destinations?.length ?? 0;
    // The counters add the destinations up: one event sent to two destinations counts twice
    // (the Destinations panel has each one's own).
    if (dests > 1) text += ` · sum of ${dests} destinations`;
    if (earlier > 0) {
      text += ` · the log also shows ${formatCount(earlier)} ${earlier === 1 ? 'entry' : 'entries'} from earlier runs (times in italics), not counted here`;
    }
    setAttr(this.scope, 'data-restart', String(earlier > 0 && state.stats.received === 0));
    setText(this.scope, text);
  }
}
