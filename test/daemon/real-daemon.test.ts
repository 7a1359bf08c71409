// The real Pilot daemon (v1.18.0, see README.md beside this file) on loopback: a stub registry,
// daemons A and B, and the headless app linked to A with a local receiver as the user's URL.
// pilotctl on B drives real traffic to A; the events must reach the receiver THROUGH the app
// (the app's own event_id, the daemon's event/node_id/timestamp/data), the app must follow A
// through a restart, and quitting the app must hand A's webhook back to the user's URL.
//
// Run with `npm run test:daemon` (inside a loopback-only network namespace). The steps share one
// set of processes and run in order; each one builds on the state the previous one left.

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppState } from '../../src/shared/bridge';
import { unaccounted } from '../../src/shared/delivery';
import { USER_AGENT } from '../../src/main/core/delivery/delivery-client';
import { waitUntil, type ReceivedRequest, type Receiver } from '../fixtures/receiver';
import { closeDaemonPair, persistedWebhook, startDaemonPair, trustBToA, waitForAppState, type DaemonPair } from './daemon-pair';
import { startApp, type App } from './headless-app';
import { installPilot, PILOT_VERSION, type RunningDaemon } from './real-daemon.mjs';

/** Upper bound for an event to travel daemon → app → receiver (not a speed assertion). */
const EVENT_WAIT_MS = 20_000;
/** Upper bound for the app to notice a daemon change (Health every 3 s, reconnect ≤ 10 s). */
const LINK_WAIT_MS = 30_000;
/** The Go http.Client's default User-Agent: marks a POST made by the daemon itself. */
const GO_USER_AGENT = 'Go-http-client/1.1';
/** RFC 3339 in UTC as Go's time.RFC3339Nano writes it: 0-9 fraction digits, trailing zeros cut. */
const GO_RFC3339_NANO_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/;
/** The echo service pilotctl ping/connect talk to on the remote node. */
const ECHO_PORT = 7;
/** The port send-message delivers to (the data-exchange service). */
const MESSAGE_PORT = 1001;

interface WebhookBody {
  event_id: number;
  event: string;
  node_id: number;
  timestamp: string;
  data?: Record<string, unknown>;
}
interface NodeInfo {
  node_id: number;
  address: string;
  version: string;
}

let pair: DaemonPair | undefined;
let rx: Receiver;
let a: RunningDaemon;
let b: RunningDaemon;
let infoA: NodeInfo;
let infoB: NodeInfo;
let app: App;
let failed = false;

const body = (r: ReceivedRequest): WebhookBody => r.json() as WebhookBody;
const postedBy = (userAgent: string) => (): WebhookBody[] =>
  rx.requests.filter((r) => r.headers['user-agent'] === userAgent).map(body);
/** What the app delivered, in arrival order. */
const viaApp = postedBy(USER_AGENT);
/** What daemon A posted to the receiver itself (after the app handed the URL back). */
const direct = postedBy(GO_USER_AGENT);

const ctlOk = (d: RunningDaemon, ...args: string[]) => pair!.ctlOk(d, ...args);
const ctlJson = <T>(d: RunningDaemon, ...args: string[]) => pair!.ctlJson<T>(d, ...args);

/** Waits until `list()` holds an event of each topic (counted with multiplicity) after index `from`. */
async function waitForTopics(list: () => WebhookBody[], topics: string[], from = 0): Promise<WebhookBody[]> {
  const enough = (): boolean => {
    const seen = list().slice(from).map((e) => e.event);
    return topics.every((t) => seen.filter((s) => s === t).length >= topics.filter((x) => x === t).length);
  };
  await waitUntil(enough, `topics ${topics.join(', ')} at the receiver (seen: ${list().slice(from).map((e) => e.event).join(', ') || 'none'})`, EVENT_WAIT_MS);
  return list().slice(from);
}

const waitForState = (check: (s: AppState) => boolean, what: string): Promise<AppState> => waitForAppState(app, check, what, LINK_WAIT_MS);

/** conn.* data for a connection B opened to A's `port`. */
function inbound(port: number) {
  return { conn_id: expect.any(Number), dst_port: port, src_addr: infoB.address, src_port: expect.any(Number) };
}
function finOf(port: number) {
  return { conn_id: expect.any(Number), local_port: port, remote_addr: infoB.address, remote_port: expect.any(Number) };
}

function topicCounts(events: WebhookBody[]): string {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.event, (counts.get(e.event) ?? 0) + 1);
  return [...counts].map(([t, n]) => `${t} ×${n}`).join(', ') || '(none)';
}

beforeAll(async () => {
  failed = true; // until set-up is done: keeps the logs when it throws
  pair = await startDaemonPair();
  ({ rx, a, b } = pair);
  [infoA, infoB] = await Promise.all([ctlJson<NodeInfo>(a, 'info'), ctlJson<NodeInfo>(b, 'info')]);
  app = await startApp(pair.appOptions(rx.url));
  failed = false;
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  // The event list this run saw, for the log of the run.
  if (rx) {
    console.log(
      `[daemon tier] pilot-daemon ${pair?.pilot.version ?? '?'}; ${rx.requests.length} POSTs at the receiver\n` +
        `  through the app (${viaApp().length}): ${topicCounts(viaApp())}\n` +
        `  directly from daemon A after the hand-back (${direct().length}): ${topicCounts(direct())}\n` +
        `  in order (app event_id:topic): ${viaApp().map((e) => `${e.event_id}:${e.event}`).join(' ')}`,
    );
  }
  await closeDaemonPair(pair, app, failed, 'daemon tier');
});

describe('the app against the real Pilot daemon', () => {
  it('installs the pinned daemon and pilotctl once, then reuses them', async () => {
    const again = await installPilot();
    expect(again).toMatchObject({ binDir: pair!.pilot.binDir, source: 'cache', version: PILOT_VERSION });
    expect(infoA.version).toBe(PILOT_VERSION);
    expect(infoB.version).toBe(PILOT_VERSION);
  });

  it("links to daemon A: A's node id, address and Health, and A's webhook points at the app's ingest", async () => {
    const s = await waitForState((st) => st.daemon.connected && st.daemon.health !== null, 'the link to daemon A');
    expect(s.daemon).toMatchObject({ enabled: true, socket: a.socket, nodeId: infoA.node_id, address: infoA.address, error: null });
    expect(s.daemon.health).toMatchObject({
      status: 'ok',
      uptime_seconds: expect.any(Number),
      webhook_queue_dropped: expect.any(Number),
      webhook_circuit_skips: expect.any(Number),
    });
    expect(s.url).toBe(rx.url);
    expect(s.ingest.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ingest\//);
    // The daemon persisted the SetWebhook it got from the app.
    expect(persistedWebhook(a)).toBe(s.ingest.url);
  });

  it('handshake from B, approved on A: tunnel.established, handshake.approved, trust.changed', async () => {
    const approved = await trustBToA(pair!, infoA.node_id, infoB.node_id, 'daemon tier');
    expect(approved.code, approved.stdout + approved.stderr).toBe(0);

    const seen = await waitForTopics(viaApp, ['tunnel.established', 'handshake.approved', 'trust.changed']);
    const one = (t: string) => seen.find((e) => e.event === t)!;
    expect(one('tunnel.established').data).toMatchObject({ authenticated: true, relay: false });
    expect(one('handshake.approved').data).toEqual({ peer_node_id: infoB.node_id });
    expect(one('trust.changed').data).toEqual({ peer_node_id: infoB.node_id, reason: 'approved', state: 'granted' });
  });

  it('ping, connect and send-message from B: conn.* and message.received, through the app', async () => {
    const from = viaApp().length;
    await ctlOk(b, 'ping', infoA.address, '--count', '2');
    const pings = await waitForTopics(viaApp, ['conn.syn_received', 'conn.established', 'conn.fin', 'conn.syn_received', 'conn.established', 'conn.fin'], from);
    expect(pings.filter((e) => e.event === 'conn.syn_received').map((e) => e.data)).toEqual([inbound(ECHO_PORT), inbound(ECHO_PORT)]);

    const beforeConnect = viaApp().length;
    await ctlOk(b, 'connect', infoA.address, String(ECHO_PORT), '--message', 'hello', '--timeout', '10s');
    const conn = await waitForTopics(viaApp, ['conn.syn_received', 'conn.established', 'conn.fin'], beforeConnect);
    expect(conn.find((e) => e.event === 'conn.established')?.data).toEqual(inbound(ECHO_PORT));
    expect(conn.find((e) => e.event === 'conn.fin')?.data).toEqual(finOf(ECHO_PORT));

    const beforeMessage = viaApp().length;
    const sent = await ctlJson<{ message_id: string; bytes: number }>(b, 'send-message', infoA.address, '--data', 'hi from b');
    const msg = await waitForTopics(viaApp, ['conn.syn_received', 'conn.established', 'message.received'], beforeMessage);
    expect(msg.find((e) => e.event === 'conn.syn_received')?.data).toEqual(inbound(MESSAGE_PORT));
    expect(msg.find((e) => e.event === 'message.received')?.data).toEqual({
      from: infoB.address,
      message_id: sent.message_id,
      size: sent.bytes,
      type: 'TEXT',
    });
  });

  it("keeps the daemon's event, node_id, timestamp and data, and numbers events itself", async () => {
    const events = viaApp();
    expect(events.length).toBeGreaterThan(10);
    for (const e of events) {
      expect(Object.keys(e).sort()).toEqual(['data', 'event', 'event_id', 'node_id', 'timestamp']);
      expect(e.node_id).toBe(infoA.node_id);
      expect(e.timestamp).toMatch(GO_RFC3339_NANO_UTC);
    }
    // Go writes nanoseconds; a timestamp rebuilt through a JS Date would have exactly 3 digits.
    expect(events.some((e) => (/\.(\d+)Z$/.exec(e.timestamp)?.[1]?.length ?? 0) > 3)).toBe(true);
    const ids = events.map((e) => e.event_id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    expect(new Set(ids).size).toBe(ids.length);
    // Each delivered event is a log record: the app's id is the event_id it sent, the daemon's
    // own id is kept beside it, the topic is the daemon's.
    const records = new Map((await app.log(1000)).map((r) => [r.id, r]));
    for (const e of events) {
      const rec = records.get(e.event_id);
      expect(rec, `log record ${e.event_id}`).toMatchObject({ event: e.event, outcome: 'delivered', source: 'daemon', daemonEventId: expect.any(Number) });
      expect(JSON.parse(rec!.payload)).toEqual(e);
    }
  });

  it('SIGTERM to daemon A: daemon.shutting_down is delivered through the app', async () => {
    const from = viaApp().length;
    const exit = await a.stop('SIGTERM');
    // The daemon drains its webhook queue before it exits: the event is at the app already.
    expect(exit).toEqual({ code: 0, signal: null });
    const [down] = (await waitForTopics(viaApp, ['daemon.shutting_down'], from)).filter((e) => e.event === 'daemon.shutting_down');
    expect(down!.node_id).toBe(infoA.node_id);
    expect(down!.data).toEqual({ known_peers: expect.any(Number), open_connections: expect.any(Number), uptime_seconds: expect.any(Number) });
    const s = await waitForState((st) => !st.daemon.connected, 'the app to notice daemon A is gone');
    expect(s.daemon.error).toEqual(expect.any(String));
  });

  it('daemon A restarted (same HOME and identity): the app re-links by itself and events flow again', async () => {
    const lastBefore = Math.max(...viaApp().map((e) => e.event_id));
    const lastDaemonIdBefore = Math.max(...(await app.log(1000)).map((r) => r.daemonEventId ?? 0));
    const fromStart = viaApp().length;
    a = await pair!.restartA();
    // A read the app's ingest URL back from ~/.pilot/webhook_url at start, so even its start-up
    // events reach the app, before the app has re-linked.
    const started = await waitForTopics(viaApp, ['node.registered', 'agent.registered'], fromStart);
    expect(started.find((e) => e.event === 'node.registered')?.data).toEqual({ address: infoA.address, endpoint: expect.stringMatching(/^127\.0\.0\.1:\d+$/) });
    const s = await waitForState((st) => st.daemon.connected && st.daemon.error === null, 'the app to re-link to daemon A');
    expect(s.daemon).toMatchObject({ nodeId: infoA.node_id, address: infoA.address });
    expect(persistedWebhook(a)).toBe(s.ingest.url);

    const from = viaApp().length;
    await ctlOk(b, 'ping', infoA.address, '--count', '1');
    const again = await waitForTopics(viaApp, ['conn.syn_received', 'conn.established', 'conn.fin'], from);
    expect(again.find((e) => e.event === 'conn.syn_received')?.data).toEqual(inbound(ECHO_PORT));
    // The app's numbering continues across the restart, while the daemon's started again at 1.
    expect(Math.min(...again.map((e) => e.event_id))).toBeGreaterThan(lastBefore);
    const newRecords = (await app.log(1000)).filter((r) => r.id > lastBefore && r.daemonEventId !== undefined);
    expect(Math.min(...newRecords.map((r) => r.daemonEventId!))).toBeLessThan(lastDaemonIdBefore);
  });

  it('every event the app received is accounted for, and all of them were delivered', async () => {
    const s = await waitForState((st) => st.stats.queued === 0, 'the app to finish delivering');
    expect(unaccounted(s.stats)).toBe(0);
    expect(s.stats.received).toBe(viaApp().length);
    expect(s.stats.delivered).toBe(viaApp().length);
    expect(s.stats.rejected).toBe(0);
    // Every POST so far came from the app: the daemon never posted to the user's URL itself.
    expect(direct()).toEqual([]);
    expect(viaApp().length).toBe(rx.requests.length);
  });

  it("quitting the app hands A's webhook back to the user's URL: A then posts to it directly", async () => {
    expect(await app.stop()).toBe(0);
    expect(persistedWebhook(a)).toBe(rx.url);

    await ctlOk(b, 'ping', infoA.address, '--count', '1');
    const own = await waitForTopics(direct, ['conn.syn_received', 'conn.established', 'conn.fin']);
    // The daemon's own numbering: a new webhook client starts at 1.
    expect(own.map((e) => e.event_id)).toEqual(own.map((_, i) => i + 1));
    for (const e of own) expect(e.node_id).toBe(infoA.node_id);
    expect(own.find((e) => e.event === 'conn.syn_received')?.data).toEqual(inbound(ECHO_PORT));
    const first = rx.requests.find((r) => r.headers['user-agent'] === GO_USER_AGENT)!;
    expect(first.headers).toMatchObject({ 'content-type': 'application/json', 'accept-encoding': 'gzip' });
    expect(first.headers).not.toHaveProperty('x-pilot-signature-256'); // no -webhook-secret given
  });
});
