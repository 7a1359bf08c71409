// The process's connection to the fleet's NATS cluster: connects in the background (the app
// starts and serves its window even when no server is up), reconnects for ever, knows which of
// the given servers it can reach, and creates the fleet's streams once JetStream answers.
//
// Replicas: min(3, servers in the cluster). Three copies survive the loss of any one server with
// a majority left to accept writes; more copies only slow every write down.

import net from 'node:net';
import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection } from '@nats-io/transport-node';
import {
  jetstream,
  jetstreamManager,
  DiscardPolicy,
  RetentionPolicy,
  StorageType,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import type { FleetServerView } from '../../../shared/fleet';
import { fleetNames, type FleetNames } from './fleet-names';

/** Most copies of each stream: enough to lose any one server of three and keep a majority. */
export const MAX_REPLICAS = 3;
/** How often each given server is probed (a TCP connect that waits for the INFO line). */
export const PROBE_INTERVAL_MS = 3000;
const PROBE_TIMEOUT_MS = 1500;
/** Waits between reconnect attempts to the cluster. */
const RECONNECT_WAIT_MS = 250;
/** How long JetStream API requests (stream set-up) may take before they are retried. */
const API_TIMEOUT_MS = 5000;
/** Undelivered events are kept this long (the engine's longest event age is a day). */
export const EVENTS_MAX_AGE_MS = 7 * 24 * 3600_000;
/** Delivery records are the fleet's history: a month, and at most this many bytes. */
export const DELIVERIES_MAX_AGE_MS = 30 * 24 * 3600_000;
export const DELIVERIES_MAX_BYTES = 1024 ** 3;
/** A retried publish with the same Nats-Msg-Id within this window is stored once. */
export const DUPLICATE_WINDOW_MS = 10 * 60_000;
const NS_PER_MS = 1_000_000;

export interface NatsLinkOptions {
  servers: readonly string[];
  fleet: string;
  credsFile?: string;
  /** the client's name, shown in the servers' connection lists */
  name: string;
}

export interface JetStreamHandles {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
  replicas: number;
}

/** host:port of a nats:// URL (or a bare host:port), for probing. */
function hostPort(url: string): { host: string; port: number } | null {
  const m = /^(?:nats|tls):\/\/(?:[^@/]*@)?\[?([^\]/:]+)\]?(?::(\d+))?\/?$/.exec(url) ?? /^()([^:/]+):(\d+)$/.exec(url);
  if (!m) return null;
  const host = m[1] || m[2]!;
  return { host, port: Number(m[m.length - 1] ?? 4222) || 4222 };
}

function probe(url: string): Promise<boolean> {
  const hp = hostPort(url);
  if (!hp) return Promise.resolve(false);
  return new Promise((resolve) => {
    const sock = net.connect(hp.port, hp.host);
    const done = (v: boolean): void => {
      sock.destroy();
      resolve(v);
    };
    sock.once('data', (d) => done(d.toString('latin1').startsWith('INFO')));
    sock.once('error', () => done(false));
    sock.setTimeout(PROBE_TIMEOUT_MS, () => done(false));
  });
}

export class NatsLink {
  readonly names: FleetNames;
  private nc: NatsConnection | null = null;
  private handles: JetStreamHandles | null = null;
  private connected = false;
  private server: string | null = null;
  private reached = new Map<string, boolean>();
  private lastError: string | null = null;
  private closed = false;
  private probeTimer: NodeJS.Timeout | null = null;
  private readonly listeners = new Set<() => void>();
  private readyWaiters: ((h: JetStreamHandles) => void)[] = [];

  constructor(private readonly opts: NatsLinkOptions) {
    this.names = fleetNames(opts.fleet);
    for (const s of opts.servers) this.reached.set(s, false);
  }

  start(): void {
    void this.run();
    const tick = (): void => {
      void Promise.all(this.opts.servers.map(async (s) => [s, await probe(s)] as const)).then((results) => {
        let changed = false;
        for (const [s, ok] of results) {
          if (this.reached.get(s) !== ok) changed = true;
          this.reached.set(s, ok);
        }
        if (changed) this.changed();
      });
    };
    tick();
    this.probeTimer = setInterval(tick, PROBE_INTERVAL_MS);
    this.probeTimer.unref();
  }

  /** Connected right now (a publish would go out at once, not wait in the client's buffer). */
  get isConnected(): boolean {
    return this.connected && this.handles !== null;
  }

  /** The JetStream handles, or null while not set up. */
  get current(): JetStreamHandles | null {
    return this.handles;
  }

  /** Resolves once connected and the streams exist. */
  ready(): Promise<JetStreamHandles> {
    if (this.handles) return Promise.resolve(this.handles);
    return new Promise((resolve) => this.readyWaiters.push(resolve));
  }

  view(): { connected: boolean; server: string | null; servers: FleetServerView[]; error: string | null; replicas: number | null } {
    return {
      connected: this.isConnected,
      server: this.connected ? this.server : null,
      servers: this.opts.servers.map((url) => ({ url, reached: this.reached.get(url) ?? false })),
      error: this.isConnected ? null : this.lastError ?? 'connecting to the NATS cluster…',
      replicas: this.handles?.replicas ?? null,
    };
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.probeTimer) clearInterval(this.probeTimer);
    const nc = this.nc;
    this.nc = null;
    if (nc) {
      try {
        await nc.close();
      } catch {
        // Closing a connection that is already gone.
      }
    }
  }

  private changed(): void {
    for (const l of this.listeners) {
      try {
        l();
      } catch {
        // A failing listener must not stop the link.
      }
    }
  }

  private unreachable(): string {
    return `no NATS server of ${this.opts.servers.join(', ')} answers`;
  }

  private async run(): Promise<void> {
    let authenticator;
    if (this.opts.credsFile) {
      try {
        authenticator = credsAuthenticator(readFileSync(this.opts.credsFile));
      } catch (err) {
        this.lastError = `--nats-creds ${this.opts.credsFile} cannot be read: ${(err as Error).message}`;
        this.changed();
        return;
      }
    }
    this.lastError = this.unreachable();
    let nc: NatsConnection;
    try {
      nc = await connect({
        servers: [...this.opts.servers],
        name: this.opts.name,
        waitOnFirstConnect: true,
        maxReconnectAttempts: -1,
        reconnectTimeWait: RECONNECT_WAIT_MS,
        // Servers the cluster announces (but not given here) would be outside what the user chose.
        ignoreClusterUpdates: true,
        ...(authenticator && { authenticator }),
      });
    } catch (err) {
      this.lastError = `cannot connect to NATS: ${(err as Error).message}`;
      this.changed();
      return;
    }
    if (this.closed) {
      await nc.close();
      return;
    }
    this.nc = nc;
    this.connected = true;
    this.server = nc.getServer();
    this.changed();
    void this.watchStatus(nc);
    await this.setUp(nc);
  }

  private async watchStatus(nc: NatsConnection): Promise<void> {
    for await (const s of nc.status()) {
      if (s.type === 'disconnect') {
        this.connected = false;
        this.lastError = `lost the NATS server ${s.server}; reconnecting (${this.unreachable()} yet)`;
        this.changed();
      } else if (s.type === 'reconnect') {
        this.connected = true;
        this.server = s.server;
        this.lastError = null;
        this.changed();
      }
    }
  }

  /** Creates (or finds) the streams, retrying until JetStream answers: it may still be electing. */
  private async setUp(nc: NatsConnection): Promise<void> {
    while (!this.closed) {
      try {
        const jsm = await jetstreamManager(nc, { timeout: API_TIMEOUT_MS });
        const servers = Math.max(this.opts.servers.length, nc.info?.connect_urls?.length ?? 0);
        const replicas = Math.min(MAX_REPLICAS, servers);
        await this.ensureStream(jsm, {
          name: this.names.events,
          subjects: [this.names.eventSubjects],
          retention: RetentionPolicy.Limits,
          max_age: EVENTS_MAX_AGE_MS * NS_PER_MS,
          duplicate_window: DUPLICATE_WINDOW_MS * NS_PER_MS,
          num_replicas: replicas,
        });
        await this.ensureStream(jsm, {
          name: this.names.deliveries,
          subjects: [this.names.deliverySubjects],
          retention: RetentionPolicy.Limits,
          max_age: DELIVERIES_MAX_AGE_MS * NS_PER_MS,
          max_bytes: DELIVERIES_MAX_BYTES,
          discard: DiscardPolicy.Old,
          duplicate_window: DUPLICATE_WINDOW_MS * NS_PER_MS,
          num_replicas: replicas,
        });
        this.handles = { nc, js: jetstream(nc, { timeout: API_TIMEOUT_MS }), jsm, replicas };
        this.lastError = null;
        const waiters = this.readyWaiters;
        this.readyWaiters = [];
        for (const w of waiters) w(this.handles);
        this.changed();
        return;
      } catch (err) {
        this.lastError = `JetStream is not answering yet (${(err as Error).message}); retrying`;
        this.changed();
        await new Promise((r) => setTimeout(r, RECONNECT_WAIT_MS * 2));
      }
    }
  }

  private async ensureStream(
    jsm: JetStreamManager,
    cfg: { name: string; subjects: string[]; num_replicas: number } & Record<string, unknown>,
  ): Promise<void> {
    try {
      await jsm.streams.info(cfg.name);
      return; // it exists: another process of the fleet made it (its settings are the fleet's)
    } catch {
      // not found (or not answering: add tells which)
    }
    try {
      await jsm.streams.add({ ...cfg, storage: StorageType.File });
    } catch (err) {
      // Two processes starting together: the other one won.
      if (!/already in use|exists/i.test((err as Error).message)) throw err;
    }
  }
}
