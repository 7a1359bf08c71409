// WAL checkpoints on a worker thread, on real database files in a temp folder: the main
// connection's auto-checkpoint is off while the worker runs, the worker's checkpoint copies the
// whole WAL (and the next commit starts it over), a worker that dies or cannot open the file gives
// the main connection its auto-checkpoint back, a stuck worker is bypassed past the size bound,
// and closing while a checkpoint runs loses nothing.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { OutboxDb } from '../../src/main/core/outbox/outbox-db';
import { AUTO_CHECKPOINT_PAGES, WalCheckpointer, type CheckpointResult } from '../../src/main/core/outbox/wal-checkpointer';
import type { DeliveryRecord } from '../../src/shared/delivery';

let dir: string;
let dbPath: string;
const open: OutboxDb[] = [];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-checkpoint-'));
  dbPath = join(dir, 'history.sqlite3');
});

afterEach(() => {
  for (const db of open.splice(0)) db.close();
  rmSync(dir, { recursive: true, force: true });
});

function openDb(): OutboxDb {
  const opened = OutboxDb.open(dbPath);
  if (!opened.ok) throw new Error(opened.warnings.join('; '));
  open.push(opened.db);
  return opened.db;
}

function record(id: number): DeliveryRecord {
  return { id, event: 'tunnel.established', receivedAt: 1_700_000_000_000 + id, outcome: 'delivered', url: 'http://127.0.0.1:9/hook', attempts: [], payload: `{"event_id":${id},"pad":"${'x'.repeat(400)}"}`, source: 'daemon' };
}

/** One commit per record: each one adds pages to the WAL (far more than batched writes). */
function writeOneByOne(db: OutboxDb, from: number, to: number): void {
  for (let id = from; id <= to; id++) db.write([{ rec: record(id), isNew: true }]);
}

/** The next checkpoint result the worker reports (resolved by its message, never by a timer). */
function nextCheckpoint(results: CheckpointResult[], waiters: ((r: CheckpointResult) => void)[]): Promise<CheckpointResult> {
  const ready = results.shift();
  if (ready) return Promise.resolve(ready);
  return new Promise((resolve) => waiters.push(resolve));
}

function collector(): { onCheckpoint: (r: CheckpointResult) => void; next: () => Promise<CheckpointResult>; queued: () => number } {
  const results: CheckpointResult[] = [];
  const waiters: ((r: CheckpointResult) => void)[] = [];
  return {
    onCheckpoint: (r) => {
      const w = waiters.shift();
      if (w) w(r);
      else results.push(r);
    },
    next: () => nextCheckpoint(results, waiters),
    queued: () => results.length,
  };
}

describe('WAL checkpoints off the event loop', () => {
  it('turns the main connection’s auto-checkpoint off and copies the whole WAL on the worker; the next commit starts the WAL over', async () => {
    const db = openDb();
    expect(db.autoCheckpointPages()).toBe(AUTO_CHECKPOINT_PAGES);
    const seen = collector();
    const checkpointer = db.checkpointOffThread({ intervalMs: 0, onCheckpoint: seen.onCheckpoint });
    expect(db.autoCheckpointPages()).toBe(0);
    expect(checkpointer.active).toBe(true);

    // Past SQLite's own threshold: with auto-checkpoint on, a commit in here would have copied it.
    writeOneByOne(db, 1, 1500);
    // The worker checkpoints while the commits go on; wait for the last one, which covers them all.
    let last = await seen.next();
    while (checkpointer.pending || seen.queued() > 0) last = await seen.next();
    expect(last.pages).toBeGreaterThan(AUTO_CHECKPOINT_PAGES);
    expect(last.copied).toBe(last.pages);
    expect(last.busy).toBe(0);

    // Everything was copied, so the next commit writes at the start of the WAL again.
    writeOneByOne(db, 1501, 1501);
    const after = await seen.next();
    expect(after.pages).toBeLessThan(50);
    expect(db.count()).toBe(1501);
  });

  it('gives the main connection its auto-checkpoint back when the worker dies, and keeps writing', async () => {
    const db = openDb();
    let fellBack: string | null = null;
    let resolveGone!: () => void;
    const gone = new Promise<void>((resolve) => (resolveGone = resolve));
    const checkpointer = db.checkpointOffThread({
      intervalMs: 0,
      onFallback: (reason) => {
        fellBack = reason;
        resolveGone();
      },
    });
    expect(db.autoCheckpointPages()).toBe(0);
    await checkpointer.kill();
    await gone;
    expect(fellBack).toMatch(/exited/);
    expect(checkpointer.active).toBe(false);
    expect(db.autoCheckpointPages()).toBe(AUTO_CHECKPOINT_PAGES);
    writeOneByOne(db, 1, 1200);
    // SQLite's own checkpoint kept the WAL short (it restarts once a commit crosses 1,000 pages).
    const [state] = (db as unknown as { db: Database.Database }).db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[];
    expect(state!.log).toBeLessThan(AUTO_CHECKPOINT_PAGES);
    expect(db.count()).toBe(1200);
  });

  it('falls back when the worker cannot open the database', async () => {
    const settings: number[] = [];
    const reason = await new Promise<string>((resolve) => {
      new WalCheckpointer(
        { path: join(dir, 'missing.sqlite3'), setAutoCheckpoint: (pages) => settings.push(pages), checkpointHere: () => {} },
        { onFallback: resolve },
      );
    });
    expect(reason).toMatch(/checkpoint worker/);
    expect(settings).toStrictEqual([0, AUTO_CHECKPOINT_PAGES]);
  });

  it('checkpoints on the main connection once the WAL passes its bound (a stuck worker)', () => {
    const db = openDb();
    writeOneByOne(db, 1, 10);
    let here = 0;
    const checkpointer = new WalCheckpointer(
      { path: dbPath, setAutoCheckpoint: () => {}, checkpointHere: () => here++ },
      { walMaxBytes: 0 },
    );
    try {
      checkpointer.written();
      expect(here).toBe(1);
    } finally {
      checkpointer.close();
    }
  });

  it('loses nothing when the database closes while a checkpoint runs', async () => {
    const db = openDb();
    const seen = collector();
    db.checkpointOffThread({ intervalMs: 0, onCheckpoint: seen.onCheckpoint });
    writeOneByOne(db, 1, 2000);
    // A checkpoint of ~2,000 commits' pages is under way (asked for by the writes); close now.
    open.splice(open.indexOf(db), 1);
    db.close();

    const raw = new Database(dbPath);
    try {
      expect(raw.pragma('quick_check', { simple: true })).toBe('ok');
      expect((raw.prepare('SELECT count(*) AS n FROM records').get() as { n: number }).n).toBe(2000);
    } finally {
      raw.close();
    }
    const again = openDb();
    expect(again.count()).toBe(2000);
    expect(again.maxId()).toBe(2000);
  });
});
