// The egress guard against real sockets: a loopback HTTP receiver, a real DNS server on loopback
// (test/fixtures/dns-server.ts) queried through node:dns, and undici doing the requests.
// Every refused destination must be refused before any socket is opened; a tripwire on Node's
// `net.client.socket` channel records every outgoing TCP connection and stops any that is not
// loopback, so even a broken guard cannot send a packet off this machine.

import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import { Resolver } from 'node:dns/promises';
import { fetch, request, type Agent } from 'undici';
import {
  BLOCKED_ERROR_CODE,
  DEFAULT_DNS_TIMEOUT_MS,
  EgressBlockedError,
  createEgressAgent,
  type EgressGuardOptions,
  type ResolvedAddress,
} from '../../src/main/core/egress-guard';
import { startTestDnsServer, lookupVia, type TestDnsServer } from '../fixtures/dns-server';
import { watchOutgoingConnections, type Tripwire } from '../fixtures/connection-tripwire';

const RESOLVER_TIMEOUT_MS = 1000;

let dns: TestDnsServer;
let resolver: Resolver;
let receiver: Server;
let receiverPort: number;
let receiverHits = 0;
let tripwire: Tripwire;
const agents: Agent[] = [];

const testLookup = (host: string): Promise<ResolvedAddress[]> => lookupVia(resolver, host);

let lookups: string[] = [];
function agent(opts: EgressGuardOptions = {}): Agent {
  const a = createEgressAgent({
    lookup: (host) => {
      lookups.push(host);
      return testLookup(host);
    },
    ...opts,
  });
  agents.push(a);
  return a;
}

async function get(url: string, dispatcher: Agent): Promise<{ status: number; body: string }> {
  const res = await request(url, { dispatcher });
  return { status: res.statusCode, body: await res.body.text() };
}

/** Asserts the request is refused by the guard and that no socket was opened for it. */
async function expectBlocked(url: string, dispatcher: Agent, kind: string, message: RegExp): Promise<EgressBlockedError> {
  const socketsBefore = tripwire.targets.length;
  const hitsBefore = receiverHits;
  const err = await request(url, { dispatcher }).then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(EgressBlockedError);
  const blocked = err as EgressBlockedError;
  expect(blocked.code).toBe(BLOCKED_ERROR_CODE);
  expect(blocked.kind).toBe(kind);
  expect(blocked.message).toMatch(message);
  expect(tripwire.targets.slice(socketsBefore)).toEqual([]);
  expect(receiverHits).toBe(hitsBefore);
  return blocked;
}

beforeAll(async () => {
  tripwire = watchOutgoingConnections();
  dns = await startTestDnsServer();
  resolver = new Resolver({ timeout: RESOLVER_TIMEOUT_MS, tries: 1 });
  resolver.setServers([dns.address]);
  receiver = createServer((req, res) => {
    receiverHits += 1;
    // One connection per request, so every request goes through the connector again.
    res.writeHead(200, { 'content-type': 'text/plain', connection: 'close' });
    res.end(`hello from ${req.socket.localAddress}`);
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  receiverPort = (receiver.address() as { port: number }).port;
});

afterAll(async () => {
  resolver.cancel();
  await dns.close();
  await new Promise<void>((resolve) => receiver.close(() => resolve()));
  tripwire.dispose();
});

beforeEach(() => {
  lookups = [];
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.close()));
  // No test may have tried to leave loopback, allowed or not.
  expect(tripwire.offLoopback.splice(0)).toEqual([]);
});

describe('egress guard: allowed loopback receivers', () => {
  it('delivers to 127.0.0.1 through the guard', async () => {
    const res = await get(`http://127.0.0.1:${receiverPort}/hook`, agent());
    expect(res).toEqual({ status: 200, body: 'hello from 127.0.0.1' });
    expect(lookups).toEqual([]); // an IP literal needs no resolving
  });

  it('delivers to localhost with the default (system) resolver', async () => {
    const a = createEgressAgent();
    agents.push(a);
    const res = await get(`http://localhost:${receiverPort}/hook`, a);
    expect(res.status).toBe(200);
  });

  it('delivers to a name the test DNS resolves to loopback, connecting to the checked address', async () => {
    dns.set('receiver.test', { a: ['127.0.0.1'] });
    const res = await get(`http://receiver.test:${receiverPort}/hook`, agent());
    expect(res).toEqual({ status: 200, body: 'hello from 127.0.0.1' });
    expect(lookups).toEqual(['receiver.test']);
    expect(dns.queries).toEqual(expect.arrayContaining(['receiver.test A', 'receiver.test AAAA']));
    expect(tripwire.targets.at(-1)).toBe('127.0.0.1');
  });

  it('tries the next checked address when the first refuses the connection', async () => {
    // The receiver listens on 127.0.0.1 only; ::1 answers first and refuses.
    dns.set('dual.test', { a: ['127.0.0.1'], aaaa: ['::1'] });
    const a = createEgressAgent({
      lookup: async (host) => (await testLookup(host)).sort((x, y) => y.family - x.family),
    });
    agents.push(a);
    const before = tripwire.targets.length;
    const res = await get(`http://dual.test:${receiverPort}/`, a);
    expect(res.status).toBe(200);
    expect(tripwire.targets.slice(before)).toEqual(['::1', '127.0.0.1']);
  });

  it('keeps the host name for TLS (SNI and certificate check) while connecting to the checked address', async () => {
    const seenServerNames: string[] = [];
    // The handshake is stopped at the ClientHello, after the server has seen the name: no
    // certificate is needed to observe what the client asked for.
    const tlsServer: TlsServer = createTlsServer({
      SNICallback: (name, cb) => {
        seenServerNames.push(name);
        cb(new Error('test server: no certificate'), undefined);
      },
    });
    tlsServer.on('tlsClientError', () => {});
    await new Promise<void>((resolve) => tlsServer.listen(0, '127.0.0.1', resolve));
    try {
      dns.set('secure.test', { a: ['127.0.0.1'] });
      const port = (tlsServer.address() as { port: number }).port;
      const err = await request(`https://secure.test:${port}/`, { dispatcher: agent() }).then(
        () => null,
        (e: unknown) => e as { code?: string },
      );
      expect(err).not.toBeNull();
      expect(err?.code).not.toBe(BLOCKED_ERROR_CODE);
      expect(seenServerNames).toEqual(['secure.test']);
    } finally {
      await new Promise<void>((resolve) => tlsServer.close(() => resolve()));
    }
  });
});

describe('egress guard: refused before connecting', () => {
  it('refuses a name that resolves to the cloud metadata address, without opening a socket', async () => {
    dns.set('evil.test', { a: ['169.254.169.254'] });
    const err = await expectBlocked(
      'http://evil.test/latest/meta-data/',
      agent(),
      'refused_address',
      /^not connecting: evil\.test resolves to 169\.254\.169\.254; 169\.254\.169\.254 is a link-local address/,
    );
    expect(err.message).toMatch(/\(cloud metadata service\); use your receiver's own address$/);
    expect(err.retryable).toBe(false);
    expect(err.host).toBe('evil.test');
    expect(lookups).toEqual(['evil.test']);
  });

  it('refuses when ANY resolved address is refused', async () => {
    dns.set('mixed.test', { a: ['127.0.0.1', '169.254.169.254'] });
    await expectBlocked(`http://mixed.test:${receiverPort}/`, agent(), 'refused_address', /169\.254\.169\.254 is a link-local/);
    dns.set('mixed6.test', { a: ['127.0.0.1'], aaaa: ['::ffff:169.254.169.254'] });
    await expectBlocked(`http://mixed6.test:${receiverPort}/`, agent(), 'refused_address', /IPv4-mapped form of 169\.254\.169\.254/);
    dns.set('nat64.test', { aaaa: ['64:ff9b::a9fe:a9fe'] });
    await expectBlocked(`http://nat64.test:${receiverPort}/`, agent(), 'refused_address', /NAT64 form/);
    dns.set('aws6.test', { aaaa: ['fd00:ec2::254'] });
    await expectBlocked(`http://aws6.test/`, agent(), 'refused_address', /cloud metadata service address/);
  });

  it('re-checks on every new connection: a name flipping to a refused address is refused the second time', async () => {
    const a = agent();
    dns.set('flip.test', { a: ['127.0.0.1'] });
    expect((await get(`http://flip.test:${receiverPort}/`, a)).status).toBe(200);
    dns.set('flip.test', { a: ['169.254.169.254'] });
    await expectBlocked(`http://flip.test:${receiverPort}/`, a, 'refused_address', /169\.254\.169\.254 is a link-local/);
    expect(lookups).toEqual(['flip.test', 'flip.test']);
  });

  it('refuses IP-literal hosts too', async () => {
    const a = agent();
    await expectBlocked('http://169.254.169.254/latest/meta-data/', a, 'refused_address', /^not connecting: 169\.254\.169\.254 is a link-local/);
    await expectBlocked('http://[::ffff:a9fe:a9fe]/', a, 'refused_address', /IPv4-mapped form of 169\.254\.169\.254/);
    await expectBlocked('http://2852039166/', a, 'refused_address', /169\.254\.169\.254/);
    await expectBlocked(`http://0.0.0.0:${receiverPort}/`, a, 'refused_address', /not a destination/);
    await expectBlocked(`http://[::]:${receiverPort}/`, a, 'refused_address', /not a destination/);
    expect(lookups).toEqual([]);
  });

  it('refuses cloud metadata host names without resolving them', async () => {
    await expectBlocked('http://metadata.google.internal./computeMetadata/v1/', agent(), 'metadata_host', /cloud metadata service/);
    expect(lookups).toEqual([]);
  });

  it("refuses the app's own ports on loopback, by address and by name, as the ports change", async () => {
    const ownPorts: number[] = [];
    const a = agent({ ownPorts: () => ownPorts });
    dns.set('me.test', { a: ['127.0.0.1'] });
    expect((await get(`http://me.test:${receiverPort}/`, a)).status).toBe(200);
    ownPorts.push(receiverPort);
    await expectBlocked(`http://127.0.0.1:${receiverPort}/ingest`, a, 'own_port', /own ingest\/UI port; deliveries there would loop/);
    await expectBlocked(`http://me.test:${receiverPort}/`, a, 'own_port', /^not connecting: me\.test resolves to 127\.0\.0\.1; port \d+ on 127\.0\.0\.1/);
  });

  it('refuses loopback in strict mode', async () => {
    const a = agent({ strict: true });
    await expectBlocked(`http://127.0.0.1:${receiverPort}/`, a, 'refused_address', /loopback address; strict mode/);
    dns.set('lan.test', { a: ['192.168.1.5'] });
    await expectBlocked(`http://lan.test/`, a, 'refused_address', /private address \(RFC 1918\); strict mode/);
  });
});

describe('egress guard: fails closed when the name cannot be checked', () => {
  it('refuses a name that does not exist', async () => {
    const err = await expectBlocked(`http://missing.test:${receiverPort}/`, agent(), 'dns_failed', /could not be resolved \(ENOTFOUND\)/);
    expect(err.retryable).toBe(true);
    expect(err.cause).toBeDefined();
  });

  it('refuses when the DNS server fails', async () => {
    dns.set('broken.test', 'servfail');
    await expectBlocked(`http://broken.test:${receiverPort}/`, agent(), 'dns_failed', /could not be resolved/);
  });

  it('refuses when resolution takes longer than dnsTimeoutMs', async () => {
    dns.set('slow.test', 'drop');
    const a = agent({ dnsTimeoutMs: 100 });
    const err = await expectBlocked(`http://slow.test:${receiverPort}/`, a, 'dns_timeout', /took longer than 100 ms/);
    expect(err.retryable).toBe(true);
  });

  it('refuses a name with no address at all', async () => {
    dns.set('empty.test', {});
    await expectBlocked(`http://empty.test:${receiverPort}/`, agent(), 'no_address', /returned no address/);
  });

  it('refuses when the lookup function itself throws', async () => {
    const a = createEgressAgent({ lookup: () => Promise.reject(new Error('resolver exploded')) });
    agents.push(a);
    await expectBlocked(`http://any.test:${receiverPort}/`, a, 'dns_failed', /could not be resolved/);
  });
});

describe('egress guard: surface', () => {
  it('has the documented defaults', () => {
    expect(BLOCKED_ERROR_CODE).toBe('EPILOT_BLOCKED');
    expect(DEFAULT_DNS_TIMEOUT_MS).toBe(2000);
  });

  it('is visible through fetch as the cause of its TypeError', async () => {
    const err = await fetch('http://169.254.169.254/', { dispatcher: agent() }).then(
      () => null,
      (e: unknown) => e as { cause?: { code?: string } },
    );
    expect(err?.cause?.code).toBe(BLOCKED_ERROR_CODE);
  });
});
