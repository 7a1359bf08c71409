// A user's day with the real Pilot daemon (v1.18.0) and the built headless app: the daemon runs
// with the user's own `-webhook` URL (which neither Health nor Info reports: the app reads it from
// the daemon's command line under /proc), the app crashes and restarts (the loss the daemon
// counted is reported; a restart within the daemon's retry window loses nothing thanks to the
// stable ingest URL), pilotctl takes the webhook (noticed, taken back on request), the daemon
// restarts (its start events went to its -webhook URL: recorded), and the app quits with the
// daemon up and with it down (the user's URL restored exactly, or written into its persistence).
// Steps share one set of processes and run in order. Figures are printed for the README.

import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { AppState } from '../../src/shared/bridge';
import { USER_AGENT } from '../../src/main/core/delivery/delivery-client';
import { waitUntil, type Receiver } from '../fixtures/receiver';
import { closeDaemonPair, persistedWebhook as persisted, startDaemonPair, trustBToA, waitForAppState, type DaemonPair } from './daemon-pair';
import { startApp, type App, type AppOptions } from './headless-app';
import type { RunningDaemon } from './real-daemon.mjs';

const WAIT_MS = 40_000;
/** How long the test makes traffic between A and B after A's restart before it gives up. */
const REACH_MS = 120_000;
const GO_USER_AGENT = 'Go-http-client/1.1';

interface Body {
  event_id: number;
  event: string;
}

let pair: DaemonPair | undefined;
let rx: Receiver;
let a: RunningDaemon;
let b: RunningDaemon;
let addrA: string;
let addrB: string;
let app: App | null = null;
let failed = false;
const figures: string[] = [];
let flagUrl: string;
let appUrl: string;
let otherUrl: string;
let appOpts: AppOptions;

const at = (path: string) => rx.requests.filter((r) => r.path === path);
const viaApp = () => at('/app').filter((r) => r.headers['user-agent'] === USER_AGENT).map((r) => r.json() as Body);
const direct = (path: string) => at(path).filter((r) => r.headers['user-agent'] === GO_USER_AGENT).map((r) => r.json() as Body);
const ctl = (d: RunningDaemon, ...args: string[]) => pair!.ctl(d, ...args);
const ctlOk = (d: RunningDaemon, ...args: string[]) => pair!.ctlOk(d, ...args);
const infoOf = (d: RunningDaemon) => pair!.ctlJson<Record<string, unknown>>(d, 'info');
const state = (check: (s: AppState) => boolean, what: string): Promise<AppState> => waitForAppState(app!, check, what, WAIT_MS);

beforeAll(async () => {
  failed = true;
  pair = await startDaemonPair({ aWebhook: (origin) => `${origin}/flag` });
  ({ rx, a, b } = pair);
  const origin = new URL(rx.url).origin;
  flagUrl = `${origin}/flag`;
  appUrl = `${origin}/app`;
  otherUrl = `${origin}/other`;
  const [infoA, infoB] = await Promise.all([infoOf(a), infoOf(b)]);
  addrA = String(infoA.address);
  addrB = String(infoB.address);
  // Trust first (B's ping to a private A is refused without it), before the app links: ≈ 17 s.
  const approved = await trustBToA(pair, Number(infoA.node_id), Number(infoB.node_id), 'daemon day');
  if (approved.code !== 0) throw new Error(`approve: ${approved.stdout}${approved.stderr}`);
  appOpts = pair.appOptions(appUrl);
  failed = false;
});

afterEach((ctx) => {
  if (ctx.task.result?.state === 'fail') failed = true;
});

afterAll(async () => {
  console.log(`[daemon day] figures:\n  ${figures.join('\n  ')}`);
  await closeDaemonPair(pair, app, failed, 'daemon day');
});

describe("the daemon link through a user's day (real daemon)", () => {
  it("learns the daemon's -webhook URL from its command line and will restore exactly that", async () => {
    app = await startApp(appOpts);
    const s = await state((st) => st.daemon.phase === 'linked', 'linked');
    expect(s.daemon.restore).toMatchObject({ url: flagUrl, ask: false });
    expect(s.daemon.restore!.why).toBe('what the daemon delivered to before the app linked (its -webhook flag)');
    expect(persisted(a)).toBe(s.ingest.url);
    await ctlOk(b, 'ping', addrA, '--count', '1');
    await waitUntil(() => viaApp().some((e) => e.event === 'conn.fin'), 'a ping through the app', WAIT_MS);
  });

  it('a crash: the loss the daemon counted while the app was down is reported at the next start', async () => {
    const before = await app!.state();
    await app!.kill();
    const killedAt = Date.now();
    let pings = 0;
    while (Date.now() - killedAt < 20_000) {
      await ctl(b, 'ping', addrA, '--count', '1');
      pings++;
    }
    const info = await infoOf(a);
    const counted = Number(info.webhook_queue_dropped) + Number(info.webhook_circuit_skips);
    app = await startApp(appOpts);
    const s = await state((st) => st.daemon.phase === 'linked' && st.daemon.loss !== null, 'relinked with the loss');
    expect(s.ingest.url).toBe(before.ingest.url); // the same port and token
    expect(s.daemon.loss!.dropped + s.daemon.loss!.circuitSkips).toBeGreaterThanOrEqual(counted);
    expect(counted).toBeGreaterThan(0);
    expect(s.daemon.loss!.text).toMatch(/^Lost while the app was not linked from .*: at least \d+ events/);
    expect(s.daemon.hop).toEqual({ dropped: 0, circuitSkips: 0 });
    figures.push(`crash, app down ${((Date.now() - killedAt) / 1000).toFixed(0)} s, ${pings} pings (${pings * 3} events): daemon counted ${counted} (dropped ${String(info.webhook_queue_dropped)}, skips ${String(info.webhook_circuit_skips)}); app reported ${s.daemon.loss!.dropped + s.daemon.loss!.circuitSkips} — before: 0/0, no word`);
  });

  it("a crash and a restart within the daemon's retry window loses nothing (same ingest URL)", async () => {
    const from = viaApp().length;
    await app!.kill();
    const killedAt = Date.now();
    const ping = ctl(b, 'ping', addrA, '--count', '1');
    app = await startApp(appOpts);
    const restartMs = Date.now() - killedAt;
    await ping;
    await waitUntil(() => viaApp().slice(from).filter((e) => e.event.startsWith('conn.')).length >= 3, 'the ping of the gap through the app', WAIT_MS);
    const got = viaApp().slice(from).map((e) => e.event);
    expect(got).toEqual(expect.arrayContaining(['conn.syn_received', 'conn.established', 'conn.fin']));
    figures.push(`crash + restart in ${restartMs} ms: the gap's ping events through the app: ${got.filter((e) => e.startsWith('conn.')).length} of 3`);
  });

  it('pilotctl takes the webhook: the app says who has it, and takes it back when asked', async () => {
    await state((st) => st.daemon.phase === 'linked', 'linked');
    await ctlOk(a, 'extras', 'set-webhook', otherUrl);
    const s = await state((st) => st.daemon.phase === 'taken-over', 'taken over');
    expect(s.daemon.takenBy!.url).toBe(otherUrl);
    const started = Date.now();
    const r = await app!.call('POST', '/api/daemon/take-back');
    expect(r.status).toBe(200);
    await state((st) => st.daemon.phase === 'linked', 'linked again');
    expect(persisted(a)).toBe(s.ingest.url);
    figures.push(`takeover by pilotctl noticed (Health every 3 s), taken back in ${Date.now() - started} ms`);
    // pilotctl also wrote "webhook" into config.json: the daemon's -webhook flag still wins at its start.
    await ctlOk(a, 'extras', 'clear-webhook');
    await state((st) => st.daemon.phase === 'taken-over', 'cleared = taken');
    await app!.call('POST', '/api/daemon/take-back');
    await state((st) => st.daemon.phase === 'linked', 'linked once more');
  });

  it("a daemon restart: its start events went to its -webhook URL before the re-link — recorded and shown", async () => {
    const fromFlag = direct('/flag').length;
    await a.stop('SIGTERM');
    a = await pair!.restartA();
    const s = await state((st) => st.daemon.phase === 'linked' && st.daemon.startEventsElsewhere !== null, 're-linked and told');
    expect(s.daemon.startEventsElsewhere).toContain(`went to ${flagUrl} (its -webhook flag, which the daemon prefers at start), not through the app.`);
    await waitUntil(() => direct('/flag').slice(fromFlag).some((e) => e.event === 'node.registered'), 'node.registered at the flag URL', WAIT_MS);
    figures.push(`daemon restart: ${direct('/flag').length - fromFlag} start events went straight to the -webhook URL (before: nothing said)`);
  });

  it('a quit with the daemon up restores exactly the -webhook URL, not the app URL', async () => {
    expect(await app!.stop()).toBe(0);
    app = null;
    expect(persisted(a)).toBe(flagUrl);
    const from = direct('/flag').length;
    const fromApp = direct('/app').length;
    // Right after A's restart the tunnel between A and B can take minutes to re-form (B's dials
    // to A time out while the relay converges), so traffic is made in both directions until A
    // posts any event: that it posts it to the -webhook URL is what this test is about.
    const deadline = Date.now() + REACH_MS;
    let last = '';
    for (let turn = 0; direct('/flag').length === from && Date.now() < deadline; turn++) {
      const ping = turn % 2 === 0 ? await ctl(a, 'ping', addrB, '--count', '1') : await ctl(b, 'ping', addrA, '--count', '1');
      last = ping.stdout + ping.stderr;
      if (direct('/flag').length === from) await new Promise((r) => setTimeout(r, 1000));
    }
    expect(direct('/flag').length, `no event from A reached its -webhook URL; last ping: ${last}`).toBeGreaterThan(from);
    expect(direct('/app').length, 'nothing went to the app URL after the quit').toBe(fromApp);
  });

  it("a quit with the daemon down writes the URL into the daemon's webhook_url and says what its next start does", async () => {
    app = await startApp(appOpts);
    await state((st) => st.daemon.phase === 'linked', 'linked');
    await a.stop('SIGTERM');
    await state((st) => !st.daemon.connected, 'daemon gone');
    expect(await app.stop()).toBe(0);
    expect(app.stderr()).toContain(`wrote ${flagUrl} to ${join(a.home, '.pilot', 'webhook_url')}, so its next start delivers there`);
    app = null;
    expect(persisted(a)).toBe(flagUrl);
    const from = direct('/flag').length;
    a = await pair!.restartA();
    await waitUntil(() => direct('/flag').slice(from).some((e) => e.event === 'node.registered'), 'the next start delivers there', WAIT_MS);
  });
});
