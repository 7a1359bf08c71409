// Shows the NoticeTracker's notices as desktop notifications, and wakes itself up to show one the
// debounce held back. The texts say what happened and what the app does about it.

import type { AppState } from '../../shared/bridge';
import { secondsUntil } from '../../shared/status';
import type { ShellElectron } from './electron-api';
import { NoticeTracker, type Notice, type NoticeKind } from './notice-tracker';

export interface NoticeText {
  title: string;
  body: string;
}

export function noticeText(kind: NoticeKind, state: AppState, now: number): NoticeText {
  switch (kind) {
    case 'breaker_opened': {
      const wait = state.breaker.openUntil === null ? '' : ` Trying again in ${secondsUntil(state.breaker.openUntil, now)} s.`;
      return {
        title: 'Webhook deliveries stopped',
        body: `Events failed ${state.breaker.consecutiveFailures} times in a row, so the circuit breaker opened. Events are kept in the log.${wait}`,
      };
    }
    case 'breaker_recovered':
      return { title: 'Webhook deliveries recovered', body: 'The webhook answered again; events are being delivered.' };
    case 'daemon_lost':
      return {
        title: 'Pilot daemon disconnected',
        body: state.daemon.error ?? 'No events are arriving. The app reconnects as soon as the daemon is back.',
      };
    case 'daemon_found':
      return { title: 'Pilot daemon connected', body: 'Events are arriving again.' };
    case 'daemon_loss':
      return { title: 'Events lost while the app was closed', body: state.daemon.loss?.text ?? 'The daemon reports events it could not deliver to the app.' };
    case 'daemon_taken':
      return { title: 'The daemon delivers elsewhere', body: state.daemon.takenBy?.text ?? "Someone else set the daemon's webhook." };
  }
}

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms).unref(),
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export interface NotifierOptions {
  onClick(): void;
  clock?: Clock;
  tracker?: NoticeTracker;
}

export interface Notifier {
  observe(state: AppState): void;
  dispose(): void;
}

export function createNotifier(e: Pick<ShellElectron, 'Notification'>, opts: NotifierOptions): Notifier {
  const clock = opts.clock ?? realClock;
  const tracker = opts.tracker ?? new NoticeTracker();
  let timer: unknown = null;
  let disposed = false;
  // Held until closed: a notification object that is garbage-collected loses its click handler.
  const live = new Set<unknown>();

  const show = (notices: Notice[]): void => {
    if (!e.Notification.isSupported()) return;
    for (const n of notices) {
      const note = new e.Notification(noticeText(n.kind, n.state, clock.now()));
      live.add(note);
      note.on('click', () => opts.onClick());
      note.on('close', () => live.delete(note));
      note.show();
    }
  };

  const reschedule = (): void => {
    if (timer !== null) clock.clearTimeout(timer);
    timer = null;
    const due = tracker.nextDueAt();
    if (due === null || disposed) return;
    timer = clock.setTimeout(
      () => {
        timer = null;
        show(tracker.tick(clock.now()));
        reschedule();
      },
      Math.max(0, due - clock.now()),
    );
  };

  return {
    observe: (state) => {
      if (disposed) return;
      show(tracker.observe(state, clock.now()));
      reschedule();
    },
    dispose: () => {
      disposed = true;
      live.clear();
      if (timer !== null) clock.clearTimeout(timer);
      timer = null;
    },
  };
}
