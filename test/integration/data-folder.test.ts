// The data folder is owner-only and held by one process: modes read back with stat under a
// permissive umask (0), a folder left 0755/0644 by an older version repaired, a read attempt as
// user `nobody` refused, the lock refusing a second holder and naming the first, and record ids
// never given twice nor silently overwritten.

import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { prepareDataFolder } from '../../src/main/core/data-folder';
import { heldMessage, HOLDER_FILE, lockDataFolder } from '../../src/main/core/data-folder-lock';
import { HISTORY_FILE, OutboxDb } from '../../src/main/core/outbox/outbox-db';
import { OutboxLog } from '../../src/main/core/outbox/outbox-log';
import { writeHistoryFile } from '../../src/main/core/outbox/history-file';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import type { DeliveryRecord } from '../../src/shared/delivery';

const modeOf = (path: string): number => statSync(path).mode & 0o777;

/** Whether user `nobody` can read the file (null when this machine cannot run as another user). */
function nobodyCanRead(path: string): boolean | null {
  if (process.getuid?.() !== 0) return null;
  const r = spawnSync('runuser', ['-u', 'nobody', '--', 'cat', path], { encoding: 'utf8' });
  if (r.error) return null;
  return r.status === 0;
}

const rec = (id: number, receivedAt = Date.now()): DeliveryRecord => ({
  id, event: 'message.received', receivedAt, outcome: 'delivered', url: null, attempts: [], payload: '{"secret":"body"}', source: 'daemon',
});

let parent: string;
let savedUmask: number;

beforeAll(() => {
  // A permissive umask: the modes must come from the code, not from the user's umask.
  savedUmask = process.umask(0);
});
afterAll(() => {
  process.umask(savedUmask);
});

beforeEach(() => {
  parent = mkdtempSync(join(tmpdir(), 'pwd-folder-'));
  // Traversable by everyone, as a home folder often is: only the data folder's own modes protect it.
  chmodSync(parent, 0o755);
});
afterEach(() => {
  rmSync(parent, { recursive: true, force: true });
});

describe('owner-only files', () => {
  it('creates the folder 0700 and the history, its WAL and SHM, settings and exports 0600', async () => {
    const dir = join(parent, 'nested', 'data');
    expect(prepareDataFolder(dir)).toEqual([]);
    expect(modeOf(dir)).toBe(0o700);

    const opened = openConfStore(dir);
    opened.kv.set('url', 'http://127.0.0.1:9/hook');
    const db = OutboxDb.open(join(dir, HISTORY_FILE));
    if (!db.ok) throw new Error(db.warnings.join('; '));
    db.db.insert(rec(1));
    for (const name of [HISTORY_FILE, `${HISTORY_FILE}-wal`, `${HISTORY_FILE}-shm`, 'settings.json']) {
      expect(modeOf(join(dir, name)), name).toBe(0o600);
    }
    const exportFile = join(dir, 'exports', 'history.jsonl');
    mkdirSync(join(dir, 'exports'), { mode: 0o755 });
    await writeHistoryFile(exportFile, [[rec(1)]]);
    expect(modeOf(exportFile)).toBe(0o600);
    // A file replaced keeps no looser mode than a new one.
    const replaced = join(parent, 'chosen.jsonl');
    writeFileSync(replaced, 'old', { mode: 0o644 });
    await writeHistoryFile(replaced, [[rec(1)]]);
    expect(modeOf(replaced)).toBe(0o600);
    db.db.close();

    // Even with the folder (and the parent it created, 0700 too) opened up, each file alone
    // keeps other users out.
    expect(modeOf(join(parent, 'nested'))).toBe(0o700);
    chmodSync(join(parent, 'nested'), 0o755);
    chmodSync(dir, 0o755);
    const canRead = nobodyCanRead(join(dir, `${HISTORY_FILE}`));
    if (canRead !== null) {
      expect(canRead).toBe(false);
      expect(nobodyCanRead(join(dir, 'settings.json'))).toBe(false);
      expect(nobodyCanRead(exportFile)).toBe(false);
      // The check itself can fail: a file meant for everyone is read.
      writeFileSync(join(dir, 'public.txt'), 'hello', { mode: 0o644 });
      expect(nobodyCanRead(join(dir, 'public.txt'))).toBe(true);
    }
  });

  it('repairs a folder an older version left 0755 with 0644 files, and leaves files not its own alone', () => {
    const dir = join(parent, 'old');
    mkdirSync(join(dir, 'exports'), { recursive: true, mode: 0o755 });
    chmodSync(dir, 0o755);
    const ours = [HISTORY_FILE, `${HISTORY_FILE}-wal`, `${HISTORY_FILE}-shm`, 'settings.json', 'exports/pilot-webhook-history.jsonl'];
    for (const name of ours) writeFileSync(join(dir, name), 'payload', { mode: 0o644 });
    writeFileSync(join(dir, 'notes.txt'), 'not ours', { mode: 0o644 });
    expect(nobodyCanRead(join(dir, HISTORY_FILE)) ?? true).toBe(true);

    const repaired = prepareDataFolder(dir);
    expect(repaired).toHaveLength(1);
    expect(repaired[0]).toMatch(/^Made the data folder owner-only/);
    expect(repaired[0]).toContain(join(dir, HISTORY_FILE));
    expect(modeOf(dir)).toBe(0o700);
    expect(modeOf(join(dir, 'exports'))).toBe(0o700);
    for (const name of ours) expect(modeOf(join(dir, name)), name).toBe(0o600);
    expect(modeOf(join(dir, 'notes.txt'))).toBe(0o644);
    expect(nobodyCanRead(join(dir, HISTORY_FILE)) ?? false).toBe(false);
    // Repaired once: the next start has nothing to say.
    expect(prepareDataFolder(dir)).toEqual([]);
  });

  it('tightens an existing history database before SQLite writes its WAL beside it', () => {
    const dir = join(parent, 'data');
    prepareDataFolder(dir);
    const first = OutboxDb.open(join(dir, HISTORY_FILE));
    if (!first.ok) throw new Error('open');
    first.db.close();
    chmodSync(join(dir, HISTORY_FILE), 0o644);
    const again = OutboxDb.open(join(dir, HISTORY_FILE));
    if (!again.ok) throw new Error('reopen');
    again.db.insert(rec(1));
    expect(modeOf(join(dir, HISTORY_FILE))).toBe(0o600);
    expect(modeOf(join(dir, `${HISTORY_FILE}-wal`))).toBe(0o600);
    again.db.close();
  });
});

describe('one process per data folder', () => {
  it('refuses a second holder and names the first: pid, which host, since when', () => {
    const dir = join(parent, 'data');
    prepareDataFolder(dir);
    const since = Date.UTC(2026, 11, 1, 16, 20, 1);
    const first = lockDataFolder(dir, { host: 'electron', now: () => since });
    expect(first.ok).toBe(true);
    expect(modeOf(join(dir, HOLDER_FILE))).toBe(0o600);

    const second = lockDataFolder(dir, { host: 'headless' });
    expect(second.ok).toBe(false);
    if (second.ok) return;
    expect(second.holder).toEqual({ pid: process.pid, host: 'electron', since });
    expect(second.message).toBe(
      `The data folder ${dir} is in use by the Pilot Webhook Desktop app, pid ${process.pid}, since 2026-12-01T16:20:01Z; ` +
        'quit it from its tray menu ("Quit"), or give this host a folder of its own with --data-dir. ' +
        'One process per folder keeps the history from being overwritten.',
    );

    if (first.ok) first.lock.release();
    const third = lockDataFolder(dir, { host: 'headless' });
    expect(third.ok).toBe(true);
    if (third.ok) third.lock.release();
  });

  it('says how to stop a headless holder, and does not believe a note whose process is gone', () => {
    expect(heldMessage('/d', { pid: 4242, host: 'headless', since: 0 }, 'electron')).toMatch(
      /in use by a headless host \(npm run headless\), pid 4242, since 1970-01-01T00:00:00Z; stop it \(Ctrl\+C in its terminal, or kill 4242\), or run the headless host with a --data-dir of its own/,
    );
    const dir = join(parent, 'data');
    prepareDataFolder(dir);
    const held = lockDataFolder(dir, { host: 'headless' });
    if (!held.ok) throw new Error(held.message);
    // A note from a process that died long ago (pid far above any real one).
    writeFileSync(join(dir, HOLDER_FILE), JSON.stringify({ pid: 2 ** 30, host: 'headless', since: 0 }));
    const second = lockDataFolder(dir, { host: 'headless' });
    expect(second.ok).toBe(false);
    if (!second.ok) {
      expect(second.holder).toBeNull();
      expect(second.message).toMatch(/in use by another Pilot Webhook process; stop it first/);
    }
    held.lock.release();
  });
});

describe('record ids', () => {
  it('never overwrites a record: an id already taken is an error', () => {
    const dir = join(parent, 'data');
    prepareDataFolder(dir);
    const opened = OutboxDb.open(join(dir, HISTORY_FILE));
    if (!opened.ok) throw new Error('open');
    opened.db.insert(rec(1));
    expect(() => opened.db.insert({ ...rec(1), event: 'other.writer' })).toThrow(/UNIQUE constraint failed: records\.id/);
    expect(opened.db.get(1)?.event).toBe('message.received');
    opened.db.close();
  });

  it('continues after the highest id ever used, even when retention removed every record', () => {
    const dir = join(parent, 'data');
    prepareDataFolder(dir);
    const opened = OutboxDb.open(join(dir, HISTORY_FILE));
    if (!opened.ok) throw new Error('open');
    const old = Date.now() - 100 * 86_400_000;
    const log = new OutboxLog(opened.db);
    for (let i = 0; i < 5; i++) log.add({ ...rec(log.nextId(), old) });
    log.flush();
    expect(log.prune(Date.now(), 1e9)).toBe(5);
    expect(opened.db.count()).toBe(0);
    log.close();

    const again = OutboxDb.open(join(dir, HISTORY_FILE));
    if (!again.ok) throw new Error('reopen');
    expect(new OutboxLog(again.db).nextId()).toBe(6);
    again.db.close();
  });
});
