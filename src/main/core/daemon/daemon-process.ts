// Which process is the daemon behind a socket path, and what it was started with (Linux only).
// Neither Health nor Info reports the daemon's webhook URL, and a `-webhook U` flag is written
// nowhere on disk: the daemon's own command line is the only place it can be read. The daemon's
// HOME (where it keeps ~/.pilot/webhook_url and reads config.json) may not be the app's either.
// /proc has both, for processes of the same user: the listening socket is found in
// /proc/net/unix by its path, its inode in some process's /proc/<pid>/fd. Nothing here is
// trusted for safety (socket-trust.ts does that); it only informs what the app says and restores.

import { readdir, readFile, readlink, stat } from 'node:fs/promises';
import path from 'node:path';

/** __SO_ACCEPTCON in /proc/net/unix's Flags column: the socket is listening. */
const SO_ACCEPTCON = 0x10000;
/** The daemon binds in a fresh `<parent>/.pilot-sock-*` folder, then renames the socket into place. */
const DAEMON_BIND_DIR_PREFIX = '.pilot-sock-';
/** Clock ticks per second of /proc/<pid>/stat's starttime (USER_HZ: 100 on every Linux build in use). */
const USER_HZ = 100;

export interface DaemonProcess {
  pid: number;
  argv: string[];
  /** the value of its -webhook flag, when it was started with one */
  webhookFlag: string | null;
  /** its HOME (where its ~/.pilot is), or null when the environment could not be read */
  home: string | null;
  /** epoch ms the process started, or null */
  startedAt: number | null;
}

export interface ProcFs {
  readText(file: string): Promise<string>;
  list(dir: string): Promise<string[]>;
  link(file: string): Promise<string>;
  ownerUid(file: string): Promise<number>;
}

const realProc: ProcFs = {
  readText: (f) => readFile(f, 'utf8'),
  list: (d) => readdir(d),
  link: (f) => readlink(f),
  ownerUid: async (f) => (await stat(f)).uid,
};

/**
 * The process listening on `socketPath`, among those owned by `uid`, or null (not Linux, not
 * found, more than one candidate, another user's). Never throws.
 */
export async function findDaemonProcess(socketPath: string, uid: number | null, proc: ProcFs = realProc): Promise<DaemonProcess | null> {
  if (process.platform !== 'linux' && proc === realProc) return null;
  try {
    const inodes = listeningInodes(await proc.readText('/proc/net/unix'), socketPath);
    if (inodes.size === 0) return null;
    const pids: number[] = [];
    for (const entry of await proc.list('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      const dir = `/proc/${entry}`;
      try {
        if (uid !== null && (await proc.ownerUid(dir)) !== uid) continue;
        for (const fd of await proc.list(`${dir}/fd`)) {
          const target = await proc.link(`${dir}/fd/${fd}`).catch(() => '');
          const m = /^socket:\[(\d+)\]$/.exec(target);
          if (m && inodes.has(m[1]!)) {
            pids.push(Number(entry));
            break;
          }
        }
      } catch {
        // a process that ended meanwhile, or one we may not look into
      }
    }
    if (pids.length !== 1) return null;
    return await describeProcess(pids[0]!, proc);
  } catch {
    return null;
  }
}

/** Inodes of the listening sockets bound at `socketPath` (directly, or via the daemon's rename). */
export function listeningInodes(procNetUnix: string, socketPath: string): Set<string> {
  const out = new Set<string>();
  const wantDir = path.posix.dirname(socketPath);
  const wantName = path.posix.basename(socketPath);
  for (const line of procNetUnix.split('\n').slice(1)) {
    const cols = line.trim().split(/\s+/);
    if (cols.length < 8) continue;
    const flags = parseInt(cols[3]!, 16);
    if (!(flags & SO_ACCEPTCON)) continue;
    const bound = cols.slice(7).join(' ');
    const renamed =
      path.posix.basename(bound) === wantName &&
      path.posix.basename(path.posix.dirname(bound)).startsWith(DAEMON_BIND_DIR_PREFIX) &&
      path.posix.dirname(path.posix.dirname(bound)) === wantDir;
    if (bound === socketPath || renamed) out.add(cols[6]!);
  }
  return out;
}

/** The value of a Go `flag` named `name` in argv (-name v, -name=v, --name v, --name=v). */
export function goFlag(argv: readonly string[], name: string): string | null {
  let value: string | null = null;
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') break;
    const m = /^--?([^=]+)(?:=(.*))?$/.exec(a);
    if (!m || m[1] !== name) continue;
    if (m[2] !== undefined) value = m[2];
    else if (i + 1 < argv.length) value = argv[++i]!;
  }
  return value; // Go's flag package: the last one wins
}

async function describeProcess(pid: number, proc: ProcFs): Promise<DaemonProcess> {
  const argv = (await proc.readText(`/proc/${pid}/cmdline`)).split('\0');
  if (argv.at(-1) === '') argv.pop();
  const env = await proc.readText(`/proc/${pid}/environ`).catch(() => null);
  const home = env?.split('\0').find((kv) => kv.startsWith('HOME='))?.slice('HOME='.length) ?? null;
  const flag = goFlag(argv, 'webhook');
  return {
    pid,
    argv,
    webhookFlag: flag === null || flag.trim() === '' ? null : flag.trim(),
    home: home || null,
    startedAt: await startTime(pid, proc),
  };
}

async function startTime(pid: number, proc: ProcFs): Promise<number | null> {
  try {
    const statLine = await proc.readText(`/proc/${pid}/stat`);
    // fields after the command name (which is in parentheses and may hold spaces)
    const rest = statLine.slice(statLine.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(rest[19]); // field 22 overall: starttime
    const btime = Number(/^btime (\d+)$/m.exec(await proc.readText('/proc/stat'))?.[1]);
    if (!Number.isFinite(ticks) || !Number.isFinite(btime)) return null;
    return Math.round((btime + ticks / USER_HZ) * 1000);
  } catch {
    return null;
  }
}
