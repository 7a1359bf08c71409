// Whether the thing at the daemon's socket path may be trusted before anything is sent to it.
// The app tells the daemon its ingest URL (which carries the ingest's secret token) and, at
// quit, the user's own webhook URL: told to an impostor, both leak, and the impostor's forged
// events would be delivered under the user's name. The real daemon creates its socket 0600 as
// the user running it and closes connections from any other uid (checkPeerUID in its IPC
// server), so the app trusts the path only when it is a socket owned by the user running the
// app — the same rule, seen from the other end. Every other case gets its own message.

import { lstat, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import type { Stats } from 'node:fs';

/** The user database consulted to put a name to a uid (Linux, macOS both have it). */
const PASSWD_FILE = '/etc/passwd';

export type SocketVerdict =
  | { ok: true }
  /** nothing there (yet): keep looking, the daemon may start later */
  | { ok: false; kind: 'missing'; message: string }
  /** there, but not something the app will talk to; `message` names what and whose */
  | { ok: false; kind: 'not-socket' | 'directory' | 'other-owner' | 'unreadable'; message: string };

export interface TrustInput {
  path: string;
  /** the uid the app runs as; null on platforms without uids (the check is skipped) */
  uid: number | null;
  /** for tests; default node:fs/promises stat */
  statPath?: (path: string) => Promise<Stats>;
  /** uid → user name; default reads /etc/passwd */
  userName?: (uid: number) => string | null;
}

export async function checkSocketTrust(input: TrustInput): Promise<SocketVerdict> {
  const { path } = input;
  let st: Stats;
  try {
    // stat follows a symlink: what counts is what a connect() would reach.
    st = await (input.statPath ?? stat)(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') {
      const dangling = await isSymlink(path);
      return {
        ok: false,
        kind: 'missing',
        message: dangling ? `daemon not found at ${path} (a symbolic link to nothing)` : `daemon not found at ${path}`,
      };
    }
    return { ok: false, kind: 'unreadable', message: `cannot look at ${path}: ${(err as Error).message}` };
  }
  const owner = describeUser(st.uid, input.userName ?? lookUpUserName);
  if (st.isDirectory()) {
    return {
      ok: false,
      kind: 'directory',
      message: `${path} is a directory, not the daemon's socket: point the app at the socket file inside it, or remove it`,
    };
  }
  if (!st.isSocket()) {
    const what = st.isFile() ? `a regular file (${st.size} bytes, owned by ${owner})` : `not a socket (owned by ${owner})`;
    return {
      ok: false,
      kind: 'not-socket',
      message: `${path} is ${what}, not the daemon's socket: no daemon is listening there; remove it or start the daemon, which replaces it`,
    };
  }
  if (input.uid !== null && st.uid !== input.uid) {
    const me = describeUser(input.uid, input.userName ?? lookUpUserName);
    return {
      ok: false,
      kind: 'other-owner',
      message: `refusing the socket at ${path}: it is owned by ${owner}, not by ${me} who runs this app. A Pilot daemon only serves its own user, so this is another user's daemon or an impostor; nothing was sent to it`,
    };
  }
  return { ok: true };
}

/** "ada (uid 1000)", or "uid 1000" when the name is not known. */
export function describeUser(uid: number, userName: (uid: number) => string | null = lookUpUserName): string {
  const name = userName(uid);
  return name ? `${name} (uid ${uid})` : `uid ${uid}`;
}

/** The name /etc/passwd gives the uid, or null. */
export function lookUpUserName(uid: number): string | null {
  try {
    for (const line of readFileSync(PASSWD_FILE, 'utf8').split('\n')) {
      const fields = line.split(':');
      if (fields.length > 2 && Number(fields[2]) === uid && fields[0]) return fields[0];
    }
  } catch {
    // no user database: the uid alone is said
  }
  return null;
}

async function isSymlink(path: string): Promise<boolean> {
  try {
    return (await lstat(path)).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The uid this process runs as, or null where there are none (Windows). */
export function currentUid(): number | null {
  return typeof process.getuid === 'function' ? process.getuid() : null;
}
