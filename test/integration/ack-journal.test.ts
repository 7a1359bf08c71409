// The outbox's acknowledgement journal on real files in a temp folder: records made durable by
// commitNow() but not yet written to the database (the app killed inside DB_WRITE_MS) are in the
// database at the next open; a line cut short by a kill is skipped; the newest version of a
// record wins; and a batch write empties the journal.

import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { AckJournal, JOURNAL_SUFFIX } from '../../src/main/core/outbox/ack-journal';
import { OutboxDb } from '../../src/main/core/outbox/outbox-db';
import { DB_WRITE_MS, OutboxLog, UPDATE_FLUSH_MS } from '../../src/main/core/outbox/outbox-log';
import type { DeliveryRecord } from '../../src/shared/delivery';

let dir: string;
let dbPath: string;
let journalPath: string;
const open: OutboxLog[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-journal-'));
  dbPath = join(dir, 'history.sqlite3');
  journalPath = dbPath + JOURNAL_SUFFIX;
});

afterEach(() => {
  vi.useRealTimers();
  for (const log of open.splice(0)) {
    try {
      log.close();
    } catch {
      // already closed by the test
    }
  }
  rmSync(dir, { recursive: true, force: true });
});

function openLog(): OutboxLog {
  const db = OutboxDb.open(dbPath);
  if (!db.ok) throw new Error(db.warnings.join('; '));
  const journal = AckJournal.open(journalPath);
  if (typeof journal === 'string') throw new Error(journal);
  const log = new OutboxLog(db.db, journal);
  open.push(log);
  return log;
}

function record(id: number, outcome: DeliveryRecord['outcome'] = 'queued'): DeliveryRecord {
  return { id, event: 'tunnel.established', receivedAt: 1_700_000_000_000 + id, outcome, url: 'http://127.0.0.1:9/hook', attempts: [], payload: `{"event_id":${id}}`, source: 'daemon' };
}

/** Stops using the files the way a SIGKILL would: no flush, nothing written after this point. */
function crash(log: OutboxLog): void {
  open.splice(open.indexOf(log), 1);
  // The database handle is closed without writing what is staged (its timers die with the log).
  (log.db as unknown as { db: { close(): void } }).db.close();
}

describe('acknowledgement journal', () => {
  it('records made durable but not yet in the database are there at the next open, newest version first', () => {
    const log = openLog();
    for (let id = 1; id <= 3; id++) log.add(record(id));
    log.commitNow();
    const changed = record(2, 'delivered');
    log.update(changed);
    log.add(record(4));
    log.commitNow();
    // In the journal, not the database: a second reader of the database sees nothing yet.
    expect(readFileSync(journalPath, 'utf8').trim().split('\n')).toHaveLength(5);
    const peek = OutboxDb.open(dbPath);
    expect(peek.ok && peek.db.count()).toBe(0);
    if (peek.ok) peek.db.close();
    crash(log);

    const again = openLog();
    expect(again.db.count()).toBe(4);
    expect(again.get(2)?.outcome).toBe('delivered');
    expect(again.db.pendingIds()).toStrictEqual([1, 3, 4]);
    expect(again.nextId()).toBe(5);
    expect(readFileSync(journalPath, 'utf8')).toBe('');
  });

  it('a journaled change of a record already in the database is applied as an update at the next open', () => {
    const log = openLog();
    log.add(record(1));
    log.add(record(2));
    log.flush();
    const done = record(1, 'delivered');
    log.update(done);
    log.commitNow();
    crash(log);

    const again = openLog();
    expect(again.db.count()).toBe(2);
    expect(again.get(1)?.outcome).toBe('delivered');
    expect(again.db.pendingIds()).toStrictEqual([2]);
    expect(again.nextId()).toBe(3);
  });

  it('a line cut short by a kill is skipped; the whole lines before it are kept', () => {
    writeFileSync(journalPath, `${JSON.stringify(record(1))}\n${JSON.stringify(record(2)).slice(0, 20)}`);
    const log = openLog();
    expect(log.db.count()).toBe(1);
    expect(log.get(1)?.outcome).toBe('queued');
    expect(log.get(2)).toBeUndefined();
  });

  it('a torn line left by a failed write cannot swallow the next record', () => {
    const journal = AckJournal.open(journalPath);
    if (typeof journal === 'string') throw new Error(journal);
    // What a write that failed part-way leaves behind, then the next append.
    appendFileSync(journalPath, JSON.stringify(record(1)).slice(0, 15));
    (journal as unknown as { torn: boolean }).torn = true;
    journal.append(`${JSON.stringify(record(2))}\n`);
    expect([...journal.read().records.keys()]).toStrictEqual([2]);
    journal.close();
  });

  it('the batch write puts every staged record in the database and empties the journal', () => {
    const log = openLog();
    for (let id = 1; id <= 10; id++) log.add(record(id));
    log.commitNow();
    expect(readFileSync(journalPath, 'utf8')).not.toBe('');
    log.flush();
    expect(log.db.count()).toBe(10);
    expect(readFileSync(journalPath, 'utf8')).toBe('');
    // Queries see everything at once (they write first).
    log.add(record(11));
    expect(log.query({ limit: 1 })[0]?.id).toBe(11);
  });

  it('a reader of the database file beside a running log sees a change only after the batch write or close(), though it is durable in the journal first', () => {
    // The crash test once read the file while the host ran, right after the host said queued 0:
    // under CPU load the last outcomes were still 'queued' there (the batch write was late), and
    // nothing was lost. Fake timers hold the batch write back as a busy machine does.
    vi.useFakeTimers();
    const log = openLog();
    const rec = record(1);
    log.add(rec);
    log.commitNow();
    vi.advanceTimersByTime(DB_WRITE_MS);
    const reader = new Database(dbPath, { readonly: true });
    try {
      const onFile = (): string => (reader.prepare('SELECT outcome FROM records WHERE id = 1').get() as { outcome: string }).outcome;
      const journaled = (): string[] => readFileSync(journalPath, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as DeliveryRecord).outcome);
      expect(onFile()).toBe('queued');

      log.update({ ...rec, outcome: 'delivered' });
      expect(log.get(1)?.outcome).toBe('delivered'); // the host itself sees it at once
      vi.advanceTimersByTime(UPDATE_FLUSH_MS);
      expect(journaled()).toStrictEqual(['delivered']); // durable: a crash now resumes nothing
      vi.advanceTimersByTime(DB_WRITE_MS - UPDATE_FLUSH_MS - 1);
      expect(onFile()).toBe('queued'); // the file is behind: what the crash test saw
      vi.advanceTimersByTime(1);
      expect(onFile()).toBe('delivered');
      expect(journaled()).toStrictEqual([]);

      // A clean stop writes what is staged at once: the file is then the whole truth.
      log.update({ ...rec, outcome: 'delivered', detail: 'changed again' });
      open.splice(open.indexOf(log), 1);
      log.close();
      expect((reader.prepare('SELECT record FROM records WHERE id = 1').get() as { record: string }).record).toContain('changed again');
      expect(readFileSync(journalPath, 'utf8')).toBe('');
    } finally {
      reader.close();
    }
  });

  it('makes the ingest mark durable after the records it vouches for, tells it, and reads it back after a kill', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    const log = openLog();
    const told: number[] = [];
    log.onIngestDurable((mark) => told.push(mark));
    log.add(record(log.nextId()));
    log.noteIngested(7);
    expect(told).toStrictEqual([]);
    log.commitNow();
    expect(told).toStrictEqual([7]);
    const lines = readFileSync(journalPath, 'utf8').trim().split('\n');
    expect(lines.at(-1)).toBe('{"ingestMark":7}');
    expect(JSON.parse(lines[0]!)).toMatchObject({ id: 1 });
    // A mark that does not move writes nothing more.
    log.noteIngested(7);
    log.commitNow();
    expect(readFileSync(journalPath, 'utf8').trim().split('\n')).toHaveLength(2);
    crash(log);
    // Killed before the batch reached the database: the journal's mark is the one read back.
    const again = openLog();
    expect(again.ingestMark).toBe(7);
    expect(again.db.ingestMark()).toBe(7);
    expect(readFileSync(journalPath, 'utf8')).toBe('');
  });

  it('writes the ingest mark to the database with the batch, and only ever moves it up', () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate'] });
    const log = openLog();
    log.add(record(log.nextId()));
    log.noteIngested(3);
    vi.advanceTimersByTime(DB_WRITE_MS);
    expect(log.db.ingestMark()).toBe(3);
    log.noteIngested(2);
    log.flush();
    expect(log.db.ingestMark()).toBe(3);
    log.close();
    open.splice(open.indexOf(log), 1);
    expect(openLog().ingestMark).toBe(3);
  });
});
