// The daemon link: the daemon has no "subscribe" command, so the app subscribes by pointing the
// daemon's webhook at its own ingest URL (SetWebhook), then keeps that true. It is a state
// machine over one value, `phase` (see DaemonPhase in shared/bridge.ts), and one IPC connection
// at a time, each a Session with its own AbortController: when a connection ends, everything
// started for it (its Health timer, its pending steps) is cancelled with it, so a late answer
// on an old connection can never act on the new one. Around that: it trusts only a socket owned
// by the user running the app, learns what the daemon delivered to before it linked (to restore
// it at quit), reads the daemon's counters before every SetWebhook (what was lost while not
// linked), notices when someone else takes the webhook, and hands delivery back within a stated
// budget (hand-back.ts).

import { homedir } from 'node:os';
import type { DaemonPhase, DaemonView } from '../../../shared/bridge';
import { HopCounters } from './hop-counters';
import { DEFAULT_REQUEST_TIMEOUT_MS, DaemonError, IpcClient, IpcClosedError } from './ipc-client';
import { checkSocketTrust, currentUid, describeUser } from './socket-trust';
import { findDaemonProcess, type DaemonProcess } from './daemon-process';
import { deliveredBefore, readDaemonWebhookFiles, startUrl, type DaemonWebhookFiles } from './daemon-webhook-files';
import { HAND_BACK_BUDGET_MS, handBack } from './hand-back';
import { lossBeforeLink, otherAppText, startEventsElsewhere, takeoverText } from './link-findings';
import { LinkMemory, type RestoreMode } from './link-memory';
import { describeRestore, type RestoreInput } from './restore-target';
import { isOwnIngestUrl, probeIngest } from '../own-ingest-url';
import { maskUrlCredentials } from '../../../shared/url-mask';

export { HAND_BACK_BUDGET_MS };
/** How often Health is polled while linked: cheap and local on the daemon's side. */
export const DEFAULT_HEALTH_INTERVAL_MS = 3000;
/** First wait before reconnecting after a failure; doubles on each failure in a row. */
export const DEFAULT_RECONNECT_MIN_MS = 500;
/** Cap of that doubling: a daemon that comes back is found within this long. */
export const DEFAULT_RECONNECT_MAX_MS = 10_000;
/** How often a socket file that is not there yet is looked for. */
export const DEFAULT_SOCKET_POLL_MS = 1000;
/**
 * The daemon answers SetWebhook only after its old webhook client has drained, which the
 * webhook plugin bounds at 5 s (Client.Close). SetWebhook gets this much on top of the
 * ordinary request timeout while running (not at quit: see HAND_BACK_BUDGET_MS).
 */
export const DAEMON_WEBHOOK_DRAIN_MS = 5000;
/** Health's uptime_seconds is whole seconds (seen rounded up): a restart is judged with this slack. */
const UPTIME_SLACK_MS = 2000;

export interface DaemonLinkOptions {
  socketPath: string | null;
  unsupportedReason?: string;
  ingestUrl: string;
  /** the app's primary URL (handed back when the daemon had none before) */
  userUrl: () => string | null;
  onQuit?: 'restore' | 'clear';
  healthIntervalMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  requestTimeoutMs?: number;
  socketPollMs?: number;
  isOwnIngestUrl?: (url: string) => boolean;
  /** remembered across runs (data folder); default in memory only */
  memory?: LinkMemory;
  /** the daemon's HOME; default: its process's HOME from /proc, else the app's */
  daemonHome?: string;
  /** default: the /proc lookup (Linux); tests pass their own */
  findProcess?: (socketPath: string) => Promise<DaemonProcess | null>;
  /** the uid the socket must belong to; default the app's own (null: no check) */
  uid?: number | null;
  /** is another app instance's ingest alive at this URL? */
  probeIngest?: (url: string) => Promise<boolean>;
}

/** The view when the link is off for this run (--no-daemon). */
export function daemonOffView(): DaemonView {
  return {
    phase: 'off',
    connected: false,
    socket: null,
    nodeId: null,
    address: null,
    health: null,
    error: null,
    enabled: false,
    hop: { dropped: 0, circuitSkips: 0 },
    loss: null,
    takenBy: null,
    startEventsElsewhere: null,
    restore: null,
    lastEvent: null,
    warnings: [],
  };
}

/** The link's view (DaemonView; the name is kept for its callers). */
export type DaemonLinkView = DaemonView;

/** One IPC connection and everything started for it; `end()` cancels all of that. */
class Session {
  readonly abort = new AbortController();
  timer: NodeJS.Timeout | null = null;
  constructor(readonly client: IpcClient) {}
  get live(): boolean {
    return !this.abort.signal.aborted;
  }
  end(): void {
    this.abort.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.client.close();
  }
}

export class DaemonLink {
  private readonly healthIntervalMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly requestTimeoutMs: number;
  private readonly socketPollMs: number;
  private readonly isOwn: (url: string) => boolean;
  private readonly memory: LinkMemory;
  private readonly listeners = new Set<() => void>();
  private readonly hop = new HopCounters();
  /** memory as this run found it: the previous run's ending */
  private readonly previous: { lastAliveAt: number | null; handedBack: boolean };
  private state: DaemonLinkView;
  private session: Session | null = null;
  /** reconnect / socket-poll timer, when there is no session */
  private timer: NodeJS.Timeout | null = null;
  private failuresInARow = 0;
  /** our ingest URL has been set in the daemon (or is on the wire): from then on stop() hands back */
  private subscribed = false;
  /** the daemon's webhook_url was seen naming our ingest: the right HOME, the file can be watched */
  private filesConfirmed = false;
  private proc: DaemonProcess | null = null;
  private daemonHome: string;
  private lastAliveAt = 0;
  /** the daemon process behind this connection is not the one of the last (its start, from /proc) */
  private restartedAt: number | null = null;
  private stopping: Promise<void> | null = null;

  constructor(private readonly opts: DaemonLinkOptions) {
    this.healthIntervalMs = opts.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
    this.reconnectMinMs = opts.reconnectMinMs ?? DEFAULT_RECONNECT_MIN_MS;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.socketPollMs = opts.socketPollMs ?? DEFAULT_SOCKET_POLL_MS;
    this.isOwn = (url) => url === opts.ingestUrl || (opts.isOwnIngestUrl ?? isOwnIngestUrl)(url);
    this.memory = opts.memory ?? new LinkMemory(null);
    this.previous = { lastAliveAt: this.memory.get().lastAliveAt, handedBack: this.memory.get().handedBack };
    this.daemonHome = opts.daemonHome ?? homedir();
    const off = opts.socketPath === null;
    this.state = {
      phase: off ? 'off' : 'searching',
      connected: false,
      socket: opts.socketPath,
      nodeId: null,
      address: null,
      health: null,
      error: off ? (opts.unsupportedReason ?? 'no daemon socket to connect to') : null,
      enabled: !off,
      lastEvent: null,
      hop: { dropped: 0, circuitSkips: 0 },
      loss: null,
      takenBy: null,
      startEventsElsewhere: null,
      restore: null,
      warnings: this.memory.problem ? [this.memory.problem] : [],
    };
  }

  /** The longest stop() takes: the quit's budget is this plus the dispatcher's drain. */
  static readonly stopBudgetMs = HAND_BACK_BUDGET_MS;

  start(): void {
    if (this.state.phase !== 'searching' || this.timer || this.session || this.stopping) return;
    this.later(0, () => this.connectOnce());
  }

  /** The state for the window: every URL in it with its credentials masked (they are the user's secrets). */
  view(): DaemonLinkView {
    const m = (t: string | null): string | null => (t === null ? null : maskUrlCredentials(t));
    const st = this.state;
    const restore = this.restoreView();
    return {
      ...st,
      health: st.health ? { ...st.health } : null,
      error: m(st.error),
      lastEvent: m(st.lastEvent),
      loss: st.loss && { ...st.loss, text: maskUrlCredentials(st.loss.text) },
      takenBy: st.takenBy && { url: m(st.takenBy.url), text: maskUrlCredentials(st.takenBy.text) },
      startEventsElsewhere: m(st.startEventsElsewhere),
      restore: restore && { ...restore, url: m(restore.url), why: maskUrlCredentials(restore.why), guess: m(restore.guess) },
      warnings: st.warnings.map(maskUrlCredentials),
    };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The user's answer to "what should the daemon get back at quit?" (asked once, remembered). */
  chooseRestore(mode: RestoreMode): void {
    this.memory.update({ restoreChoice: { mode, at: Date.now() } });
    this.update({});
  }

  /** Points the daemon at our ingest again after someone else took it (the user asked). */
  async takeBack(): Promise<{ ok: boolean; message: string }> {
    const s = this.session;
    if (!s) return { ok: false, message: this.state.error ?? 'not connected to the daemon' };
    if (this.state.phase !== 'taken-over' && this.state.phase !== 'other-app') return { ok: true, message: 'already linked' };
    this.filesConfirmed = false;
    await this.subscribe(s, true);
    const v = this.view();
    return v.phase === 'linked' ? { ok: true, message: v.lastEvent ?? 'linked' } : { ok: false, message: v.error ?? 'not linked' };
  }

  /**
   * Hands delivery back to the daemon (see restore-target.ts for what), then closes; never
   * longer than HAND_BACK_BUDGET_MS. Only when this link set the ingest URL and nobody took it
   * since. Call it before the ingest closes: the daemon drains its old client into the ingest.
   */
  stop(): Promise<void> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<void> {
    this.clearTimer();
    const s = this.session;
    this.session = null;
    s?.abort.abort();
    if (s?.timer) clearTimeout(s.timer);
    const path = this.opts.socketPath;
    const ours = this.subscribed && this.state.phase !== 'taken-over' && this.state.phase !== 'other-app';
    if (path === null || !ours) {
      s?.client.close();
      if (this.subscribed && !ours) this.memory.update({ handedBack: true, original: null });
      const note = this.state.takenBy ? `left the daemon's webhook as it is: ${this.state.takenBy.url ?? 'cleared'} (set by someone else)` : this.state.lastEvent;
      this.update({ phase: path === null ? 'off' : 'stopped', connected: false, lastEvent: note });
      return;
    }
    this.update({ phase: 'stopping' });
    const target = this.restoreView()?.url ?? ''; // unmasked: the daemon gets the URL as it was
    const result = await handBack({
      socketPath: path,
      client: s?.client ?? null,
      target,
      ingestUrl: this.opts.ingestUrl,
      daemonHome: this.daemonHome,
      daemonProcess: this.proc,
      onHealth: (h) => this.hop.observe(h),
    });
    s?.client.close();
    if (result.ok) this.memory.update({ handedBack: true, original: null });
    this.update({
      phase: 'stopped',
      connected: false,
      hop: this.hop.totals(),
      lastEvent: result.text,
      error: result.ok ? this.state.error : `could not hand the webhook back: ${result.text}`,
    });
  }

  private restoreView(): DaemonLinkView['restore'] {
    if (this.opts.socketPath === null) return null;
    const m = this.memory.get();
    const input: RestoreInput = {
      onQuit: this.opts.onQuit ?? 'restore',
      choice: m.restoreChoice?.mode ?? null,
      original: m.original,
      appUrl: this.opts.userUrl(),
      isOwn: this.isOwn,
    };
    return describeRestore(input);
  }

  private async connectOnce(): Promise<void> {
    const path = this.opts.socketPath!;
    const uid = this.opts.uid === undefined ? currentUid() : this.opts.uid;
    const verdict = await checkSocketTrust({ path, uid });
    if (this.stopping) return;
    if (!verdict.ok) {
      const phase: DaemonPhase = verdict.kind === 'missing' ? 'searching' : 'untrusted';
      if (this.state.error !== verdict.message) this.update({ phase, connected: false, error: verdict.message, lastEvent: verdict.message });
      this.later(phase === 'searching' ? this.socketPollMs : this.reconnectMaxMs, () => this.connectOnce());
      return;
    }
    this.update({ phase: 'connecting' });
    let client: IpcClient;
    try {
      client = await IpcClient.connect(path, this.requestTimeoutMs);
    } catch (err) {
      if (this.stopping) return;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return this.later(0, () => this.connectOnce()); // removed between the check and the connect
      return this.retryLater(describeConnectError(err, path), false);
    }
    if (this.stopping) return void client.close();
    const s = new Session(client);
    this.session = s;
    let answered = false;
    client.onClose((err) => {
      if (this.session !== s) return; // ended on purpose: already said why
      // The daemon closes other users' connections at accept, before any answer (EPIPE here).
      const refused = !answered && uid !== null && (err === null || err instanceof IpcClosedError);
      this.endSession(s, refused ? `the daemon at ${path} closed the connection before answering: it accepts only its own user, and this app runs as ${describeUser(uid)}` : err ? err.message : 'connection closed');
    });
    try {
      const info = await client.info(this.requestTimeoutMs);
      answered = true;
      if (!s.live) return;
      this.update({ nodeId: info.nodeId, address: info.address });
      const found = await (this.opts.findProcess ?? ((p) => findDaemonProcess(p, uid)))(path);
      this.restartedAt = found && this.proc && found.pid !== this.proc.pid ? found.startedAt : null;
      this.proc = found ?? this.proc;
      this.daemonHome = this.opts.daemonHome ?? this.proc?.home ?? this.daemonHome;
      if (!s.live) return;
      await this.subscribe(s);
      if (!s.live) return;
      await this.poll(s);
    } catch (err) {
      this.endSession(s, errorText(err));
    }
  }

  /** Reads what the daemon had and lost, then SetWebhook(ingest) — unless someone else holds it. */
  private async subscribe(s: Session, userAsked = false): Promise<void> {
    const files = await readDaemonWebhookFiles(this.daemonHome);
    this.update({ warnings: [...(this.memory.problem ? [this.memory.problem] : []), ...(files.configProblem ? [files.configProblem] : [])] });
    const firstOfRun = !this.subscribed;
    const current = firstOfRun ? deliveredBefore(files, this.proc, this.isOwn) : null;
    if (!userAsked) {
      // Someone else's live ingest (another instance of this app): told, not taken.
      const held = current?.url ?? files.persisted;
      if (held && held !== this.opts.ingestUrl && /\/ingest\//.test(held) && (await (this.opts.probeIngest ?? probeIngest)(held))) {
        this.update({ phase: 'other-app', connected: true, takenBy: { url: held, text: otherAppText(held) }, error: null, lastEvent: otherAppText(held) });
        return;
      }
      // While linked in this run, a webhook_url that stopped naming us is a takeover: told, not re-taken.
      if (!firstOfRun && this.filesConfirmed && files.persisted !== this.opts.ingestUrl) {
        return this.takenOver(files);
      }
    }
    const before = await s.client.health(this.requestTimeoutMs);
    if (!s.live) return;
    const now = Date.now();
    if (current) {
      const m = this.memory.get();
      const kept = (current.leftover || !current.known) && m.original && !this.previous.handedBack ? m.original : null;
      this.memory.update({ original: kept ?? { url: current.url, source: current.source, known: current.known, at: now }, handedBack: false });
      const loss = lossBeforeLink({
        health: before,
        lastAliveAt: this.previous.lastAliveAt,
        handedBack: this.previous.handedBack,
        postingTo: current.url === null || current.leftover ? 'our-ingest' : { url: current.url },
        now,
      });
      this.update({ loss });
    } else {
      this.hop.observe(before); // the last counters of our own previous connection
      // Restarted since we last saw it alive: a new process (from /proc), else by its own uptime,
      // which it reports in whole seconds rounded up (so give it that much slack).
      const uptime = typeof before.uptime_seconds === 'number' ? before.uptime_seconds * 1000 : null;
      const startedAt = this.restartedAt ?? (uptime !== null && now - uptime > this.lastAliveAt - UPTIME_SLACK_MS ? now - uptime : null);
      if (startedAt !== null) {
        this.update({ startEventsElsewhere: startEventsElsewhere(startUrl(files, this.proc), this.opts.ingestUrl, startedAt, now) });
      }
    }
    this.subscribed = true;
    try {
      await s.client.setWebhook(this.opts.ingestUrl, this.requestTimeoutMs + DAEMON_WEBHOOK_DRAIN_MS);
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      const message = `the daemon refused the ingest URL: ${err.daemonMessage}`;
      if (firstOfRun) this.subscribed = false;
      this.update({ phase: 'refused', connected: true, error: message, lastEvent: message });
      return;
    }
    if (!s.live) return;
    this.hop.clientRebuilt(); // our SetWebhook started a new webhook client with counters at 0
    this.filesConfirmed = (await readDaemonWebhookFiles(this.daemonHome)).persisted === this.opts.ingestUrl;
    this.failuresInARow = 0;
    const node = this.state.nodeId === null ? '' : ` (node ${this.state.nodeId})`;
    const lastEvent = `${firstOfRun ? 'linked' : 're-linked'} to daemon at ${this.opts.socketPath}${node}`;
    this.update({ phase: 'linked', connected: true, error: null, takenBy: null, hop: this.hop.totals(), lastEvent });
  }

  private takenOver(files: DaemonWebhookFiles): void {
    if (this.state.phase === 'taken-over' && this.state.takenBy?.url === files.persisted) return;
    const text = takeoverText(files.persisted, files.configWebhook);
    this.update({ phase: 'taken-over', connected: true, takenBy: { url: files.persisted, text }, error: text, lastEvent: text });
  }

  /** Health now, then every healthIntervalMs while the session lives; watches for a takeover. */
  private async poll(s: Session): Promise<void> {
    const health = await s.client.health(this.requestTimeoutMs);
    if (!s.live) return;
    this.lastAliveAt = Date.now();
    if (this.state.phase === 'linked' || this.state.phase === 'taken-over') {
      const files = await readDaemonWebhookFiles(this.daemonHome);
      if (!s.live) return;
      if (this.filesConfirmed && files.persisted !== this.opts.ingestUrl) this.takenOver(files);
      else if (this.state.phase === 'taken-over' && files.persisted === this.opts.ingestUrl) {
        this.update({ phase: 'linked', takenBy: null, error: null, lastEvent: 'the daemon delivers to the app again' });
      }
      if (this.state.phase === 'linked') this.memory.update({ lastAliveAt: this.lastAliveAt });
    }
    // A later try may be accepted; another instance that went away leaves the daemon to us.
    if (this.state.phase === 'refused') await this.subscribe(s);
    else if (this.state.phase === 'other-app' && !(await (this.opts.probeIngest ?? probeIngest)(this.state.takenBy?.url ?? ''))) await this.subscribe(s);
    this.update({ health });
    if (!s.live) return;
    s.timer = setTimeout(() => {
      s.timer = null;
      this.poll(s).catch((err: unknown) => this.endSession(s, `Health failed: ${errorText(err)}`));
    }, this.healthIntervalMs);
  }

  private endSession(s: Session, reason: string): void {
    if (this.session !== s) return;
    this.session = null;
    s.end();
    if (!this.stopping) this.retryLater(reason, true);
  }

  private retryLater(reason: string, wasConnected: boolean): void {
    const delay = Math.min(this.reconnectMaxMs, this.reconnectMinMs * 2 ** Math.min(this.failuresInARow, 30));
    this.failuresInARow++;
    const message = wasConnected ? `daemon gone: ${reason}, retrying in ${formatDelay(delay)}` : `${reason}; retrying in ${formatDelay(delay)}`;
    this.update({ phase: 'backoff', connected: false, error: message, lastEvent: message });
    this.later(delay, () => this.connectOnce());
  }

  private later(ms: number, fn: () => Promise<void>): void {
    this.clearTimer();
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      void fn();
    }, ms);
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private update(patch: Partial<DaemonLinkView>): void {
    if (patch.health) {
      this.hop.observe(patch.health);
      patch = { ...patch, hop: this.hop.totals() };
    }
    this.state = { ...this.state, ...patch };
    for (const listener of this.listeners) listener();
  }
}

function describeConnectError(err: unknown, path: string): string {
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

function formatDelay(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 1)} s` : `${ms} ms`;
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
