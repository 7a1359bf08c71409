// "App not reachable": when the app behind the window stops answering (the headless host was
// stopped, the main process is gone or hung), everything the window shows is stale. Then one
// screen replaces it all, instead of a green badge over counters that no longer move; the rest of
// the page is inert until the app answers again, and the caller reloads what it missed.
//
// Two signals: the web bridge's event stream reports it lost (instant, headless page), and a
// heartbeat — getState every HEARTBEAT_MS with a deadline — that works over any bridge.

import { byId, setText } from './dom';
import { formatTime } from './format';

/** How often the app is asked whether it is still there. */
export const HEARTBEAT_MS = 5_000;
/** An answer slower than this counts as none (a hung main process answers nothing). */
export const HEARTBEAT_DEADLINE_MS = 4_000;
/**
 * A lost stream is first given this long to come back on its own (EventSource reconnects),
 * so a blip does not flash the screen.
 */
const STREAM_GRACE_MS = 1_500;
/** Heartbeats in a row without an answer in time before the app counts as gone. */
const SLOW_ANSWERS_DOWN = 2;

class DeadlineError extends Error {}

export class Reachability {
  private readonly screen = byId('unreachable', HTMLElement);
  private readonly app = byId('app', HTMLElement);
  private readonly since = byId('unreachable-since', HTMLElement);
  private down = false;
  private graceTimer: ReturnType<typeof setTimeout> | null = null;
  private checking = false;

  constructor(
    private readonly ping: () => Promise<unknown>,
    /** called when the app answers again after being down: reload what was missed */
    private readonly onBack: () => void,
  ) {
    byId('unreachable-retry', HTMLButtonElement).addEventListener('click', () => void this.check());
    setInterval(() => void this.check(), HEARTBEAT_MS);
  }

  get isDown(): boolean {
    return this.down;
  }

  /** The event stream's news (headless page only). */
  streamLost(): void {
    if (this.graceTimer !== null || this.down) return;
    this.graceTimer = setTimeout(() => {
      this.graceTimer = null;
      void this.check();
    }, STREAM_GRACE_MS);
  }

  streamOpen(): void {
    if (this.graceTimer !== null) clearTimeout(this.graceTimer);
    this.graceTimer = null;
    if (this.down) void this.check();
  }

  /** Any sign of life (a push arrived). */
  alive(): void {
    if (this.down) void this.check();
  }

  async check(): Promise<void> {
    if (this.checking) return;
    this.checking = true;
    try {
      await withDeadline(this.ping(), HEARTBEAT_DEADLINE_MS);
      this.slow = 0;
      this.setDown(false);
    } catch (err) {
      // A refused connection is a fact; a slow answer may be a busy machine: only a second slow
      // answer in a row counts, so a loaded host does not flash the screen (and steal focus).
      if (err instanceof DeadlineError && ++this.slow < SLOW_ANSWERS_DOWN) return;
      this.setDown(true);
    } finally {
      this.checking = false;
    }
  }

  /** heartbeats in a row that got no answer in time */
  private slow = 0;

  private setDown(down: boolean): void {
    if (down === this.down) return;
    this.down = down;
    this.screen.hidden = !down;
    this.app.inert = down;
    if (down) {
      setText(this.since, `No answer since ${formatTime(Date.now())}. This window checks again every ${HEARTBEAT_MS / 1000} s.`);
      byId('unreachable-retry', HTMLButtonElement).focus();
    } else {
      this.onBack();
    }
  }
}

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineError('no answer in time')), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
