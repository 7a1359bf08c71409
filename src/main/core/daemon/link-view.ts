// The daemon link's state as the window sees it. The link is a state machine over one value,
// DaemonView (its `phase` is the state; see DaemonPhase in shared/bridge.ts), changed only by
// patches through LinkStatus.update, so every listener hears every change and the hop totals
// (hop-counters.ts) are folded in wherever a Health reading arrives. On the way out every URL
// is masked: the daemon's and the user's URLs may carry credentials, and the window never gets
// a secret.

import type { DaemonView } from '../../../shared/bridge';
import { maskUrlCredentials } from '../../../shared/url-mask';
import { HopCounters } from './hop-counters';

/** The link's view (DaemonView; the name is kept for its callers). */
export type DaemonLinkView = DaemonView;

/** The view when the link is off for this run (--no-daemon). */
export function daemonOffView(): DaemonView {
  return {
    phase: 'off',
    connected: false,
    socket: null,
    nodeId: null,
    address: null,
    health: null,
    error: null,
    enabled: false,
    hop: { dropped: 0, circuitSkips: 0 },
    loss: null,
    takenBy: null,
    startEventsElsewhere: null,
    restore: null,
    lastEvent: null,
    warnings: [],
  };
}

/** The view before the first connection: searching for the socket, or off with the reason. */
export function initialView(socketPath: string | null, unsupportedReason: string | undefined, warnings: string[]): DaemonView {
  const off = socketPath === null;
  return {
    ...daemonOffView(),
    phase: off ? 'off' : 'searching',
    socket: socketPath,
    error: off ? (unsupportedReason ?? 'no daemon socket to connect to') : null,
    enabled: !off,
    warnings,
  };
}

/** The one holder of the link's state: changed by patch, every change told to the listeners. */
export class LinkStatus {
  /** lifetime totals of the daemon→app hop, across the daemon's per-client counter resets */
  readonly hop = new HopCounters();
  private readonly listeners = new Set<() => void>();
  private current: DaemonView;

  constructor(initial: DaemonView) {
    this.current = initial;
  }

  get state(): Readonly<DaemonView> {
    return this.current;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  update(patch: Partial<DaemonView>): void {
    if (patch.health) {
      this.hop.observe(patch.health);
      patch = { ...patch, hop: this.hop.totals() };
    }
    this.current = { ...this.current, ...patch };
    for (const listener of this.listeners) listener();
  }
}

/** The state for the window: every URL in it with its credentials masked (they are the user's secrets). */
export function maskedView(st: Readonly<DaemonView>, restore: DaemonView['restore']): DaemonView {
  const m = (t: string | null): string | null => (t === null ? null : maskUrlCredentials(t));
  return {
    ...st,
    health: st.health ? { ...st.health } : null,
    error: m(st.error),
    lastEvent: m(st.lastEvent),
    loss: st.loss && { ...st.loss, text: maskUrlCredentials(st.loss.text) },
    takenBy: st.takenBy && { url: m(st.takenBy.url), text: maskUrlCredentials(st.takenBy.text) },
    startEventsElsewhere: m(st.startEventsElsewhere),
    restore: restore && { ...restore, url: m(restore.url), why: maskUrlCredentials(restore.why), guess: m(restore.guess) },
    warnings: st.warnings.map(maskUrlCredentials),
  };
}
