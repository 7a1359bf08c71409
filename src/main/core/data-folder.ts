// The data folder holds every message payload the node received (the history and its WAL), the
// webhook URL and, on the headless host, the signing secret: it is owner-only. The folder is 0700
// and every file of ours in it 0600, with the mode given when each is created (so a permissive
// umask changes nothing), and a folder made by an older version, which left them 0755/0644, is
// repaired when the app starts.

import { chmodSync, closeSync, fchmodSync, lstatSync, mkdirSync, openSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

/** rwx for the owner only. */
export const OWNER_ONLY_DIR_MODE = 0o700;
/** rw for the owner only. */
export const OWNER_ONLY_FILE_MODE = 0o600;

/** Group and other bits: any of them set means another local user may read or enter. */
const GROUP_OTHER_BITS = 0o077;

/** Sub-folders of ours (the headless host's history exports). */
export const OWN_SUBFOLDERS: readonly string[] = ['exports'];

/**
 * Files of ours in the data folder, by name prefix: settings (and settings set aside as broken),
 * the history database with its -wal/-shm and set-aside copies, the lock and its holder note, logs, the daemon link's memory (its ingest token).
 * Only these are repaired, so a --data-dir pointed at a folder with other files leaves theirs alone.
 */
const OWN_FILE_PREFIXES: readonly string[] = ['settings.', 'history.', 'instance.', 'main.', 'headless.', 'daemon-link.'];

const modesApply = (platform: NodeJS.Platform): boolean => platform !== 'win32';

/**
 * Creates the folder (and any missing parents) owner-only, or repairs it: the folder, our
 * sub-folders and our files in them lose every group and other permission. Returns what it
 * repaired, as sentences for the log; throws only when the folder cannot be created.
 */
export function prepareDataFolder(dir: string, platform: NodeJS.Platform = process.platform): string[] {
  mkdirSync(dir, { recursive: true, mode: OWNER_ONLY_DIR_MODE });
  if (!modesApply(platform)) return [];
  const repaired: string[] = [];
  const tighten = (path: string, mode: number): void => {
    try {
      const st = lstatSync(path);
      if (st.isSymbolicLink()) return;
      if ((st.mode & GROUP_OTHER_BITS) === 0) return;
      // Someone else's file (a folder shared on purpose, root's leftovers): not ours to change.
      if (typeof process.getuid === 'function' && st.uid !== process.getuid()) return;
      chmodSync(path, mode);
      repaired.push(path);
    } catch {
      // Gone meanwhile, or not ours: nothing to repair.
    }
  };
  tighten(dir, OWNER_ONLY_DIR_MODE);
  for (const name of safeList(dir)) {
    const path = join(dir, name);
    if (OWN_SUBFOLDERS.includes(name)) {
      tighten(path, OWNER_ONLY_DIR_MODE);
      for (const inner of safeList(path)) tighten(join(path, inner), OWNER_ONLY_FILE_MODE);
    } else if (OWN_FILE_PREFIXES.some((p) => name.startsWith(p))) {
      tighten(path, OWNER_ONLY_FILE_MODE);
    }
  }
  return repaired.length === 0
    ? []
    : [`Made the data folder owner-only (it was readable by other users): ${repaired.join(', ')}.`];
}

function safeList(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** A sub-folder of the data folder, created owner-only (an old one is tightened). */
export function ensureOwnerOnlyFolder(dir: string, platform: NodeJS.Platform = process.platform): void {
  mkdirSync(dir, { recursive: true, mode: OWNER_ONLY_DIR_MODE });
  if (modesApply(platform)) chmodSync(dir, OWNER_ONLY_DIR_MODE);
}

/**
 * Makes sure `path` exists and is owner-only before someone else (SQLite) opens it: SQLite
 * creates a new database file 0644 and gives its -wal and -shm files the database file's mode.
 */
export function touchOwnerOnly(path: string, platform: NodeJS.Platform = process.platform): void {
  const fd = openSync(path, 'a', OWNER_ONLY_FILE_MODE);
  try {
    if (modesApply(platform)) fchmodSync(fd, OWNER_ONLY_FILE_MODE);
  } catch {
    // Not ours to change (another user's file): SQLite reports whatever it cannot do with it.
  } finally {
    closeSync(fd);
  }
}
