// Retention's schedule with fake timers (and a fake clock) over a real history database in a temp
// folder: it runs at start and then every interval, reads the limits at each run, never removes
// pending events, stops when told, and a run that fails (another program holds the database's
// write lock) neither throws out of its timer nor ends the schedule.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { HISTORY_FILE } from '../../src/main/core/outbox/outbox-db';
import { openHistory, RETENTION_INTERVAL_MS, type History, type RetentionLimits } from '../../src/main/core/outbox/history';
import { scheduleRetention, type Retention } from '../../src/main/core/outbox/retention';
import type { DeliveryRecord, Outcome } from '../../src/shared/delivery';

const DAY_MS = 86_400_000;
const T0 = Date.parse('2026-03-01T12:00:00Z');
/** Far above what the few test records weigh: only the age limit applies unless a test lowers it. */
const NO_SIZE_LIMIT_MB = 1000;

let dir: string;
let history: History;
let retention: Retention | null;
let nextId = 0;

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
  dir = mkdtempSync(join(tmpdir(), 'pwd-retention-'));
  const warnings: string[] = [];
  const opened = openHistory(dir, warnings);
  if (!opened) throw new Error(warnings.join('; '));
  history = opened;
  retention = null;
  nextId = 0;
});

afterEach(() => {
  retention?.stop();
  history.log.close();
  vi.useRealTimers();
  rmSync(dir, { recursive: true, force: true });
});

/** A record received at `receivedAt`, written to the database at once. */
function stored(receivedAt: number, outcome: Outcome = 'delivered'): number {
  const id = ++nextId;
  const rec: DeliveryRecord = { id, event: 'tunnel.established', receivedAt, outcome, url: 'http://127.0.0.1:9/hook', attempts: [], payload: `{"event_id":${id}}`, source: 'daemon' };
  history.log.add(rec);
  history.log.flush();
  return id;
}

function ids(): number[] {
  return history.log.query({ limit: 1000 }).map((r) => r.id).sort((a, b) => a - b);
}

describe('retention schedule', () => {
  it('runs at start: records older than the age limit go at once; pending ones stay however old', () => {
    const old = stored(T0 - 10 * DAY_MS);
    const oldPending = stored(T0 - 10 * DAY_MS, 'queued');
    const recent = stored(T0 - DAY_MS / 2);
    retention = scheduleRetention(history, () => ({ historyDays: 1, historyMaxMB: NO_SIZE_LIMIT_MB }));
    expect(retention.removed).toBe(1);
    expect(ids()).toStrictEqual([oldPending, recent]);
    expect(ids()).not.toContain(old);
  });

  it('then once every interval, not before: a record goes at the first run after it passed the age limit', () => {
    const id = stored(T0);
    retention = scheduleRetention(history, () => ({ historyDays: 1, historyMaxMB: NO_SIZE_LIMIT_MB }));
    // A day is exactly 144 intervals: at the 144th run the record is one day old, not older.
    const runsInADay = DAY_MS / RETENTION_INTERVAL_MS;
    vi.advanceTimersByTime(runsInADay * RETENTION_INTERVAL_MS);
    expect(ids()).toStrictEqual([id]);
    vi.advanceTimersByTime(RETENTION_INTERVAL_MS - 1);
    expect(ids()).toStrictEqual([id]);
    expect(retention.removed).toBe(0);
    vi.advanceTimersByTime(1);
    expect(ids()).toStrictEqual([]);
    expect(retention.removed).toBe(1);
  });

  it('reads the limits at every run: a changed setting applies at the next run, without a restart', () => {
    const limits: RetentionLimits = { historyDays: 30, historyMaxMB: NO_SIZE_LIMIT_MB };
    const weekOld = stored(T0 - 7 * DAY_MS);
    const today = stored(T0);
    retention = scheduleRetention(history, () => limits, 60_000);
    expect(ids()).toStrictEqual([weekOld, today]);
    limits.historyDays = 3;
    vi.advanceTimersByTime(59_999);
    expect(ids()).toStrictEqual([weekOld, today]);
    vi.advanceTimersByTime(1);
    expect(ids()).toStrictEqual([today]);
    // The size limit too: 0 MB removes every record that is history, never a pending one.
    const pending = stored(T0, 'queued');
    limits.historyMaxMB = 0;
    vi.advanceTimersByTime(60_000);
    expect(ids()).toStrictEqual([pending]);
    expect(retention.removed).toBe(2);
  });

  it('stop() ends the schedule: nothing is removed after it', () => {
    retention = scheduleRetention(history, () => ({ historyDays: 1, historyMaxMB: NO_SIZE_LIMIT_MB }));
    const id = stored(T0);
    retention.stop();
    vi.advanceTimersByTime(3 * DAY_MS);
    expect(ids()).toStrictEqual([id]);
    expect(retention.removed).toBe(0);
  });

  it('a run that fails (another program holds the write lock) is said in problem, throws out of no timer, and the next run catches up', () => {
    // The app's connection gives up at once instead of waiting out its busy timeout (seconds, real time).
    (history.log.db as unknown as { db: Db }).db.pragma('busy_timeout = 0');
    const old = stored(T0 - 10 * DAY_MS);
    const other = new Database(join(dir, HISTORY_FILE));
    try {
      other.exec('BEGIN IMMEDIATE'); // e.g. a backup tool or the sqlite3 shell writing
      // At start: the app still starts (this would throw out of the composition root before).
      retention = scheduleRetention(history, () => ({ historyDays: 1, historyMaxMB: NO_SIZE_LIMIT_MB }));
      expect(retention.removed).toBe(0);
      expect(retention.problem).toMatch(/^Old history could not be removed \(database is locked\); retention tries again in 10 min/);
      // At the interval: no uncaught exception from the timer (vitest would fail the test on one).
      vi.advanceTimersByTime(RETENTION_INTERVAL_MS);
      expect(retention.problem).not.toBeNull();
      // On request the caller is told.
      expect(() => retention!.runNow()).toThrow(/database is locked/);
      other.exec('COMMIT');
      vi.advanceTimersByTime(RETENTION_INTERVAL_MS);
      expect(retention.problem).toBeNull();
      expect(retention.removed).toBe(1);
      expect(ids()).not.toContain(old);
    } finally {
      other.close();
    }
  });
});
