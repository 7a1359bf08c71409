// One IPC connection to the daemon and everything started for it. The link holds at most one
// Session at a time; ending it aborts its signal and clears its Health timer, so a late answer
// on an old connection (a Health, a SetWebhook that took the plugin's drain time) can never act
// on the new one: every step checks `live` after each await. Also here: what a failed or
// refused connection is called, in words a user can act on.

import { IpcClosedError, type IpcClient } from './ipc-client';
import { describeUser } from './socket-trust';
import type { LinkContext } from './link-context';
import { errorText } from '../../../shared/error-text';

export class Session {
  readonly abort = new AbortController();
  /** the next Health tick (health-loop.ts) */
  timer: NodeJS.Timeout | null = null;
  /** the daemon answered on this connection (so a close is not the accept-time refusal) */
  answered = false;
  constructor(readonly client: IpcClient) {}

  get live(): boolean {
    return !this.abort.signal.aborted;
  }

  /** Stops everything started for this connection and leaves the connection open (the hand-back may use it). */
  cancel(): void {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  end(): void {
    this.cancel();
    this.client.close();
  }
}

/**
 * Who is at the other end: the daemon's node (Info) and, from /proc, its process (a new pid
 * means it restarted since the last connection; its HOME is where its webhook files are).
 */
export async function identifyDaemon(ctx: LinkContext, s: Session): Promise<void> {
  const { run, settings, status } = ctx;
  const info = await s.client.info(settings.requestTimeoutMs);
  s.answered = true;
  if (!s.live) return;
  status.update({ nodeId: info.nodeId, address: info.address });
  const found = await settings.findProcess(settings.socketPath!);
  run.restartedAt = found && run.proc && found.pid !== run.proc.pid ? found.startedAt : null;
  run.proc = found ?? run.proc;
  run.daemonHome = settings.daemonHome ?? run.proc?.home ?? run.daemonHome;
}

/** Why a connection closed: the daemon closes other users' connections at accept, before any answer (EPIPE here). */
export function closeReason(s: Session, err: Error | null, path: string, uid: number | null): string {
  const refused = !s.answered && uid !== null && (err === null || err instanceof IpcClosedError);
  if (refused) {
    return `the daemon at ${path} closed the connection before answering: it accepts only its own user, and this app runs as ${describeUser(uid)}`;
  }
  return err ? err.message : 'connection closed';
}

export function describeConnectError(err: unknown, path: string): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ECONNREFUSED':
      return `stale socket at ${path}: the socket file is there but no daemon is listening (a daemon that stopped without removing it?)`;
    case 'EACCES':
    case 'EPERM':
      return `permission denied at ${path} (the daemon may run as another user)`;
    case 'ENOTSOCK':
      return `${path} is not a socket`;
    default:
      return `cannot connect to ${path}: ${errorText(err)}`;
  }
}
