// What the parts of the daemon link share, sorted by how long it lives. The link's steps (the
// subscription, the health loop, take-over detection, the stop) are functions over one
// LinkContext, each in its own file, so none of them keeps state of its own and the one place
// that changes state stays visible:
// - LinkSettings: fixed for the run (from DaemonLinkOptions and their defaults);
// - LinkRun: what the link learns during the run and keeps across reconnects;
// - LinkStatus (link-view.ts): the state machine's value, the one thing the window sees;
// - LinkMemory (link-memory.ts): what outlives the run, in the data folder.
// One connection's own things (its cancellation, its Health timer) are a Session
// (link-session.ts) and end with it.

import type { DaemonProcess } from './daemon-process';
import type { LinkMemory } from './link-memory';
import type { LinkStatus } from './link-view';

export interface LinkSettings {
  socketPath: string | null;
  ingestUrl: string;
  /** the app's primary URL (handed back when the daemon had none before) */
  userUrl: () => string | null;
  /** why the primary cannot be handed back (not the daemon's body or it needs a header), or null */
  userUrlUnusable: () => string | null;
  onQuit: 'restore' | 'clear';
  healthIntervalMs: number;
  requestTimeoutMs: number;
  /** is this URL an ingest of this app (this run's or an earlier one's)? */
  isOwn: (url: string) => boolean;
  /** is another app instance's ingest alive at this URL? */
  probeIngest: (url: string) => Promise<boolean>;
  /** the uid the socket must belong to (null: no check) */
  uid: number | null;
  /** the daemon's process behind the socket (the /proc lookup on Linux) */
  findProcess: (socketPath: string) => Promise<DaemonProcess | null>;
  /** the daemon's HOME when given; otherwise its process's HOME, else the app's (LinkRun.daemonHome) */
  daemonHome: string | undefined;
}

export interface LinkRun {
  /** our ingest URL has been set in the daemon (or is on the wire): from then on stop() hands back */
  subscribed: boolean;
  /**
   * the SetWebhook(ingest) on the wire (null once answered), settled once its answer is taken
   * into `subscribed`: a stop() waits for it a moment, so a refusal (a retried refused URL) hands nothing back
   */
  subscribing: Promise<void> | null;
  /** the daemon's webhook_url was seen naming our ingest: the right HOME, the file can be watched */
  filesConfirmed: boolean;
  /** the daemon process behind the connection, from /proc (null: not found, or not Linux) */
  proc: DaemonProcess | null;
  /** where the daemon's webhook files are */
  daemonHome: string;
  /** epoch ms of the last Health answer */
  lastAliveAt: number;
  /** the daemon process behind this connection is not the one of the last (its start, from /proc) */
  restartedAt: number | null;
  /** failed connections since the last successful SetWebhook: the backoff's exponent */
  failuresInARow: number;
}

export interface LinkContext {
  readonly settings: LinkSettings;
  readonly run: LinkRun;
  readonly status: LinkStatus;
  readonly memory: LinkMemory;
  /** memory as this run found it: the previous run's ending */
  readonly previous: Readonly<{ lastAliveAt: number | null; handedBack: boolean }>;
}
