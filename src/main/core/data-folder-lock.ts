// One process per data folder. Two writers on one folder once overwrote each other's history
// (each allocated ids from what it had read at start), and the Electron app and the headless host
// default to the same folder, so a second process is told who holds the folder and stops.
//
// The lock is an operating-system file lock, held for the life of the process: a small SQLite
// file opened in exclusive locking mode (fcntl locks on Unix, LockFileEx on Windows). The kernel
// drops it when the process ends in any way, SIGKILL and crashes included, so nothing is ever left
// stuck and no staleness guess is needed. Beside it, a note says who holds it (pid, which host,
// since when) for the message the second process shows; the note is only read while the lock is
// taken, so a note left by a crashed process is never believed.

import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { OWNER_ONLY_FILE_MODE, touchOwnerOnly } from './data-folder';

/** The lock file (a SQLite database that holds only the lock's row). */
export const LOCK_FILE = 'instance.lock';
/** Who holds the lock, as JSON: see LockHolder. */
export const HOLDER_FILE = 'instance.json';

export type HostKind = 'electron' | 'headless';

export interface LockHolder {
  pid: number;
  host: HostKind;
  /** epoch ms the holder took the lock */
  since: number;
}

export interface DataFolderLock {
  readonly dir: string;
  /** gives the folder up (the process ending does the same) */
  release(): void;
}

export type LockResult =
  | { ok: true; lock: DataFolderLock }
  | { ok: false; holder: LockHolder | null; message: string };

/** Error codes that mean another connection (of any process) holds the lock. */
const BUSY_CODES: ReadonlySet<string> = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED']);

/**
 * Takes the folder's lock for this process, or says who has it. The folder must exist (see
 * prepareDataFolder). Throws only when the lock file cannot be used at all (permissions).
 */
export function lockDataFolder(
  dir: string,
  me: { host: HostKind; pid?: number; now?: () => number },
): LockResult {
  const path = join(dir, LOCK_FILE);
  let db: Db;
  try {
    db = takeLock(path);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && BUSY_CODES.has(code)) {
      const holder = readHolder(dir);
      return { ok: false, holder, message: heldMessage(dir, holder, me.host) };
    }
    if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
      // Not a lock anyone holds (a held one is never rewritten): set it aside and start anew.
      renameSync(path, `${path}.broken-${Date.now()}`);
      db = takeLock(path);
    } else {
      throw err;
    }
  }
  const holder: LockHolder = { pid: me.pid ?? process.pid, host: me.host, since: (me.now ?? Date.now)() };
  writeFileSync(join(dir, HOLDER_FILE), `${JSON.stringify(holder)}\n`, { mode: OWNER_ONLY_FILE_MODE });
  let released = false;
  return {
    ok: true,
    lock: {
      dir,
      release: () => {
        if (released) return;
        released = true;
        rmSync(join(dir, HOLDER_FILE), { force: true });
        db.close();
      },
    },
  };
}

function takeLock(path: string): Db {
  touchOwnerOnly(path);
  // timeout 0: a held lock answers SQLITE_BUSY at once instead of waiting for it.
  const db = new Database(path, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    // The first write takes the exclusive lock; in this locking mode it is kept until close.
    db.exec('CREATE TABLE IF NOT EXISTS lock (id INTEGER PRIMARY KEY, taken_at INTEGER NOT NULL)');
    db.prepare('INSERT OR REPLACE INTO lock (id, taken_at) VALUES (1, ?)').run(Date.now());
    return db;
  } catch (err) {
    db.close();
    throw err;
  }
}

function readHolder(dir: string): LockHolder | null {
  try {
    const parsed = JSON.parse(readFileSync(join(dir, HOLDER_FILE), 'utf8')) as Partial<LockHolder>;
    if (typeof parsed.pid !== 'number' || typeof parsed.since !== 'number') return null;
    if (parsed.host !== 'electron' && parsed.host !== 'headless') return null;
    // A note left by a process that crashed before the current holder wrote its own.
    if (!isAlive(parsed.pid)) return null;
    return { pid: parsed.pid, host: parsed.host, since: parsed.since };
  } catch {
    // Not written yet (the holder is starting this very moment) or unreadable.
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, but another user's.
    return (err as { code?: unknown }).code === 'EPERM';
  }
}

const HOST_NAMES: Readonly<Record<HostKind, string>> = {
  electron: 'the Pilot Webhook Desktop app',
  headless: 'a headless host (npm run headless)',
};

/** How to stop the holder, by kind. */
const HOW_TO_STOP: Readonly<Record<HostKind, (pid: number) => string>> = {
  electron: () => 'quit it from its tray menu ("Quit")',
  headless: (pid) => `stop it (Ctrl+C in its terminal, or kill ${pid})`,
};

/** The message the second process shows before it stops. */
export function heldMessage(dir: string, holder: LockHolder | null, me: HostKind): string {
  const other =
    me === 'headless'
      ? 'or give this host a folder of its own with --data-dir'
      : 'or run the headless host with a --data-dir of its own';
  if (!holder) {
    return `The data folder ${dir} is in use by another Pilot Webhook process; stop it first, ${other}. ` +
      'One process per folder keeps the history from being overwritten.';
  }
  const since = new Date(holder.since).toISOString().replace(/\.\d+Z$/, 'Z');
  return (
    `The data folder ${dir} is in use by ${HOST_NAMES[holder.host]}, pid ${holder.pid}, since ${since}; ` +
    `${HOW_TO_STOP[holder.host](holder.pid)}, ${other}. One process per folder keeps the history from being overwritten.`
  );
}
