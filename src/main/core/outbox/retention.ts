// Retention on a schedule: at start (before the outbox is resumed: it never touches pending events,
// and what it removes need not be loaded) and then every interval, plus on request.

import type { History, RetentionLimits } from './history';
import { RETENTION_INTERVAL_MS } from './history';

export interface Retention {
  /** records removed by retention since start */
  readonly removed: number;
  /** runs retention now; returns how many records it removed */
  runNow(): number;
  stop(): void;
}

export function scheduleRetention(
  history: History,
  limits: () => RetentionLimits,
  intervalMs: number = RETENTION_INTERVAL_MS,
): Retention {
  let removed = 0;
  const runNow = (): number => {
    const n = history.prune(limits());
    removed += n;
    return n;
  };
  runNow();
  const timer = setInterval(runNow, intervalMs);
  // Retention is housekeeping: it must not keep a headless process alive.
  timer.unref();
  return {
    get removed() {
      return removed;
    },
    runNow,
    stop: () => clearInterval(timer),
  };
}
