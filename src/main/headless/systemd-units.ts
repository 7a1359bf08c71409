// The systemd user units of the headless host on a server: a .socket unit that owns the ingest's
// listening socket (so the kernel holds the daemon's POSTs while the process restarts) and a
// .service that runs the host with Restart=, started by the socket and by default.target. Pure:
// the installer (src/main/install-systemd-units.ts) writes what this returns.

export const SERVICE_UNIT = 'pilot-webhook.service';
export const SOCKET_UNIT = 'pilot-webhook-ingest.socket';
/**
 * The ingest port when none was given or remembered: fixed, because the socket unit names it and
 * the daemon is told the URL with it. Any free loopback port works (--port).
 */
export const DEFAULT_INGEST_PORT = 47_616;
/**
 * How long systemd waits before starting the host again after it died. Well inside the daemon's
 * own retry window (attempts at 0, 1 and 3 s): the POSTs waiting in the backlog are answered.
 */
export const RESTART_SEC = 1;

export interface UnitOptions {
  /** absolute path of the node binary (Node 24) */
  node: string;
  /** absolute path of dist/main/headless.js */
  headless: string;
  dataDir: string;
  ingestPort: number;
  /** the daemon's socket, when not found the usual way */
  daemonSocket?: string;
}

/** systemd unit-file quoting: each argument in double quotes, with \ " and % escaped. */
export function quoteArg(arg: string): string {
  return `"${arg.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%')}"`;
}

export function renderUnits(o: UnitOptions): Record<string, string> {
  const exec = [o.node, o.headless, '--data-dir', o.dataDir, ...(o.daemonSocket ? ['--daemon-socket', o.daemonSocket] : [])]
    .map(quoteArg)
    .join(' ');
  return {
    [SOCKET_UNIT]: `# Pilot Webhook: the ingest socket the Pilot daemon posts its events to. Held by systemd, so
# events wait in the kernel's backlog while ${SERVICE_UNIT} restarts instead of being refused.
[Unit]
Description=Pilot Webhook ingest socket (loopback)

[Socket]
ListenStream=127.0.0.1:${o.ingestPort}
FileDescriptorName=ingest
Service=${SERVICE_UNIT}
# a deep backlog: a restart of a second or two queues every POST of a busy daemon
Backlog=1024

[Install]
WantedBy=sockets.target
`,
    [SERVICE_UNIT]: `# Pilot Webhook headless host: forwards the Pilot daemon's events to your webhooks.
[Unit]
Description=Pilot Webhook headless host
Requires=${SOCKET_UNIT}
After=${SOCKET_UNIT}

[Service]
Type=simple
ExecStart=${exec}
Sockets=${SOCKET_UNIT}
Restart=on-failure
RestartSec=${RESTART_SEC}
# SIGTERM hands the daemon its URL back and drains; give it the quit's budget and some
TimeoutStopSec=15
UMask=0077

[Install]
WantedBy=default.target
`,
  };
}
