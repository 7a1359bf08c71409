// Deliveries through a proxy (a real HTTP CONNECT proxy on loopback): headless from HTTP_PROXY /
// NO_PROXY, Electron from session.resolveProxy's answer. The guard's own checks still run before
// anything reaches the proxy: a name our resolver answers with a metadata address, a metadata
// literal or host name is refused and the proxy never hears of it. A tripwire stops anything off
// loopback.

import { createServer, type Server } from 'node:http';
import { Resolver } from 'node:dns/promises';
import { connect as netConnect, type AddressInfo } from 'node:net';
import { request } from 'undici';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BLOCKED_ERROR_CODE, type ResolvedAddress } from '../../src/main/core/egress-guard';
import { createEnvProxyEgress, proxyUrlFromPac, ResolvingProxyDispatcher } from '../../src/main/core/egress-proxy';
import { watchOutgoingConnections, type Tripwire } from '../fixtures/connection-tripwire';
import { lookupVia, startTestDnsServer, type TestDnsServer } from '../fixtures/dns-server';
import { startReceiver, type Receiver } from '../fixtures/receiver';

let proxy: Server;
let proxyUrl: string;
/** every CONNECT target the proxy was asked for */
const tunnels: string[] = [];
let receiver: Receiver;
let dns: TestDnsServer;
let resolver: Resolver;
let tripwire: Tripwire;
const closers: (() => Promise<unknown>)[] = [];

const lookup = (host: string): Promise<ResolvedAddress[]> => lookupVia(resolver, host);

beforeAll(async () => {
  tripwire = watchOutgoingConnections();
  dns = await startTestDnsServer();
  resolver = new Resolver({ timeout: 500, tries: 1 });
  resolver.setServers([dns.address]);
  receiver = await startReceiver();
  // The proxy resolves names with the test DNS too, as a real proxy uses its own resolver.
  proxy = createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client, head) => {
    tunnels.push(req.url ?? '');
    const [host = '', port = ''] = (req.url ?? '').split(/:(?=\d+$)/);
    void lookup(host)
      .catch(() => [{ address: host, family: 4 as const }])
      .then((answers) => {
        const target = answers.length > 0 ? answers[0]!.address : host;
        const upstream = netConnect(Number(port), target, () => {
          client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
          upstream.write(head);
          upstream.pipe(client);
          client.pipe(upstream);
        });
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
      });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
});

afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  tunnels.length = 0;
  expect(tripwire.offLoopback).toEqual([]);
});

afterAll(async () => {
  resolver?.cancel();
  await dns?.close();
  await receiver?.close();
  proxy.closeAllConnections();
  await new Promise<void>((resolve) => proxy.close(() => resolve()));
  tripwire?.dispose();
});

async function post(url: string, dispatcher: import('undici').Dispatcher): Promise<{ status?: number; code?: string; message?: string }> {
  try {
    const res = await request(url, { method: 'POST', body: '{}', dispatcher });
    await res.body.text();
    return { status: res.statusCode };
  } catch (err) {
    return { code: (err as { code?: string }).code, message: (err as Error).message };
  }
}

describe('headless: HTTP_PROXY / NO_PROXY', () => {
  it('delivers through the proxy, and still refuses what our own checks refuse before the proxy hears of it', async () => {
    const egress = createEnvProxyEgress({ lookup }, { HTTP_PROXY: proxyUrl });
    closers.push(() => egress.close());
    dns.set('hooks.test', { a: ['127.0.0.1'] });
    const ok = await post(`http://hooks.test:${receiver.port}/hook`, egress);
    expect(ok.status).toBe(200);
    expect(tunnels).toEqual([`hooks.test:${receiver.port}`]);
    expect(receiver.requests.length).toBeGreaterThan(0);

    dns.set('evil.test', { aaaa: ['fd20:ce::254'] });
    for (const url of [`http://evil.test:${receiver.port}/`, 'http://[fd00:ec2::254]/', 'http://168.63.129.16/', 'http://metadata.google.internal/']) {
      const refused = await post(url, egress);
      expect(refused.code, url).toBe(BLOCKED_ERROR_CODE);
      expect(refused.message, url).toMatch(/not connecting/);
    }
    expect(tunnels).toEqual([`hooks.test:${receiver.port}`]);
  });

  it('NO_PROXY hosts go direct, with the full guard', async () => {
    const egress = createEnvProxyEgress({ lookup }, { HTTP_PROXY: proxyUrl, NO_PROXY: 'direct.test' });
    closers.push(() => egress.close());
    dns.set('direct.test', { a: ['127.0.0.1'] });
    expect((await post(`http://direct.test:${receiver.port}/hook`, egress)).status).toBe(200);
    dns.set('direct.test', { a: ['169.254.169.254'] });
    expect((await post(`http://direct.test:${receiver.port}/hook`, egress)).code).toBe(BLOCKED_ERROR_CODE);
    expect(tunnels).toEqual([]);
  });

  it('without a proxy in the environment, is the plain guarded agent', async () => {
    const egress = createEnvProxyEgress({ lookup }, {});
    closers.push(() => egress.close());
    expect((await post(`http://127.0.0.1:${receiver.port}/hook`, egress)).status).toBe(200);
    expect(tunnels).toEqual([]);
  });
});

describe('Electron: session.resolveProxy', () => {
  it('reads PAC answers', () => {
    expect(proxyUrlFromPac('DIRECT')).toBeNull();
    expect(proxyUrlFromPac('PROXY 10.0.0.1:3128; DIRECT')).toBe('http://10.0.0.1:3128');
    expect(proxyUrlFromPac('SOCKS5 10.0.0.1:1080; HTTPS proxy.example:443')).toBe('https://proxy.example:443');
    expect(proxyUrlFromPac('')).toBeNull();
  });

  it('sends through the proxy the system names for the origin, direct where it says DIRECT, guarded on both', async () => {
    const asked: string[] = [];
    const proxyPort = new URL(proxyUrl).port;
    const egress = new ResolvingProxyDispatcher({ lookup }, async (url) => {
      asked.push(url);
      return url.includes('viaproxy.test') ? `PROXY 127.0.0.1:${proxyPort}` : 'DIRECT';
    });
    closers.push(() => egress.close());
    dns.set('viaproxy.test', { a: ['127.0.0.1'] });
    dns.set('straight.test', { a: ['127.0.0.1'] });
    expect((await post(`http://viaproxy.test:${receiver.port}/a`, egress)).status).toBe(200);
    expect((await post(`http://viaproxy.test:${receiver.port}/b`, egress)).status).toBe(200);
    expect((await post(`http://straight.test:${receiver.port}/c`, egress)).status).toBe(200);
    expect([...new Set(tunnels)]).toEqual([`viaproxy.test:${receiver.port}`]);
    // One question per origin (cached), with the origin as a URL.
    expect(asked).toEqual([`http://viaproxy.test:${receiver.port}/`, `http://straight.test:${receiver.port}/`]);

    dns.set('viaproxy2.test', { a: ['100.100.100.200'] });
    const egress2 = new ResolvingProxyDispatcher({ lookup }, async () => `PROXY 127.0.0.1:${proxyPort}`);
    closers.push(() => egress2.close());
    const refused = await post(`http://viaproxy2.test:${receiver.port}/`, egress2);
    expect(refused.code).toBe(BLOCKED_ERROR_CODE);
    expect(refused.message).toMatch(/Alibaba Cloud metadata/);
    expect(tunnels.every((t) => t === `viaproxy.test:${receiver.port}`)).toBe(true);
  });

  it('a resolver that fails means DIRECT, through the guard', async () => {
    const egress = new ResolvingProxyDispatcher({ lookup }, () => Promise.reject(new Error('no session')));
    closers.push(() => egress.close());
    expect((await post(`http://127.0.0.1:${receiver.port}/hook`, egress)).status).toBe(200);
    expect(tunnels).toEqual([]);
  });
});
