// The daemon link: the daemon has no "subscribe" command, so the app subscribes by pointing the
// daemon's webhook at its own ingest URL (SetWebhook), then keeps that true. This file is the
// state machine's driver: it owns the connection lifecycle (find a trusted socket, connect,
// identify, subscribe, keep polling; on failure back off and start over) and the user's
// commands (take back, choose the restore, stop). Its state is one value, the phase in
// LinkStatus (link-view.ts); one IPC connection at a time is a Session (link-session.ts) whose
// end cancels everything started for it. The steps live one per file:
// - link-subscription.ts: SetWebhook, and what is learnt right before it;
// - health-loop.ts: the Health tick, which runs take-over detection (takeover-watch.ts);
// - link-backoff.ts: when to try again;
// - link-stop.ts and hand-back.ts: handing delivery back within a stated budget.
// What the steps share is described in link-context.ts.

import { homedir } from 'node:os';
import type { DaemonPhase } from '../../../shared/bridge';
import { errorText } from '../../../shared/error-text';
import { DEFAULT_REQUEST_TIMEOUT_MS, IpcClient } from './ipc-client';
import { checkSocketTrust, currentUid } from './socket-trust';
import { findDaemonProcess, type DaemonProcess } from './daemon-process';
import { HAND_BACK_BUDGET_MS } from './hand-back';
import { DEFAULT_HEALTH_INTERVAL_MS, pollHealth } from './health-loop';
import { backoffMessage, DEFAULT_RECONNECT_MAX_MS, DEFAULT_RECONNECT_MIN_MS, DEFAULT_SOCKET_POLL_MS, reconnectDelay } from './link-backoff';
import type { LinkContext } from './link-context';
import { LinkMemory, type RestoreMode } from './link-memory';
import { closeReason, describeConnectError, identifyDaemon, Session } from './link-session';
import { restoreOf, stopLink } from './link-stop';
import { DAEMON_WEBHOOK_DRAIN_MS, subscribe } from './link-subscription';
import { initialView, LinkStatus, maskedView, type DaemonLinkView } from './link-view';
import { isOwnIngestUrl, probeIngest } from '../own-ingest-url';

export { daemonOffView, type DaemonLinkView } from './link-view';
export { DAEMON_WEBHOOK_DRAIN_MS, DEFAULT_HEALTH_INTERVAL_MS, DEFAULT_RECONNECT_MAX_MS, DEFAULT_RECONNECT_MIN_MS, DEFAULT_SOCKET_POLL_MS, HAND_BACK_BUDGET_MS };

export interface DaemonLinkOptions {
  socketPath: string | null;
  unsupportedReason?: string;
  ingestUrl: string;
  /** the app's primary URL (handed back when the daemon had none before) */
  userUrl: () => string | null;
  /**
   * why the app's primary cannot be handed to the daemon (its body format or extra headers are
   * not the daemon's), or null when it can: then `userUrl` is null and the daemon is cleared
   */
  userUrlUnusable?: () => string | null;
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

export class DaemonLink {
  /** The longest stop() takes: the quit's budget is this plus the dispatcher's drain. */
  static readonly stopBudgetMs = HAND_BACK_BUDGET_MS;

  private readonly ctx: LinkContext;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly socketPollMs: number;
  private session: Session | null = null;
  /** reconnect / socket-poll timer, when there is no session */
  private timer: NodeJS.Timeout | null = null;
  private stopping: Promise<void> | null = null;

  constructor(opts: DaemonLinkOptions) {
    this.reconnectMinMs = opts.reconnectMinMs ?? DEFAULT_RECONNECT_MIN_MS;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS;
    this.socketPollMs = opts.socketPollMs ?? DEFAULT_SOCKET_POLL_MS;
    const isOwn = opts.isOwnIngestUrl ?? isOwnIngestUrl;
    const uid = opts.uid === undefined ? currentUid() : opts.uid;
    const memory = opts.memory ?? new LinkMemory(null);
    this.ctx = {
      settings: {
        socketPath: opts.socketPath,
        ingestUrl: opts.ingestUrl,
        userUrl: opts.userUrl,
        userUrlUnusable: opts.userUrlUnusable ?? (() => null),
        onQuit: opts.onQuit ?? 'restore',
        healthIntervalMs: opts.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS,
        requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
        isOwn: (url) => url === opts.ingestUrl || isOwn(url),
        probeIngest: opts.probeIngest ?? probeIngest,
        uid,
        findProcess: opts.findProcess ?? ((p) => findDaemonProcess(p, uid)),
        daemonHome: opts.daemonHome,
      },
      run: {
        subscribed: false,
        subscribing: null,
        filesConfirmed: false,
        proc: null,
        daemonHome: opts.daemonHome ?? homedir(),
        lastAliveAt: 0,
        restartedAt: null,
        failuresInARow: 0,
      },
      status: new LinkStatus(initialView(opts.socketPath, opts.unsupportedReason, memory.problem ? [memory.problem] : [])),
      memory,
      previous: { lastAliveAt: memory.get().lastAliveAt, handedBack: memory.get().handedBack },
    };
  }

  start(): void {
    if (this.ctx.status.state.phase !== 'searching' || this.timer || this.session || this.stopping) return;
    this.later(0, () => this.connectOnce());
  }

  /** The state for the window: every URL in it with its credentials masked (they are the user's secrets). */
  view(): DaemonLinkView {
    return maskedView(this.ctx.status.state, restoreOf(this.ctx));
  }

  onChange(listener: () => void): () => void {
    return this.ctx.status.onChange(listener);
  }

  /** The user's answer to "what should the daemon get back at quit?" (asked once, remembered). */
  chooseRestore(mode: RestoreMode): void {
    this.ctx.memory.update({ restoreChoice: { mode, at: Date.now() } });
    this.ctx.status.update({});
  }

  /** Points the daemon at our ingest again after someone else took it (the user asked). */
  async takeBack(): Promise<{ ok: boolean; message: string }> {
    const s = this.session;
    const state = this.ctx.status.state;
    if (!s) return { ok: false, message: state.error ?? 'not connected to the daemon' };
    if (state.phase !== 'taken-over' && state.phase !== 'other-app') return { ok: true, message: 'already linked' };
    this.ctx.run.filesConfirmed = false;
    await subscribe(this.ctx, s, true);
    const v = this.view();
    return v.phase === 'linked' ? { ok: true, message: v.lastEvent ?? 'linked' } : { ok: false, message: v.error ?? 'not linked' };
  }

  /**
   * Hands delivery back to the daemon (see link-stop.ts for when, restore-target.ts for what),
   * then closes; never longer than HAND_BACK_BUDGET_MS. Call it before the ingest closes: the
   * daemon drains its old client into the ingest.
   */
  stop(): Promise<void> {
    this.stopping ??= this.finish();
    return this.stopping;
  }

  private async finish(): Promise<void> {
    this.clearTimer();
    const s = this.session;
    this.session = null;
    s?.cancel();
    await stopLink(this.ctx, s);
  }

  private async connectOnce(): Promise<void> {
    const { settings, status } = this.ctx;
    const path = settings.socketPath!;
    const verdict = await checkSocketTrust({ path, uid: settings.uid });
    if (this.stopping) return;
    if (!verdict.ok) {
      const phase: DaemonPhase = verdict.kind === 'missing' ? 'searching' : 'untrusted';
      if (status.state.error !== verdict.message) status.update({ phase, connected: false, error: verdict.message, lastEvent: verdict.message });
      this.later(phase === 'searching' ? this.socketPollMs : this.reconnectMaxMs, () => this.connectOnce());
      return;
    }
    status.update({ phase: 'connecting' });
    let client: IpcClient;
    try {
      client = await IpcClient.connect(path, settings.requestTimeoutMs);
    } catch (err) {
      if (this.stopping) return;
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return this.later(0, () => this.connectOnce()); // removed between the check and the connect
      return this.retryLater(describeConnectError(err, path), false);
    }
    if (this.stopping) return void client.close();
    const s = new Session(client);
    this.session = s;
    client.onClose((err) => {
      if (this.session !== s) return; // ended on purpose: already said why
      this.endSession(s, closeReason(s, err, path, settings.uid));
    });
    try {
      await identifyDaemon(this.ctx, s);
      if (!s.live) return;
      await subscribe(this.ctx, s);
      if (!s.live) return;
      await pollHealth(this.ctx, s, (reason) => this.endSession(s, reason));
    } catch (err) {
      this.endSession(s, errorText(err));
    }
  }

  private endSession(s: Session, reason: string): void {
    if (this.session !== s) return;
    this.session = null;
    s.end();
    if (!this.stopping) this.retryLater(reason, true);
  }

  private retryLater(reason: string, wasConnected: boolean): void {
    const delay = reconnectDelay(this.ctx.run.failuresInARow, this.reconnectMinMs, this.reconnectMaxMs);
    this.ctx.run.failuresInARow++;
    const message = backoffMessage(reason, wasConnected, delay);
    this.ctx.status.update({ phase: 'backoff', connected: false, error: message, lastEvent: message });
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
}
