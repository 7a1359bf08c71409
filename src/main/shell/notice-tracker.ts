// Which desktop notifications the state changes call for: the breaker opening and recovering, the
// daemon link lost and found. Transitions only (a thousand failed events are one "opened"), and
// debounced per topic so a flapping receiver or daemon does not flood the desktop. Pure: the clock
// is passed in.

import type { AppState } from '../../shared/bridge';

export type NoticeKind =
  | 'breaker_opened'
  | 'breaker_recovered'
  | 'daemon_lost'
  | 'daemon_found'
  /** a start found events the daemon lost while the app was not linked */
  | 'daemon_loss'
  /** someone else took the daemon's webhook (or another instance holds it) */
  | 'daemon_taken';

/** Each pair of notices tells one story; the debounce applies per story. */
type Topic = 'breaker' | 'daemon' | 'daemon_loss' | 'daemon_taken';

const TOPIC_OF: Readonly<Record<NoticeKind, Topic>> = {
  breaker_opened: 'breaker',
  breaker_recovered: 'breaker',
  daemon_lost: 'daemon',
  daemon_found: 'daemon',
  daemon_loss: 'daemon_loss',
  daemon_taken: 'daemon_taken',
};

/** At most one notice per topic per minute: enough to learn of a problem, not enough to nag. */
export const NOTICE_DEBOUNCE_MS = 60_000;

export interface Notice {
  kind: NoticeKind;
  /** the state the notice is about, for its text */
  state: AppState;
}

function breakerTransition(prev: AppState, next: AppState): NoticeKind | null {
  // closed → open is news; half-open → open is the same outage going on (a failed probe).
  if (prev.breaker.state === 'closed' && next.breaker.state === 'open') return 'breaker_opened';
  if (prev.breaker.state !== 'closed' && next.breaker.state === 'closed') return 'breaker_recovered';
  return null;
}

/** Where each story stands now: what a notice about it would say if shown at this moment. */
function currentKind(topic: Topic, state: AppState): NoticeKind {
  if (topic === 'breaker') return state.breaker.state === 'closed' ? 'breaker_recovered' : 'breaker_opened';
  if (topic === 'daemon_loss' || topic === 'daemon_taken') return topic;
  return state.daemon.connected ? 'daemon_found' : 'daemon_lost';
}

export class NoticeTracker {
  private prev: AppState | null = null;
  /** the daemon was connected at least once: "found" at start-up is not news */
  private daemonSeen = false;
  private readonly lastShownAt = new Map<Topic, number>();
  private readonly lastShownKind = new Map<Topic, NoticeKind>();
  /** stories with a transition held back by the debounce */
  private readonly pending = new Set<Topic>();

  constructor(private readonly debounceMs: number = NOTICE_DEBOUNCE_MS) {}

  /** Feeds the latest state; returns the notices to show now. */
  observe(next: AppState, now: number): Notice[] {
    const prev = this.prev;
    this.prev = next;
    const kinds: NoticeKind[] = [];
    if (prev !== null) {
      const b = breakerTransition(prev, next);
      if (b) kinds.push(b);
      if (next.daemon.enabled && prev.daemon.connected && !next.daemon.connected) kinds.push('daemon_lost');
      if (this.daemonSeen && !prev.daemon.connected && next.daemon.connected) kinds.push('daemon_found');
    }
    const lossNow = next.daemon.loss !== null && next.daemon.loss.dropped + next.daemon.loss.circuitSkips > 0;
    if (lossNow && prev?.daemon.loss?.to !== next.daemon.loss!.to) kinds.push('daemon_loss');
    if (next.daemon.takenBy !== null && prev?.daemon.takenBy?.text !== next.daemon.takenBy.text) kinds.push('daemon_taken');
    if (next.daemon.connected) this.daemonSeen = true;

    const out: Notice[] = [];
    for (const kind of kinds) {
      const topic = TOPIC_OF[kind];
      const notice = { kind, state: next };
      if (this.canShow(topic, now)) out.push(this.shown(topic, notice, now));
      else this.pending.add(topic);
    }
    return out;
  }

  /**
   * Call at `nextDueAt()`. For each story with a held-back transition, tells where it stands now,
   * unless that is what the last notice said (opened, recovered, opened again within the minute:
   * the user already knows it is open).
   */
  tick(now: number): Notice[] {
    const out: Notice[] = [];
    const state = this.prev;
    if (state === null) return out;
    for (const topic of [...this.pending]) {
      if (!this.canShow(topic, now)) continue;
      this.pending.delete(topic);
      const kind = currentKind(topic, state);
      if (this.lastShownKind.get(topic) !== kind) out.push(this.shown(topic, { kind, state }, now));
    }
    return out;
  }

  /** When tick() may have something to show, or null when nothing is held back. */
  nextDueAt(): number | null {
    let due: number | null = null;
    for (const topic of this.pending) {
      const at = (this.lastShownAt.get(topic) ?? 0) + this.debounceMs;
      due = due === null ? at : Math.min(due, at);
    }
    return due;
  }

  private canShow(topic: Topic, now: number): boolean {
    const last = this.lastShownAt.get(topic);
    return last === undefined || now - last >= this.debounceMs;
  }

  private shown(topic: Topic, notice: Notice, now: number): Notice {
    this.lastShownAt.set(topic, now);
    this.lastShownKind.set(topic, notice.kind);
    this.pending.delete(topic);
    return notice;
  }
}
