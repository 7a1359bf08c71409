// Retention on a schedule: at start (before the outbox is resumed: it never touches pending events,
// and what it removes need not be loaded) and then every interval, plus on request.
//
// A scheduled run that fails (another program holds the database's write lock, the disk is full)
// is said in the state and tried again at the next interval: it must neither stop the app from
// starting nor throw out of a timer, which would end the process with events still pending.

import type { History, RetentionLimits } from './history';
import { RETENTION_INTERVAL_MS } from './history';

export interface Retention {
  /** records removed by retention since start */
  readonly removed: number;
  /** why the last scheduled run failed; null once a run succeeds */
  readonly problem: string | null;
  /** runs retention now; returns how many records it removed. Throws when it could not. */
  runNow(): number;
  stop(): void;
}

export function scheduleRetention(
  history: History,
  limits: () => RetentionLimits,
  intervalMs: number = RETENTION_INTERVAL_MS,
): Retention {
  let removed = 0;
  let problem: string | null = null;
  const runNow = (): number => {
    const n = history.prune(limits());
    removed += n;
    problem = null;
    return n;
  };
  const scheduled = (): void => {
    try {
      runNow();
    } catch (err) {
      problem = `Old history could not be removed (${(err as Error).message}); retention tries again in ${Math.round(intervalMs / 60_000)} min. Pending events are not affected.`;
    }
  };
  scheduled();
  const timer = setInterval(scheduled, intervalMs);
  // Retention is housekeeping: it must not keep a headless process alive.
  timer.unref();
  return {
    get removed() {
      return removed;
    },
    get problem() {
      return problem;
    },
    runNow,
    stop: () => clearInterval(timer),
  };
}
