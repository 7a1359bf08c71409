// The durable history as the controller uses it: the database in the data folder, its log, and
// retention by age and size (settings historyDays / historyMaxMB), oldest records out first.

import { join } from 'node:path';
import { AckJournal, JOURNAL_SUFFIX } from './ack-journal';
import { OutboxDb, HISTORY_FILE } from './outbox-db';
import { OutboxLog } from './outbox-log';

/** Retention runs at start and then this often: history grows slowly, a check is cheap. */
export const RETENTION_INTERVAL_MS = 10 * 60_000;

const MS_PER_DAY = 86_400_000;
const BYTES_PER_MB = 1_048_576;

export interface RetentionLimits {
  historyDays: number;
  historyMaxMB: number;
}

export interface History {
  log: OutboxLog;
  /** applies the limits now; returns how many records were removed */
  prune(limits: RetentionLimits, now?: number): number;
}

/** Opens `<dataDir>/history.sqlite3`; null (and a warning in `warnings`) when it cannot be used. */
export function openHistory(dataDir: string, warnings: string[]): History | null {
  const opened = OutboxDb.open(join(dataDir, HISTORY_FILE));
  warnings.push(...opened.warnings);
  if (!opened.ok) return null;
  // Checkpoints off the event loop: no commit of the ingest's thread stalls on one.
  opened.db.checkpointOffThread();
  const journal = AckJournal.open(opened.db.path + JOURNAL_SUFFIX);
  if (typeof journal === 'string') {
    warnings.push(`The outbox journal could not be opened (${journal}); every accepted event is committed to the history database before it is acknowledged instead (slower).`);
  }
  const log = new OutboxLog(opened.db, typeof journal === 'string' ? null : journal);
  return {
    log,
    prune: (limits, now = Date.now()) =>
      log.prune(now - limits.historyDays * MS_PER_DAY, limits.historyMaxMB * BYTES_PER_MB),
  };
}
