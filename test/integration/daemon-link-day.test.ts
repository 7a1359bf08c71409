// The daemon link through a user's day, against the fake daemon (test/fixtures/fake-daemon.ts,
// checked against the real one in test/daemon/): a crash gap whose loss the daemon counted, a
// takeover by pilotctl, a second instance, the user's own daemon URL restored exactly at quit
// (also one the app refused to import), a quit while the daemon is down, and a daemon restart
// whose first events go to config.json's URL.

import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DaemonLink, type DaemonLinkOptions } from '../../src/main/core/daemon/daemon-link';
import { IpcClient } from '../../src/main/core/daemon/ipc-client';
import { LinkMemory } from '../../src/main/core/daemon/link-memory';
import { startIngestServer, type IngestServer } from '../../src/main/core/ingest/ingest-server';
import { startFakeDaemon, type FakeDaemon } from '../fixtures/fake-daemon';
import { startReceiver, type Receiver } from '../fixtures/receiver';

const APP_URL = 'https://hooks.example/app';

let dir: string;
let socketPath: string;
let ingest: IngestServer;
let daemon: FakeDaemon | null;
const links: DaemonLink[] = [];
const ingests: IngestServer[] = [];

async function waitFor(cond: () => boolean, what: string, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}; views: ${JSON.stringify(links.map((l) => l.view()))}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function newLink(over: Partial<DaemonLinkOptions> = {}): DaemonLink {
  const link = new DaemonLink({
    socketPath,
    daemonHome: dir,
    ingestUrl: ingest.url,
    userUrl: () => APP_URL,
    healthIntervalMs: 30,
    reconnectMinMs: 20,
    reconnectMaxMs: 100,
    requestTimeoutMs: 500,
    socketPollMs: 20,
    ...over,
  });
  links.push(link);
  link.start();
  return link;
}

/** What `pilotctl extras set-webhook` does over IPC (it also writes config.json). */
async function setWebhookAsSomeoneElse(url: string): Promise<void> {
  const c = await IpcClient.connect(socketPath);
  await c.setWebhook(url);
  c.close();
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'daemon-day-'));
  socketPath = join(dir, 'pilot.sock');
  daemon = null;
  ingest = await startIngestServer({ onEvent: () => {}, onReject: () => {} });
});

afterEach(async () => {
  for (const l of links.splice(0)) await l.stop();
  await daemon?.stop();
  for (const i of ingests.splice(0)) await i.close();
  await ingest.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a crash of the app', () => {
  it("reads the daemon's counters before SetWebhook: the loss while not linked is shown with its span, not reset to 0", async () => {
    const memory = new LinkMemory(join(dir, 'daemon-link.json'));
    const lastAlive = Date.now() - 35_000;
    // the previous run linked (the daemon still posts to its ingest URL, the same one: stable) and died
    memory.update({ lastAliveAt: lastAlive, handedBack: false, original: { url: 'http://127.0.0.1:9/user', source: 'config', known: true, at: lastAlive - 1 } });
    daemon = await startFakeDaemon({ socketPath, home: dir, retryBackoffMs: 5 });
    await setWebhookAsSomeoneElse(ingest.url); // what the crashed run had set
    daemon.setHealth({ webhook_queue_dropped: 600, webhook_circuit_skips: 28, uptime_seconds: 3600 });
    const link = newLink({ memory: new LinkMemory(join(dir, 'daemon-link.json')) });
    await waitFor(() => link.view().phase === 'linked', 'linked');
    const v = link.view();
    expect(v.loss).toMatchObject({ from: lastAlive, dropped: 600, circuitSkips: 28 });
    expect(v.loss!.text).toMatch(/^Lost while the app was not linked from .* \(3\d s\): at least 628 events \(600 dropped from its queue, 28 skipped by its circuit breaker\)/);
    // the hop counters are this run's link only: the loss is not counted twice
    daemon.setHealth({ webhook_queue_dropped: 0, webhook_circuit_skips: 0 });
    await waitFor(() => link.view().health?.webhook_queue_dropped === 0, 'fresh health');
    expect(link.view().hop).toEqual({ dropped: 0, circuitSkips: 0 });
    // the original URL of before the crash is still the one restored
    expect(v.restore).toMatchObject({ url: 'http://127.0.0.1:9/user', ask: false });
    await link.stop();
    expect(daemon.webhook()).toBe('http://127.0.0.1:9/user');
  });

  it('keeps the last-alive time in the data folder while linked', async () => {
    daemon = await startFakeDaemon({ socketPath, home: dir });
    const file = join(dir, 'daemon-link.json');
    const link = newLink({ memory: new LinkMemory(file) });
    await waitFor(() => (new LinkMemory(file).get().lastAliveAt ?? 0) > 0, 'last alive written');
    expect(new LinkMemory(file).get().handedBack).toBe(false);
    await link.stop();
    expect(new LinkMemory(file).get().handedBack).toBe(true);
  });
});

describe('someone else takes the webhook', () => {
  it('notices pilotctl set-webhook, says who has it, does not overwrite it at quit, and takes it back on request', async () => {
    daemon = await startFakeDaemon({ socketPath, home: dir });
    const link = newLink();
    await waitFor(() => link.view().phase === 'linked', 'linked');
    await setWebhookAsSomeoneElse('http://127.0.0.1:9/other');
    await waitFor(() => link.view().phase === 'taken-over', 'taken over');
    expect(link.view().takenBy).toMatchObject({ url: 'http://127.0.0.1:9/other' });
    expect(link.view().takenBy!.text).toMatch(/^The daemon now delivers to http:\/\/127\.0\.0\.1:9\/other, set outside this app/);

    const r = await link.takeBack();
    expect(r.ok).toBe(true);
    expect(daemon.webhook()).toBe(ingest.url);
    expect(link.view()).toMatchObject({ phase: 'linked', takenBy: null });

    await setWebhookAsSomeoneElse('http://127.0.0.1:9/other2');
    await waitFor(() => link.view().phase === 'taken-over', 'taken over again');
    await link.stop();
    expect(daemon.webhook()).toBe('http://127.0.0.1:9/other2');
    expect(link.view().lastEvent).toBe("left the daemon's webhook as it is: http://127.0.0.1:9/other2 (set by someone else)");
  });

  it('a second instance on the same daemon is told and does not take it; the first is told when it does', async () => {
    daemon = await startFakeDaemon({ socketPath, home: dir });
    const first = newLink();
    await waitFor(() => first.view().phase === 'linked', 'first linked');
    const ingest2 = await startIngestServer({ onEvent: () => {}, onReject: () => {} });
    ingests.push(ingest2);
    const second = newLink({ ingestUrl: ingest2.url });
    await waitFor(() => second.view().phase === 'other-app', 'second told');
    expect(second.view().takenBy!.text).toContain(`Another running instance of Pilot Webhook receives this daemon's events (its ingest ${ingest.url} answers)`);
    expect(daemon.webhook()).toBe(ingest.url);
    expect(daemon.setWebhookCalls).toEqual([ingest.url]);

    expect((await second.takeBack()).ok).toBe(true);
    expect(daemon.webhook()).toBe(ingest2.url);
    await waitFor(() => first.view().phase === 'taken-over', 'first told');
    await second.stop(); // hands back what the daemon had before the second linked: nothing known of it but the first's ingest
    await first.stop();
  });

  it('takes over the ingest URL of a crashed run (nothing answers there)', async () => {
    daemon = await startFakeDaemon({ socketPath, home: dir });
    const dead = await startIngestServer({ onEvent: () => {}, onReject: () => {} });
    await setWebhookAsSomeoneElse(dead.url);
    await dead.close();
    const link = newLink();
    await waitFor(() => link.view().phase === 'linked', 'linked');
    expect(daemon.webhook()).toBe(ingest.url);
  });
});

describe("the user's daemon URL", () => {
  it('restores exactly what the daemon delivered to before the app linked, not the app URL', async () => {
    daemon = await startFakeDaemon({ socketPath, home: dir });
    await setWebhookAsSomeoneElse('http://127.0.0.1:9/mine');
    const link = newLink();
    await waitFor(() => link.view().phase === 'linked', 'linked');
    expect(link.view().restore).toMatchObject({ url: 'http://127.0.0.1:9/mine', ask: false });
    expect(link.view().restore!.why).toBe('what the daemon delivered to before the app linked (webhook_url)');
    await link.stop();
    expect(daemon.webhook()).toBe('http://127.0.0.1:9/mine');
  });

  it('restores a URL the app refused to import untouched (credentials in it), and masks them in the window', async () => {
    const secretUrl = 'http://user:hunter2@127.0.0.1:9/mine';
    daemon = await startFakeDaemon({ socketPath, home: dir });
    await setWebhookAsSomeoneElse(secretUrl);
    const link = newLink({ userUrl: () => null });
    await waitFor(() => link.view().phase === 'linked', 'linked');
    expect(JSON.stringify(link.view())).not.toContain('hunter2');
    await link.stop();
    expect(daemon.webhook()).toBe(secretUrl);
  });

  it('asks once when the -webhook flag cannot be ruled out, and applies the answer at quit', async () => {
    mkdirSync(join(dir, '.pilot'), { recursive: true });
    writeFileSync(join(dir, '.pilot', 'config.json'), JSON.stringify({ webhook: 'http://127.0.0.1:9/cfg' }));
    daemon = await startFakeDaemon({ socketPath, home: dir });
    const memory = new LinkMemory(join(dir, 'daemon-link.json'));
    const link = newLink({ findProcess: async () => null, memory });
    await waitFor(() => link.view().phase === 'linked', 'linked');
    expect(link.view().restore).toMatchObject({ ask: true, guess: 'http://127.0.0.1:9/cfg' });
    link.chooseRestore('clear');
    expect(link.view().restore).toMatchObject({ ask: false, url: null, why: 'you chose to clear it' });
    expect(new LinkMemory(join(dir, 'daemon-link.json')).get().restoreChoice?.mode).toBe('clear');
    await link.stop();
    expect(daemon.webhook()).toBeNull();
  });

  it("warns about a corrupt config.json as pilotctl does", async () => {
    mkdirSync(join(dir, '.pilot'), { recursive: true });
    writeFileSync(join(dir, '.pilot', 'config.json'), '{"webhook": ');
    daemon = await startFakeDaemon({ socketPath, home: dir });
    const link = newLink();
    await waitFor(() => link.view().phase === 'linked', 'linked');
    expect(link.view().warnings).toEqual([`config file is corrupt; using defaults: ${join(dir, '.pilot', 'config.json')} (Unexpected end of JSON input)`]);
  });
});

describe('quitting while the daemon is down', () => {
  it("puts the URL to restore into the daemon's webhook_url and says what its next start will do", async () => {
    daemon = await startFakeDaemon({ socketPath, home: dir });
    const link = newLink();
    await waitFor(() => link.view().phase === 'linked', 'linked');
    await daemon.stop();
    daemon = null;
    await link.stop();
    const { readFileSync } = await import('node:fs');
    expect(readFileSync(join(dir, '.pilot', 'webhook_url'), 'utf8')).toBe(APP_URL);
    expect(link.view().lastEvent).toMatch(/^the daemon is not reachable at .*; wrote https:\/\/hooks\.example\/app to .*webhook_url, so its next start delivers there$/);
    // and the next start does
    daemon = await startFakeDaemon({ socketPath, home: dir });
    expect(daemon.webhook()).toBe(APP_URL);
  });

  it('says so when config.json will win at the next start', async () => {
    daemon = await startFakeDaemon({ socketPath, home: dir });
    const link = newLink();
    await waitFor(() => link.view().phase === 'linked', 'linked');
    await daemon.stop();
    daemon = null;
    mkdirSync(join(dir, '.pilot'), { recursive: true });
    writeFileSync(join(dir, '.pilot', 'config.json'), JSON.stringify({ webhook: 'http://127.0.0.1:9/cfg' }));
    await link.stop();
    expect(link.view().lastEvent).toMatch(/but at its next start "webhook" in config\.json wins: it will deliver to http:\/\/127\.0\.0\.1:9\/cfg$/);
  });
});

describe('a daemon restart with "webhook" in config.json', () => {
  let rx: Receiver;
  beforeEach(async () => {
    rx = await startReceiver();
  });
  afterEach(async () => {
    await rx.close();
  });

  it('records and shows that its start events went there before the re-link', async () => {
    mkdirSync(join(dir, '.pilot'), { recursive: true });
    writeFileSync(join(dir, '.pilot', 'config.json'), JSON.stringify({ webhook: rx.url }));
    daemon = await startFakeDaemon({ socketPath, home: dir, lifecycleEvents: true, retryBackoffMs: 5 });
    const link = newLink();
    await waitFor(() => link.view().phase === 'linked', 'linked');
    await new Promise((r) => setTimeout(r, 50)); // a Health tick: last alive
    await daemon.restart();
    await waitFor(() => link.view().startEventsElsewhere !== null && link.view().phase === 'linked', 're-linked, told');
    expect(link.view().startEventsElsewhere).toMatch(
      new RegExp(`^The daemon restarted at .*; for \\d+ s until the app re-linked, its events \\(node\\.registered, agent\\.registered and any others\\) went to ${rx.url.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\("webhook" in config\\.json, which the daemon prefers at start\\), not through the app\\.$`),
    );
    await daemon.drain();
    expect(rx.requests.map((r) => (r.json() as { event: string }).event)).toContain('node.registered');
    expect(daemon.webhook()).toBe(ingest.url);
  });
});
