// The daemon link: the daemon has no "subscribe" command, so the app subscribes by pointing the
// daemon's webhook at its own ingest URL (SetWebhook), then keeps that true: it polls Health for
// liveness and the daemon-side counters, reconnects with capped backoff when the daemon goes
// away, re-asserts SetWebhook on every new connection, and on stop hands delivery back (the
// user's URL, or none) so the daemon is never left posting to a dead port.

import { HopCounters } from './hop-counters';
import { stat } from 'node:fs/promises';
import type { DaemonView } from '../../../shared/bridge';
import { DEFAULT_REQUEST_TIMEOUT_MS, DaemonError, IpcClient } from './ipc-client';

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
 * ordinary request timeout.
 */
export const DAEMON_WEBHOOK_DRAIN_MS = 5000;

export interface DaemonLinkOptions {
  socketPath: string | null;
  unsupportedReason?: string;
  ingestUrl: string;
  userUrl: () => string | null;
  onQuit?: 'restore' | 'clear';
  healthIntervalMs?: number;
  reconnectMinMs?: number;
  reconnectMaxMs?: number;
  requestTimeoutMs?: number;
  socketPollMs?: number;
  isOwnIngestUrl?: (url: string) => boolean;
}

/** DaemonView plus the last thing that happened to the link, in words. */
export interface DaemonLinkView extends DaemonView {
  lastEvent: string | null;
}

export class DaemonLink {
  private readonly healthIntervalMs: number;
  private readonly reconnectMinMs: number;
  private readonly reconnectMaxMs: number;
  private readonly requestTimeoutMs: number;
  private readonly socketPollMs: number;
  private readonly listeners = new Set<() => void>();
  private state: DaemonLinkView;
  private client: IpcClient | null = null;
  private timer: NodeJS.Timeout | null = null;
  private failuresInARow = 0;
  private everLinked = false;
  /** our ingest URL has been set in the daemon at least once: from then on stop() hands back */
  private everSubscribed = false;
  /**
   * SetWebhook(ingest) is on the wire, unanswered: the daemon applies it even if we stop before
   * the reply comes back (it can take the daemon's 5 s drain), so stop() must hand back then too.
   */
  private subscribeInFlight = false;
  private subscribed = false;
  private started = false;
  private stopped = false;
  private stopping: Promise<void> | null = null;
  private readonly hop = new HopCounters();

  constructor(private readonly opts: DaemonLinkOptions) {
    this.healthIntervalMs = opts.healthIntervalMs ?? DEFAULT_HEALTH_INTERVAL_MS;
    this.reconnectMinMs = opts.reconnectMinMs ?? DEFAULT_RECONNECT_MIN_MS;
    this.reconnectMaxMs = opts.reconnectMaxMs ?? DEFAULT_RECONNECT_MAX_MS;
    this.requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS;
    this.socketPollMs = opts.socketPollMs ?? DEFAULT_SOCKET_POLL_MS;
    this.state = {
      connected: false,
      socket: opts.socketPath,
      nodeId: null,
      address: null,
      health: null,
      error: opts.socketPath === null ? (opts.unsupportedReason ?? 'no daemon socket to connect to') : null,
      enabled: opts.socketPath !== null,
      lastEvent: null,
      hop: { dropped: 0, circuitSkips: 0 },
    };
  }

  start(): void {
    if (this.started || this.stopped || this.opts.socketPath === null) return;
    this.started = true;
    this.schedule(0, () => this.connectOnce());
  }

  view(): DaemonLinkView {
    return { ...this.state, health: this.state.health ? { ...this.state.health } : null };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Hands delivery back to the daemon — SetWebhook(the user's URL), or '' to clear it (onQuit
   * 'clear', or no URL, or the URL is one of our own ingests) — then closes. Bounded in time.
   * Only done when this link ever set the ingest URL (or has that request on the wire): otherwise
   * the daemon's webhook is not ours to change. Call it before the ingest server closes: the
   * daemon drains its old client (posting to the ingest) before it answers.
   */
  stop(): Promise<void> {
    this.stopping ??= this.handBack();
    return this.stopping;
  }

  /** The longest stop() can take; the app's quit budget is this plus the dispatcher's drain. */
  get handBackBudgetMs(): number {
    return this.requestTimeoutMs + this.requestTimeoutMs + DAEMON_WEBHOOK_DRAIN_MS;
  }

  private async handBack(): Promise<void> {
    this.stopped = true;
    this.clearTimer();
    const client = this.client;
    this.client = null;
    const path = this.opts.socketPath;
    if (path === null || !(this.everSubscribed || this.subscribeInFlight)) {
      client?.close();
      this.update({ connected: false });
      return;
    }
    const target = this.handBackUrl();
    const setTimeoutMs = this.requestTimeoutMs + DAEMON_WEBHOOK_DRAIN_MS;
    const limitMs = this.handBackBudgetMs;
    let conn = client && !client.closed ? client : null;
    let gaveUp = false;
    let bound: NodeJS.Timeout | null = null;
    try {
      const work = (async () => {
        if (conn === null) {
          const fresh = await IpcClient.connect(path, this.requestTimeoutMs);
          if (gaveUp) {
            fresh.close();
            return;
          }
          conn = fresh;
        }
        await conn.setWebhook(target, setTimeoutMs);
      })();
      work.catch(() => {}); // a failure is reported through the race below
      const deadline = new Promise<never>((_, reject) => {
        bound = setTimeout(() => reject(new Error(`no answer within ${limitMs} ms`)), limitMs);
      });
      await Promise.race([work, deadline]);
      this.update({
        connected: false,
        lastEvent: target ? `handed delivery back to the daemon: ${target}` : "cleared the daemon's webhook URL",
      });
    } catch (err) {
      const message = `could not hand the webhook back to the daemon at ${path}: ${errorText(err)}`;
      this.update({ connected: false, error: message, lastEvent: message });
    } finally {
      gaveUp = true;
      if (bound) clearTimeout(bound);
      (conn as IpcClient | null)?.close();
      client?.close();
    }
  }

  private handBackUrl(): string {
    if (this.opts.onQuit === 'clear') return '';
    const url = this.opts.userUrl();
    if (!url || url === this.opts.ingestUrl || this.opts.isOwnIngestUrl?.(url)) return '';
    return url;
  }

  private async connectOnce(): Promise<void> {
    const path = this.opts.socketPath!;
    if (!(await socketFileExists(path))) {
      if (this.stopped) return;
      const error = `daemon not found at ${path}`;
      if (this.state.error !== error) this.update({ connected: false, error, lastEvent: this.everLinked ? error : this.state.lastEvent });
      this.schedule(this.socketPollMs, () => this.connectOnce());
      return;
    }
    let client: IpcClient;
    try {
      client = await IpcClient.connect(path, this.requestTimeoutMs);
    } catch (err) {
      if (this.stopped) return;
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        this.schedule(0, () => this.connectOnce()); // removed between the check and the connect
        return;
      }
      this.retryLater(describeConnectError(err, path), false);
      return;
    }
    if (this.stopped) {
      client.close();
      return;
    }
    this.client = client;
    client.onClose((err) => {
      if (this.client !== client) return; // we dropped it ourselves and already said why
      this.client = null;
      if (!this.stopped) this.retryLater(err ? err.message : 'connection closed', true);
    });
    try {
      const info = await client.info(this.requestTimeoutMs);
      if (this.client !== client) return;
      this.update({ nodeId: info.nodeId, address: info.address });
      await this.assertWebhook(client);
      if (this.client !== client) return;
      const health = await client.health(this.requestTimeoutMs);
      if (this.client !== client) return;
      this.update({ health });
    } catch (err) {
      this.drop(client, errorText(err));
      return;
    }
    this.schedule(this.healthIntervalMs, () => this.tick(client));
  }

  /** SetWebhook(ingest). A refusal keeps the connection and shows the daemon's message. */
  private async assertWebhook(client: IpcClient): Promise<void> {
    const path = this.opts.socketPath!;
    try {
      this.subscribeInFlight = true;
      await client.setWebhook(this.opts.ingestUrl, this.requestTimeoutMs + DAEMON_WEBHOOK_DRAIN_MS);
    } catch (err) {
      if (!(err instanceof DaemonError)) throw err;
      this.subscribed = false;
      const message = `the daemon refused the ingest URL: ${err.daemonMessage}`;
      this.update({ connected: true, error: message, lastEvent: message });
      return;
    } finally {
      this.subscribeInFlight = false;
    }
    if (this.client !== client) return;
    this.subscribed = true;
    this.everSubscribed = true;
    // Our SetWebhook made the daemon start a new webhook client with counters at 0.
    this.hop.clientRebuilt();
    this.failuresInARow = 0;
    const node = this.state.nodeId === null ? '' : ` (node ${this.state.nodeId})`;
    const lastEvent = `${this.everLinked ? 're-linked' : 'linked'} to daemon at ${path}${node}`;
    this.everLinked = true;
    this.update({ connected: true, error: null, lastEvent });
  }

  private async tick(client: IpcClient): Promise<void> {
    try {
      if (!this.subscribed) await this.assertWebhook(client);
      if (this.client !== client) return;
      const health = await client.health(this.requestTimeoutMs);
      if (this.client !== client) return;
      this.update({ health });
    } catch (err) {
      this.drop(client, `Health failed: ${errorText(err)}`);
      return;
    }
    this.schedule(this.healthIntervalMs, () => this.tick(client));
  }

  private drop(client: IpcClient, reason: string): void {
    if (this.client !== client) return;
    this.client = null;
    client.close();
    if (!this.stopped) this.retryLater(reason, true);
  }

  private retryLater(reason: string, wasConnected: boolean): void {
    this.subscribed = false;
    const delay = Math.min(this.reconnectMaxMs, this.reconnectMinMs * 2 ** Math.min(this.failuresInARow, 30));
    this.failuresInARow++;
    const message = wasConnected
      ? `daemon gone: ${reason}, retrying in ${formatDelay(delay)}`
      : `${reason}; retrying in ${formatDelay(delay)}`;
    this.update({ connected: false, error: message, lastEvent: message });
    this.schedule(delay, () => this.connectOnce());
  }

  private schedule(ms: number, fn: () => Promise<void>): void {
    this.clearTimer();
    if (this.stopped) return;
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

async function socketFileExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Anything but "not there" (e.g. EACCES on a folder) is for connect() to explain.
    return code !== 'ENOENT' && code !== 'ENOTDIR';
  }
}

function describeConnectError(err: unknown, path: string): string {
  switch ((err as NodeJS.ErrnoException).code) {
    case 'ECONNREFUSED':
      return `connection refused at ${path} (the socket file is there but no daemon is listening)`;
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
