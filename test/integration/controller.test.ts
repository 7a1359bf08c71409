// The whole core wired together as the headless host and the shell use it: fake daemon (real Unix
// socket) → daemon link → ingest (real HTTP) → dispatcher → a real receiver on loopback.

import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller, type ControllerOptions } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import { startFakeDaemon, type FakeDaemon } from '../fixtures/fake-daemon';
import { refusedUrl, startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

let dir: string;
let receiver: Receiver;
let daemon: FakeDaemon | null;
let controller: Controller | null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-ctl-'));
  receiver = await startReceiver();
  daemon = null;
  controller = null;
});

afterEach(async () => {
  await controller?.close();
  await daemon?.stop();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function settings(): SettingsService {
  const o = openConfStore(join(dir, 'data'));
  return new SettingsService(o.kv, o.warnings);
}

async function start(opts: Partial<ControllerOptions> = {}): Promise<Controller> {
  controller = await createController({
    settings: settings(),
    runOverrides: { retryBackoffMs: 20, timeoutMs: 2000, circuitCooldownMs: 500 },
    daemon: { enabled: false, socketPath: null },
    pushIntervalMs: 10,
    ...opts,
  });
  return controller;
}

describe('controller with the daemon link', () => {
  it('forwards daemon events to the receiver with the daemon fields and the app event_id', async () => {
    daemon = await startFakeDaemon({ socketPath: join(dir, 'pilot.sock'), home: join(dir, 'home'), nodeId: 77, retryBackoffMs: 20 });
    const c = await start({
      runOverrides: { url: receiver.url, retryBackoffMs: 20 },
      daemon: { enabled: true, socketPath: daemon.socketPath, healthIntervalMs: 100 },
    });
    await waitUntil(() => c.getState().daemon.connected, 'daemon linked');
    expect(daemon.webhook()).toBe(c.ingestUrl);

    daemon.emit('conn.established', { peer: '0:0000.0000.0002', conn_id: 3 });
    daemon.emit('message.received', { from: '0:0000.0000.0002', size: 8 });
    await waitUntil(() => c.getState().stats.delivered === 2, 'both delivered');

    const bodies = receiver.requests.map((r) => r.json() as Record<string, unknown>);
    expect(bodies.map((b) => b.event)).toEqual(['conn.established', 'message.received']);
    expect(bodies[0]).toMatchObject({ node_id: 77, data: { peer: '0:0000.0000.0002', conn_id: 3 } });
    expect(typeof bodies[0]!.timestamp).toBe('string');
    expect(bodies[1]!.event_id as number).toBeGreaterThan(bodies[0]!.event_id as number);
    expect(receiver.requests[0]!.headers['content-type']).toBe('application/json');

    const state = c.getState();
    expect(state.daemon).toMatchObject({ connected: true, nodeId: 77, socket: daemon.socketPath });
    expect(state.daemon.health).toHaveProperty('webhook_queue_dropped');
    expect(state.stats).toMatchObject({ received: 2, delivered: 2 });
    expect(unaccounted(state.stats)).toBe(0);
  });

  it('hands the daemon the user URL back on close', async () => {
    daemon = await startFakeDaemon({ socketPath: join(dir, 'pilot.sock'), home: join(dir, 'home'), retryBackoffMs: 20 });
    const s = settings();
    s.update({ url: receiver.url, daemonUrlImported: true });
    const c = await start({ settings: s, daemon: { enabled: true, socketPath: daemon.socketPath, healthIntervalMs: 100 } });
    await waitUntil(() => c.getState().daemon.connected, 'daemon linked');
    expect(daemon.persistedWebhook()).toBe(c.ingestUrl);
    await c.close();
    controller = null;
    expect(daemon.webhook()).toBe(receiver.url);
    expect(daemon.persistedWebhook()).toBe(receiver.url);
  });

  it('imports the URL the daemon already had on first run, but never one of our ingest URLs', async () => {
    const c = await start({
      daemon: { enabled: true, socketPath: join(dir, 'absent.sock'), daemonWebhookUrl: receiver.url },
    });
    expect(c.getState().url).toBe(receiver.url);
    expect(c.getState().warnings.join('\n')).toMatch(/Imported the webhook URL/);
    await waitUntil(() => /not found at .*absent\.sock/.test(c.getState().daemon.error ?? ''), 'daemon not found');
    await c.close();
    controller = null;

    rmSync(join(dir, 'data'), { recursive: true, force: true });
    const c2 = await start({
      daemon: { enabled: true, socketPath: join(dir, 'absent.sock'), daemonWebhookUrl: 'http://127.0.0.1:40000/ingest/AbCdEfGhIjKlMnOpQrStUvWx' },
    });
    expect(c2.getState().url).toBeNull();
  });
});

describe('controller calls', () => {
  it('refuses a metadata URL with the rule message and keeps the old one', async () => {
    const c = await start({ runOverrides: { url: receiver.url } });
    const r = await c.handlers.setUrl({ url: 'http://169.254.169.254/latest' });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/169\.254\.169\.254/);
    expect(c.getState().url).toBe(receiver.url);
  });

  it('refuses its own ingest port as a target', async () => {
    const c = await start();
    const port = new URL(c.ingestUrl).port;
    const r = await c.handlers.setUrl({ url: `http://127.0.0.1:${port}/x` });
    expect(r).toMatchObject({ ok: false, error: { code: 'own_port' } });
  });

  it('records events with no URL as not sent, and counts them', async () => {
    const c = await start();
    c.accept({ event: 'conn.fin' }, 'api');
    const { records } = await c.handlers.getLog({ limit: 5 });
    expect(records[0]).toMatchObject({ outcome: 'no_url', event: 'conn.fin' });
    expect(c.getState().stats).toMatchObject({ received: 1, unsent: 1 });
    expect(unaccounted(c.getState().stats)).toBe(0);
  });

  it('sends a test event outside the counts, and explains a closed port', async () => {
    const c = await start({ runOverrides: { url: receiver.url } });
    const ok = await c.handlers.sendTest({});
    expect(ok).toMatchObject({ ok: true, status: 200 });
    const bad = await c.handlers.sendTest({ url: await refusedUrl() });
    expect(bad.ok).toBe(false);
    expect(bad.status).toBeUndefined();
    expect(bad.error).toMatch(/refused/);
    expect(c.getState().stats.received).toBe(0);
  });

  it('resends a failed event once the receiver is back', async () => {
    receiver.reply({ status: 503 });
    const c = await start({ runOverrides: { url: receiver.url, retryBackoffMs: 5 } });
    const rec = c.accept({ event: 'tunnel.rx_silence' }, 'api');
    await waitUntil(() => c.getState().stats.failed === 1, 'event failed');
    receiver.reply({ status: 200 });
    const r = await c.handlers.resend({ ids: [rec.id] });
    expect(r).toEqual({ ok: true, value: { queued: 1 } });
    await waitUntil(() => c.getState().stats.delivered === 1, 'resend delivered');
    expect(unaccounted(c.getState().stats)).toBe(0);
  });

  it('keeps the secret out of the state and signs with it', async () => {
    const c = await start({ runOverrides: { url: receiver.url } });
    const g = await c.handlers.generateSecret(undefined);
    expect(g.ok).toBe(true);
    const secret = c.getSecret()!;
    expect(secret).toMatch(/^whsec_/);
    expect(JSON.stringify(c.getState())).not.toContain(secret.slice(6));
    c.accept({ event: 'trust.changed' }, 'api');
    await receiver.waitForRequests(1);
    expect(receiver.requests[0]!.headers['x-pilot-signature-256']).toMatch(/^[0-9a-f]{64}$/);
    expect(receiver.requests[0]!.headers['webhook-signature']).toMatch(/^v1,/);
  });

  it('answers a log read that comes after close with an empty page, not an error', async () => {
    const c = await start({ dataDir: join(dir, 'data'), runOverrides: { url: receiver.url } });
    c.accept({ event: 'conn.fin' }, 'api');
    await waitUntil(() => c.getState().stats.delivered === 1, 'delivered');
    await c.close();
    controller = null;
    await expect(c.handlers.getLog({ limit: 5 })).resolves.toEqual({ records: [] });
  });

  it('pushes batched state and records to subscribers', async () => {
    const c = await start({ runOverrides: { url: receiver.url } });
    const states: unknown[] = [];
    const records: number[] = [];
    c.subscribe('state', (s) => states.push(s));
    c.subscribe('records', (batch) => records.push(...batch.map((r) => r.id)));
    for (let i = 0; i < 20; i++) c.accept({ event: 'agent.heartbeat' }, 'api');
    await waitUntil(() => c.getState().stats.delivered === 20, 'delivered');
    await waitUntil(() => new Set(records).size === 20, 'records pushed');
    // Far fewer pushes than changes: 20 events make 40+ record changes.
    expect(states.length).toBeLessThan(20);
  });
});

describe('exportHistory (headless: into the data folder)', () => {
  it('writes the history as JSON Lines into <dataDir>/exports/ and answers the path and count', async () => {
    const dataDir = join(dir, 'data');
    const c = await start({ dataDir, runOverrides: { url: receiver.url } });
    c.accept({ event: 'conn.established' }, 'api');
    c.accept({ event: 'message.received' }, 'api');
    await waitUntil(() => c.getState().stats.delivered === 2, 'both delivered');
    expect(unaccounted(c.getState().stats)).toBe(0);

    const r = await c.handlers.exportHistory(undefined);
    if (!r.ok) throw new Error(`export failed: ${r.error.message}`);
    expect(r.value.records).toBe(2);
    expect(r.value.path.startsWith(join(dataDir, 'exports'))).toBe(true);
    expect(r.value.path).toMatch(/pilot-webhook-history-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}Z\.jsonl$/);
    expect(readdirSync(join(dataDir, 'exports'))).toHaveLength(1);

    const lines = readFileSync(r.value.path, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const exported = lines.map((l) => JSON.parse(l) as DeliveryRecord);
    expect(exported).toHaveLength(r.value.records);
    expect(exported.map((x) => [x.event, x.outcome])).toEqual([
      ['conn.established', 'delivered'],
      ['message.received', 'delivered'],
    ]);
  });

  it('refuses without a data folder, saying where the export is instead', async () => {
    const c = await start();
    const r = await c.handlers.exportHistory(undefined);
    expect(r).toMatchObject({ ok: false, error: { code: 'unsupported', message: expect.stringMatching(/data folder.*\/api\/export/) } });
  });

  it('answers export_failed when the exports folder cannot be made', async () => {
    const dataDir = join(dir, 'data');
    const c = await start({ dataDir });
    // A file where the folder should be: mkdir cannot make it, the answer says so.
    writeFileSync(join(dataDir, 'exports'), 'not a folder');
    const r = await c.handlers.exportHistory(undefined);
    expect(r).toMatchObject({ ok: false, error: { code: 'export_failed', message: expect.stringContaining('exports') } });
  });
});
