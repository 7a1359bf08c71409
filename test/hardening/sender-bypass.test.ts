// URL bypass cases at the sender level: the real dispatcher with the real egress guard, and a real
// controller, not the rules alone. A name served by a test DNS server flips from 127.0.0.1 to the
// metadata address between save and send; a receiver answers 302 to the metadata address; the
// spellings from real reports go through "Send test event". A tripwire on every outgoing TCP
// connection stops (and fails the test on) anything that is not loopback, and each refusal is
// checked to happen before any socket is opened.

import { Resolver } from 'node:dns/promises';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/main/core/controller';
import { DeliveryLog } from '../../src/main/core/delivery/delivery-log';
import { Dispatcher } from '../../src/main/core/delivery/dispatcher';
import { createEgressAgent, type ResolvedAddress } from '../../src/main/core/egress-guard';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { unaccounted, type DeliveryRecord } from '../../src/shared/delivery';
import { checkWebhookUrl } from '../../src/shared/url-rules';
import { watchProcessFaults, type ProcessFaults } from '../fixtures/chaos-process';
import { watchOutgoingConnections, type Tripwire } from '../fixtures/connection-tripwire';
import { lookupVia, startTestDnsServer, type DnsRecords, type TestDnsServer } from '../fixtures/dns-server';
import { everyMetadataAnswer, everyMetadataUrl } from '../fixtures/metadata-spellings';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

const METADATA_URL = 'http://169.254.169.254/latest/meta-data';

let dns: TestDnsServer;
let resolver: Resolver;
let receiver: Receiver;
let tripwire: Tripwire;
let faults: ProcessFaults;
let dir: string;
const cleanups: (() => Promise<void>)[] = [];
const tried: Record<string, number> = {};

const testLookup = (host: string): Promise<ResolvedAddress[]> => lookupVia(resolver, host);

/** The sender as the controller builds it, but with the test DNS server as its resolver. */
function guardedDispatcher(url: string): { d: Dispatcher; log: DeliveryLog } {
  const log = new DeliveryLog({ capacity: 100 });
  const agent = createEgressAgent({ lookup: testLookup, dnsTimeoutMs: 500 });
  const d = new Dispatcher(
    { url, agent, checkUrl: (u) => checkWebhookUrl(u), timeoutMs: 1000, retryBackoffMs: 10, maxAttempts: 2, circuitCooldownMs: 200, drainMs: 500 },
    log,
  );
  cleanups.push(async () => {
    await d.close();
    await agent.close();
  });
  return { d, log };
}

async function settled(d: Dispatcher, rec: DeliveryRecord): Promise<DeliveryRecord> {
  await waitUntil(() => rec.outcome !== 'queued', `record ${rec.id} settled`, 10_000);
  expect(unaccounted(d.stats())).toBe(0);
  return rec;
}

/** Runs `send` and checks no TCP connection was even attempted, and the receiver heard nothing. */
async function expectNoConnection<T>(send: () => Promise<T>): Promise<T> {
  const targetsBefore = tripwire.targets.length;
  const hitsBefore = receiver.requests.length;
  const result = await send();
  expect(tripwire.targets.slice(targetsBefore)).toEqual([]);
  expect(receiver.requests.length).toBe(hitsBefore);
  return result;
}

beforeAll(async () => {
  faults = watchProcessFaults();
  tripwire = watchOutgoingConnections();
  dir = mkdtempSync(join(tmpdir(), 'pwd-hard-bypass-'));
  dns = await startTestDnsServer();
  resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([dns.address]);
  // One connection per request, so every event goes through the guard's connect again.
  receiver = await startReceiver({ reply: { status: 200, headers: { connection: 'close' } } });
});

afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  // No test may have tried to leave loopback, allowed or not.
  expect(tripwire.offLoopback).toEqual([]);
});

afterAll(async () => {
  resolver?.cancel();
  await dns?.close();
  await receiver?.close();
  tripwire?.dispose();
  expect(faults.unhandledRejections).toEqual([]);
  faults?.dispose();
  rmSync(dir, { recursive: true, force: true });
  const total = Object.values(tried).reduce((a, b) => a + b, 0);
  console.log(`[hardening] URL bypass at the sender: ${total} cases tried ${JSON.stringify(tried)}`);
});

describe('a name that flips to a refused address between save and send', () => {
  const flips: [string, DnsRecords][] = [
    ['metadata IPv4', { a: ['169.254.169.254'] }],
    ['IPv4-mapped metadata', { aaaa: ['::ffff:169.254.169.254'] }],
    ['NAT64 metadata', { aaaa: ['64:ff9b::a9fe:a9fe'] }],
    ['AWS IPv6 metadata', { aaaa: ['fd00:ec2::254'] }],
    ['loopback plus metadata', { a: ['127.0.0.1', '169.254.169.254'] }],
    ['unspecified', { a: ['0.0.0.0'] }],
  ];
  for (const [what, records] of flips) {
    it(`is saved and delivered while it is 127.0.0.1, then refused before connecting (${what})`, async () => {
      tried['dns-flip'] = (tried['dns-flip'] ?? 0) + 1;
      const name = `flip-${what.replace(/\W+/g, '-').toLowerCase()}.test`;
      dns.set(name, { a: ['127.0.0.1'] });
      const url = `http://${name}:${receiver.port}/hook`;
      // Saving: the rules accept a DNS name; they cannot know what it will resolve to.
      expect(checkWebhookUrl(url)).toEqual({ ok: true, url });
      const { d } = guardedDispatcher(url);

      const first = await settled(d, d.submit({ event: 'before.flip' }, 'api'));
      expect(first.outcome).toBe('delivered');
      expect(tripwire.targets.at(-1)).toBe('127.0.0.1');

      dns.set(name, records);
      const second = await expectNoConnection(() => settled(d, d.submit({ event: 'after.flip' }, 'api')));
      expect(second.outcome).toBe('failed');
      expect(second.attempts).toHaveLength(1); // a refused address is not retried
      expect(second.attempts[0]).toMatchObject({ error: 'blocked' });
      expect(second.attempts[0]!.status).toBeUndefined();
      expect(second.detail).toMatch(/^blocked: not connecting: .* resolves to /);
      expect(d.stats()).toMatchObject({ received: 2, delivered: 1, failed: 1 });
    });
  }

  it('fails closed when the name stops resolving: never sent, retried, recorded as a DNS failure', async () => {
    tried['dns-flip'] = (tried['dns-flip'] ?? 0) + 1;
    dns.set('flaky.test', { a: ['127.0.0.1'] });
    const { d } = guardedDispatcher(`http://flaky.test:${receiver.port}/hook`);
    expect((await settled(d, d.submit({ event: 'ok' }, 'api'))).outcome).toBe('delivered');
    dns.set('flaky.test', 'servfail');
    const rec = await expectNoConnection(() => settled(d, d.submit({ event: 'dns.down' }, 'api')));
    expect(rec.outcome).toBe('failed');
    expect(rec.attempts.map((a) => a.error)).toEqual(['dns', 'dns']);
  });

  it('a connection opened while the name was safe stays with the checked address', async () => {
    tried['dns-flip'] = (tried['dns-flip'] ?? 0) + 1;
    const keepAlive = await startReceiver();
    cleanups.push(() => keepAlive.close());
    dns.set('sticky.test', { a: ['127.0.0.1'] });
    const { d } = guardedDispatcher(`http://sticky.test:${keepAlive.port}/hook`);
    expect((await settled(d, d.submit({ event: 'one' }, 'api'))).outcome).toBe('delivered');
    dns.set('sticky.test', { a: ['169.254.169.254'] });
    // The pooled socket's peer was fixed when it was checked: the event goes to 127.0.0.1 again,
    // never to the new answer.
    const rec = await settled(d, d.submit({ event: 'two' }, 'api'));
    expect(['delivered', 'failed']).toContain(rec.outcome);
    if (rec.outcome === 'delivered') expect(keepAlive.socketCount).toBe(1);
    else expect(rec.attempts.at(-1)).toMatchObject({ error: 'blocked' });
  });
});

describe('cloud metadata addresses outside link-local, as DNS answers', () => {
  it('refuses every spelling before connecting, recorded as blocked with the service named', async () => {
    const answers = everyMetadataAnswer();
    for (const [i, { spelled, service }] of answers.entries()) {
      tried['metadata-answer'] = (tried['metadata-answer'] ?? 0) + 1;
      const name = `cloud-${i}.test`;
      dns.set(name, spelled.includes(':') ? { aaaa: [spelled] } : { a: [spelled] });
      const { d } = guardedDispatcher(`http://${name}:${receiver.port}/hook`);
      const rec = await expectNoConnection(() => settled(d, d.submit({ event: 'to.metadata' }, 'api')));
      expect(rec.outcome, spelled).toBe('failed');
      expect(rec.attempts, spelled).toHaveLength(1);
      expect(rec.attempts[0], spelled).toMatchObject({ error: 'blocked' });
      expect(rec.detail, spelled).toMatch(/^blocked: not connecting: .* resolves to .*cloud metadata service address/);
      expect(rec.detail, spelled).toMatch(service);
      dns.delete(name);
    }
  });
});

describe('through a real controller', () => {
  let controller: Controller;

  beforeAll(async () => {
    const opened = openConfStore(join(dir, 'data'));
    controller = await createController({
      settings: new SettingsService(opened.kv, opened.warnings),
      runOverrides: { timeoutMs: 1000, retryBackoffMs: 10, circuitCooldownMs: 200 },
      daemon: { enabled: false, socketPath: null },
      pushIntervalMs: 10,
    });
  });
  afterAll(async () => {
    await controller?.close();
  });

  it('records a 302 to the metadata address as a redirect with its Location, never followed', async () => {
    tried.redirect = (tried.redirect ?? 0) + 1;
    const evil = await startReceiver({ reply: { status: 302, headers: { location: METADATA_URL } } });
    cleanups.push(() => evil.close());
    expect(await controller.handlers.setUrl({ url: evil.url })).toMatchObject({ ok: true });
    const targetsBefore = tripwire.targets.length;
    const rec = controller.accept({ event: 'redirect.me' }, 'api');
    await waitUntil(() => rec.outcome !== 'queued', 'redirect settled');
    expect(rec.outcome).toBe('redirect');
    expect(rec.attempts).toHaveLength(1);
    expect(rec.attempts[0]).toMatchObject({ status: 302, error: 'redirect', location: METADATA_URL });
    expect(evil.requests).toHaveLength(1);
    // The only connection was to the receiver; 169.254.169.254 was never asked for.
    expect(tripwire.targets.slice(targetsBefore).every((t) => t === '127.0.0.1')).toBe(true);
    expect(tripwire.targets).not.toContain('169.254.169.254');
    expect(unaccounted(controller.getState().stats)).toBe(0);
    // "Send test event" does not follow it either.
    const test = await controller.handlers.sendTest({});
    expect(test).toMatchObject({ ok: false, status: 302 });
    expect(test.error).toMatch(/169\.254\.169\.254.*not followed/);
  });

  it('refuses every spelling from real reports before connecting, on save and on "Send test event"', async () => {
    const refused = [
      'http://0.0.0.0/',
      `http://0.0.0.0:${receiver.port}/`,
      'http://[::ffff:169.254.169.254]/',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://[fd00:ec2::254]/',
      'http://2852039166/',
      'http://0251.0376.0251.0376/',
      'http://0xa9.0xfe.0xa9.0xfe/',
      'http://0xa9fea9fe/',
      'http://169.254.43518/',
      'http://metadata.google.internal./computeMetadata/v1/',
      'http://METADATA.GOOGLE.INTERNAL/',
      'http://a@169.254.169.254/',
      'http://a:b@169.254.169.254/',
      METADATA_URL,
      'http://[fe80::1]/',
      'http://224.0.0.1/',
      `http://127.0.0.1:${new URL(controller.ingestUrl).port}/x`,
    ];
    for (const url of refused) {
      tried['refused-spelling'] = (tried['refused-spelling'] ?? 0) + 1;
      const saved = await controller.handlers.setUrl({ url });
      expect(saved.ok, url).toBe(false);
      const test = await expectNoConnection(() => controller.handlers.sendTest({ url }));
      expect(test.ok, url).toBe(false);
      expect(test.status).toBeUndefined();
      expect(test.error, url).toMatch(/\S{10,}/);
    }
    for (const { url, service } of everyMetadataUrl()) {
      tried['metadata-literal'] = (tried['metadata-literal'] ?? 0) + 1;
      const saved = await controller.handlers.setUrl({ url });
      expect(saved.ok ? 'saved' : saved.error.message, url).toMatch(service);
      const test = await expectNoConnection(() => controller.handlers.sendTest({ url }));
      expect(test.ok, url).toBe(false);
      expect(test.error, url).toMatch(service);
    }
    // 127.0.0.2 is loopback, allowed by default like the daemon allows it: connected to (a closed
    // port here), never off loopback.
    tried['refused-spelling'] = (tried['refused-spelling'] ?? 0) + 1;
    const loop = await controller.handlers.sendTest({ url: 'http://127.0.0.2:9/hook' });
    expect(loop.ok).toBe(false);
    expect(tripwire.targets.at(-1)).toBe('127.0.0.2');
  });
});
