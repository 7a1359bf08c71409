import { execFileSync } from 'node:child_process';
import { chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AcceptedEvent } from '../../src/shared/events';
import {
  DAEMON_WEBHOOK_DRAIN_MS,
  DEFAULT_HEALTH_INTERVAL_MS,
  DEFAULT_RECONNECT_MAX_MS,
  DEFAULT_RECONNECT_MIN_MS,
  DaemonLink,
  type DaemonLinkOptions,
  type DaemonLinkView,
} from '../../src/main/core/daemon/daemon-link';
import { DEFAULT_REQUEST_TIMEOUT_MS } from '../../src/main/core/daemon/ipc-client';
import { startIngestServer, type IngestServer } from '../../src/main/core/ingest/ingest-server';
import { startFakeDaemon, type FakeDaemon } from '../fixtures/fake-daemon';

const USER_URL = 'https://hooks.example/user';

let dir: string;
let socketPath: string;
let ingest: IngestServer;
let events: AcceptedEvent[];
let daemon: FakeDaemon | null;
let link: DaemonLink | null;
let views: DaemonLinkView[];

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; last view: ${JSON.stringify(link?.view())}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function startDaemon(): Promise<FakeDaemon> {
  return startFakeDaemon({ socketPath, home: dir, nodeId: 42, pushEveryMs: 10, retryBackoffMs: 10 });
}

function startLink(over: Partial<DaemonLinkOptions> = {}): DaemonLink {
  link = new DaemonLink({
    socketPath,
    daemonHome: dir,
    ingestUrl: ingest.url,
    userUrl: () => USER_URL,
    healthIntervalMs: 40,
    reconnectMinMs: 20,
    reconnectMaxMs: 200,
    requestTimeoutMs: 500,
    socketPollMs: 20,
    ...over,
  });
  link.onChange(() => views.push(link!.view()));
  link.start();
  return link;
}

function pipes(): number {
  return process.getActiveResourcesInfo().filter((r) => /Pipe|TCP/.test(r)).length;
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daemon-link-'));
  socketPath = join(dir, 'pilot.sock');
  events = [];
  views = [];
  daemon = null;
  link = null;
  ingest = await startIngestServer({ onEvent: (ev) => void events.push(ev), onReject: () => {} });
});

afterEach(async () => {
  await link?.stop();
  await daemon?.stop();
  await ingest.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('DaemonLink', () => {
  it('has the documented defaults', () => {
    expect(DEFAULT_HEALTH_INTERVAL_MS).toBe(3000);
    expect(DEFAULT_RECONNECT_MIN_MS).toBe(500);
    expect(DEFAULT_RECONNECT_MAX_MS).toBe(10_000);
    expect(DEFAULT_REQUEST_TIMEOUT_MS).toBe(5000);
    expect(DAEMON_WEBHOOK_DRAIN_MS).toBe(5000);
  });

  it('links up: Info, SetWebhook(ingest), Health; the daemon events reach the ingest', async () => {
    daemon = await startDaemon();
    startLink();
    await waitFor(() => link!.view().connected && link!.view().health !== null, 'connected with health');
    const v = link!.view();
    expect(v).toMatchObject({ connected: true, socket: socketPath, nodeId: 42, address: '0:0000.0000.002a', error: null, enabled: true });
    expect(v.lastEvent).toBe(`linked to daemon at ${socketPath} (node 42)`);
    expect(daemon.webhook()).toBe(ingest.url);
    expect(daemon.received.slice(0, 4)).toEqual([0x0d, 0x21, 0x1b, 0x21]); // Info, Health (the counters before SetWebhook), SetWebhook, Health
    expect(v.phase).toBe('linked');

    daemon.emit('tunnel.established', { peer_node_id: 12 });
    daemon.emit('message.received', { bytes: 42 });
    daemon.emit('agent.heartbeat');
    await waitFor(() => events.length === 3, 'three events');
    expect(events.map((e) => [e.event, e.node_id, e.daemonEventId])).toEqual([
      ['tunnel.established', 42, 1],
      ['message.received', 42, 2],
      ['agent.heartbeat', 42, 3],
    ]);
    expect(events[0]!.data).toEqual({ peer_node_id: 12 });
    expect(events[2]!.data).toBeUndefined();
    expect(events[0]!.timestamp).toMatch(/^\d{4}-\d\d-\d\dT.*Z$/);

    daemon.setHealth({ webhook_queue_dropped: 5, webhook_circuit_skips: 2 });
    await waitFor(() => link!.view().health?.webhook_queue_dropped === 5, 'health counters');
    expect(link!.view().health?.webhook_circuit_skips).toBe(2);
  });

  it('re-links by itself after the daemon restarts mid-stream, re-asserting SetWebhook', async () => {
    daemon = await startDaemon();
    startLink();
    await waitFor(() => link!.view().connected, 'connected');
    for (let i = 0; i < 5; i++) daemon.emit('conn.established', { i });
    await daemon.restart();
    await waitFor(() => link!.view().lastEvent?.startsWith('re-linked') === true, 're-linked');
    expect(views.some((v) => !v.connected && /^daemon gone: .*retrying in/.test(v.error ?? ''))).toBe(true);
    expect(link!.view()).toMatchObject({ connected: true, error: null });
    expect(daemon.setWebhookCalls.filter((u) => u === ingest.url).length).toBeGreaterThanOrEqual(2);
    daemon.emit('daemon.restarted.probe');
    await waitFor(() => events.some((e) => e.event === 'daemon.restarted.probe'), 'event after restart');
    expect(events.find((e) => e.event === 'daemon.restarted.probe')!.daemonEventId).toBe(1);
  });

  it('runs without a daemon, says "daemon not found at <path>", and links when it appears', async () => {
    startLink();
    await waitFor(() => link!.view().error === `daemon not found at ${socketPath}`, 'not found');
    expect(link!.view().connected).toBe(false);
    daemon = await startDaemon();
    await waitFor(() => link!.view().connected, 'connected once the socket appears');
    expect(daemon.webhook()).toBe(ingest.url);
  });

  it('says "stale socket" for a socket nobody listens on, and keeps retrying', async () => {
    // bound but never listening, and left behind: what a daemon killed with SIGKILL leaves
    execFileSync('python3', ['-c', 'import socket,sys; socket.socket(socket.AF_UNIX).bind(sys.argv[1])', socketPath]);
    startLink();
    await waitFor(() => /^stale socket at .*no daemon is listening.*retrying in/.test(link!.view().error ?? ''), 'stale');
    expect(link!.view().phase).toBe('backoff');
    rmSync(socketPath);
    daemon = await startDaemon();
    await waitFor(() => link!.view().connected, 'connected after the stale file is replaced');
  });

  it('says what a regular file or a directory at the socket path is, and links once the daemon replaces it', async () => {
    writeFileSync(socketPath, 'not a socket');
    startLink();
    await waitFor(() => link!.view().phase === 'untrusted', 'untrusted file');
    expect(link!.view().error).toMatch(/ is a regular file \(12 bytes, owned by .*uid \d+\)\), not the daemon's socket/);
    rmSync(socketPath);
    await link!.stop();

    mkdirSync(socketPath);
    startLink();
    await waitFor(() => link!.view().phase === 'untrusted', 'untrusted directory');
    expect(link!.view().error).toBe(`${socketPath} is a directory, not the daemon's socket: point the app at the socket file inside it, or remove it`);
    rmSync(socketPath, { recursive: true });
    await link!.stop();
  });

  it("refuses a socket owned by another user: names the owner, sends nothing, hands nothing back", async () => {
    daemon = await startDaemon();
    chownSync(socketPath, 65534, 65534); // nobody
    startLink({ uid: process.getuid!() === 65534 ? 0 : process.getuid!() });
    await waitFor(() => link!.view().phase === 'untrusted', 'untrusted');
    expect(link!.view().error).toMatch(/^refusing the socket at .*: it is owned by (nobody \()?uid 65534\)?, not by .* who runs this app.*nothing was sent to it$/);
    await link!.stop();
    expect(daemon.received).toEqual([]);
    expect(daemon.webhook()).toBeNull();
  });

  it('says plainly when the daemon closes the connection at once (it refuses another user)', async () => {
    daemon = await startFakeDaemon({ socketPath, home: dir, rejectPeers: true });
    startLink();
    await waitFor(() => /closed the connection before answering: it accepts only its own user, and this app runs as .*uid \d+/.test(link!.view().error ?? ''), 'refused as another user');
  });

  it('on stop hands the user URL back to the daemon (persisted like the daemon does)', async () => {
    daemon = await startDaemon();
    startLink();
    await waitFor(() => link!.view().connected, 'connected');
    await link!.stop();
    expect(daemon.webhook()).toBe(USER_URL);
    expect(daemon.persistedWebhook()).toBe(USER_URL);
    expect(link!.view()).toMatchObject({ connected: false, lastEvent: `handed delivery back to the daemon: ${USER_URL}` });
  });

  it("on stop clears the daemon's URL with onQuit 'clear', or when the user has none", async () => {
    daemon = await startDaemon();
    startLink({ onQuit: 'clear' });
    await waitFor(() => link!.view().connected, 'connected');
    await link!.stop();
    expect(daemon.webhook()).toBeNull();
    expect(daemon.persistedWebhook()).toBeNull();

    startLink({ userUrl: () => null });
    await waitFor(() => link!.view().connected, 'connected again');
    expect(daemon.webhook()).toBe(ingest.url);
    await link!.stop();
    expect(daemon.webhook()).toBeNull();

    startLink({ userUrl: () => ingest.url.replace(/\d+\/ingest/, '1/ingest'), isOwnIngestUrl: (u) => u.includes('/ingest/') });
    await waitFor(() => link!.view().connected, 'connected a third time');
    await link!.stop();
    expect(daemon.webhook()).toBeNull(); // never hands back one of our own ingest URLs
  });

  it('on stop reconnects to hand back when the connection had dropped; bounded when no daemon is there', async () => {
    daemon = await startDaemon();
    startLink({ reconnectMinMs: 5000, reconnectMaxMs: 5000 });
    await waitFor(() => link!.view().connected, 'connected');
    daemon.misbehave('close');
    await waitFor(() => !link!.view().connected, 'dropped');
    await link!.stop();
    expect(daemon.webhook()).toBe(USER_URL);

    await daemon.stop();
    daemon = null;
    const l2 = startLink();
    await waitFor(() => l2.view().error !== null, 'not found');
    await l2.stop(); // never linked: nothing to hand back, returns at once
    expect(l2.view().connected).toBe(false);
  });

  it('shows the daemon message when SetWebhook is refused', async () => {
    daemon = await startDaemon();
    startLink({ ingestUrl: 'http://169.254.10.10/ingest/x' });
    await waitFor(() => (link!.view().error ?? '').includes('refused'), 'refusal');
    expect(link!.view()).toMatchObject({
      connected: true,
      error: 'the daemon refused the ingest URL: URL cannot target link-local address 169.254.10.10',
    });
    await link!.stop();
    expect(daemon.setWebhookCalls).not.toContain(USER_URL); // never linked: the daemon URL is not ours to change
  });

  it('a stop while a retried SetWebhook is in flight waits for its answer: refused again, nothing is handed back', async () => {
    daemon = await startDaemon();
    startLink({ ingestUrl: 'http://169.254.10.10/ingest/x' });
    await waitFor(() => link!.view().phase === 'refused', 'refusal');
    // The Health tick tries the refused URL again; stop exactly when the daemon has that
    // SetWebhook and the link awaits its answer (what a test seeing the refusal late hit under load).
    const calls = daemon.setWebhookCalls;
    const stop: { done?: Promise<void> } = {};
    const push = calls.push.bind(calls);
    calls.push = (...urls: string[]) => {
      const n = push(...urls);
      stop.done ??= link!.stop();
      return n;
    };
    await waitFor(() => stop.done !== undefined, 'the retried SetWebhook');
    await stop.done;
    expect(calls.length).toBeGreaterThanOrEqual(2);
    expect(new Set(calls)).toEqual(new Set(['http://169.254.10.10/ingest/x'])); // USER_URL never: the daemon's URL is not ours to change
    expect(link!.view()).toMatchObject({ phase: 'stopped', connected: false });
  });

  for (const mode of ['oversized-length', 'truncated-then-close', 'unexpected-command', 'invalid-json', 'silent'] as const) {
    it(`recovers from garbage (${mode}): clear error, reconnect, no crash`, async () => {
      daemon = await startDaemon();
      startLink({ requestTimeoutMs: 150 });
      await waitFor(() => link!.view().connected, 'connected');
      const calls = daemon.setWebhookCalls.length;
      daemon.misbehave(mode);
      await waitFor(() => views.some((v) => /^daemon gone: /.test(v.error ?? '')), 'gone');
      await waitFor(() => link!.view().lastEvent?.startsWith('re-linked') === true, 're-linked');
      expect(daemon.setWebhookCalls.length).toBeGreaterThan(calls);
      const gone = views.find((v) => /^daemon gone: /.test(v.error ?? ''))!.error!;
      expect(gone).toMatch(/IPC limit|middle of a frame|unexpected 0x7F|not valid JSON|no reply to/);
    });
  }

  it('is off, with the reason, when there is no socket path (Windows)', async () => {
    const l = new DaemonLink({ socketPath: null, unsupportedReason: 'The Pilot daemon does not run on Windows', ingestUrl: ingest.url, userUrl: () => null });
    l.start();
    expect(l.view()).toMatchObject({ enabled: false, connected: false, socket: null, error: 'The Pilot daemon does not run on Windows' });
    await l.stop();
  });

  it('leaves no sockets or timers of its own after stop', async () => {
    daemon = await startDaemon();
    await new Promise((r) => setTimeout(r, 20));
    const before = pipes();
    startLink();
    await waitFor(() => link!.view().connected, 'connected');
    daemon.misbehave('oversized-length');
    await waitFor(() => link!.view().lastEvent?.startsWith('re-linked') === true, 're-linked');
    await link!.stop();
    // The daemon's side learns of the close on a later turn of the loop (a leak never gets there).
    await waitFor(() => daemon!.clientCount() === 0 && pipes() <= before + 1, "the link's connections closed");
    expect(daemon.clientCount()).toBe(0);
    expect(pipes()).toBeLessThanOrEqual(before + 1); // +1: the daemon's keep-alive POST socket to the ingest
  });
});
