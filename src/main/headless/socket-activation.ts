// systemd socket activation for the headless host's ingest (sd_listen_fds(3)): when started by a
// .socket unit, the service manager owns the ingest's listening socket and passes it as fd 3. It
// keeps that socket open while the process restarts (Restart= in the service), so the kernel
// queues the daemon's POSTs in the listen backlog instead of refusing them: a crash costs a
// delay, not events. Without the variables the host listens itself, as always.

/** The first passed file descriptor (SD_LISTEN_FDS_START). */
export const SD_LISTEN_FDS_START = 3;
/** The FileDescriptorName= our socket unit gives the ingest socket. */
export const INGEST_FD_NAME = 'ingest';

export interface ActivationResult {
  /** the fd to serve the ingest on, or undefined when not socket-activated */
  ingestFd?: number;
  /** why passed sockets were ignored, for the log */
  problem?: string;
}

/**
 * Reads LISTEN_PID / LISTEN_FDS / LISTEN_FDNAMES as sd_listen_fds does, and removes them from
 * `env` so a child process never takes them for its own.
 */
export function socketActivation(env: NodeJS.ProcessEnv, pid: number): ActivationResult {
  const listenPid = env.LISTEN_PID;
  const listenFds = env.LISTEN_FDS;
  const names = env.LISTEN_FDNAMES;
  delete env.LISTEN_PID;
  delete env.LISTEN_FDS;
  delete env.LISTEN_FDNAMES;
  if (listenFds === undefined) return {};
  if (Number(listenPid) !== pid) return { problem: `LISTEN_PID=${listenPid ?? ''} is not this process (${pid}): passed sockets ignored` };
  const count = Number(listenFds);
  if (!Number.isInteger(count) || count < 1) return { problem: `LISTEN_FDS=${listenFds} holds no socket: the ingest listens itself` };
  const list = names ? names.split(':') : [];
  const index = list.indexOf(INGEST_FD_NAME);
  if (count > 1 && index < 0) return { problem: `${count} sockets passed and none is named "${INGEST_FD_NAME}" (FileDescriptorName=): the ingest listens itself` };
  return { ingestFd: SD_LISTEN_FDS_START + Math.max(0, index) };
}
