// The headless API under hostile requests, against the real server and a real controller: no token,
// wrong tokens, foreign Host and Origin, oversized bodies, bad JSON, and fast-check bodies of every
// shape on every route. Never a 5xx: always a 2xx, or a 4xx with a JSON error. URLs in generated
// bodies only ever name loopback or refused addresses, and a tripwire stops (and fails the test
// on) any connection that would leave loopback.

import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { API_REQUEST_TIMEOUT_MS, startApiServer, type ApiServer } from '../../src/main/headless/api-server';
import { unaccounted } from '../../src/shared/delivery';
import { argumentPlace, CALL_NAMES, CALLS, type HttpRoute } from '../../src/shared/bridge-calls';
import { fillPath } from '../../src/shared/path-params';
import { MAX_API_BODY_BYTES, STREAM_PATH } from '../../src/shared/http-routes';
import { rawRequest, slowClient, type RawAnswer } from '../fixtures/chaos-http';
import { watchProcessFaults, type ProcessFaults } from '../fixtures/chaos-process';
import { watchOutgoingConnections, type Tripwire } from '../fixtures/connection-tripwire';
import { refusedUrl, startReceiver, type Receiver } from '../fixtures/receiver';

const TOKEN = 'hardening-token-0123456789abcdef';

let dir: string;
let receiver: Receiver;
let controller: Controller;
let api: ApiServer;
let faults: ProcessFaults;
let tripwire: Tripwire;
let closedUrl: string;
const tried: Record<string, number> = {};
const statuses: Record<string, number> = {};

const ROUTES: HttpRoute[] = CALL_NAMES.map((name) => CALLS[name].http);
// A route with a path parameter (`/api/destinations/:id`) is sent with its example's id.
const BODY_ROUTES = CALL_NAMES.filter((name) => argumentPlace(name) === 'body').map((name) => ({
  method: CALLS[name].http.method,
  path: fillPath(CALLS[name].http.path, (CALLS[name] as { example?: unknown }).example) ?? CALLS[name].http.path,
}));

function hostHeader(): string {
  return `127.0.0.1:${api.port}`;
}

/**
 * Sends one request and checks the answer is a 2xx, or a 4xx with a JSON {error:{code,message}}
 * (or a 501 `unsupported`: what this host cannot do at all, such as reaching a clipboard).
 */
async function call(kind: string, method: string, path: string, opts: { headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<RawAnswer> {
  tried[kind] = (tried[kind] ?? 0) + 1;
  const res = await rawRequest(`${api.origin}${path}`, {
    method,
    headers: { host: hostHeader(), authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', ...opts.headers },
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  statuses[res.status] = (statuses[res.status] ?? 0) + 1;
  const what = `${kind}: ${method} ${path} → ${res.status} ${res.body.slice(0, 300)}`;
  const unsupported = res.status === 501 && (res.json as { error?: { code?: string } } | undefined)?.error?.code === 'unsupported';
  expect(res.status < 300 || (res.status >= 400 && res.status < 500) || unsupported, what).toBe(true);
  // Paths outside /api/ are the window's static files: plain-text answers there.
  const bare = path.split('?')[0]!;
  if (bare !== '/api' && !bare.startsWith('/api/')) return res;
  expect(res.json, what).not.toBeUndefined();
  if (res.status >= 400) expect(res.json, what).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
  return res;
}

/** URLs a generated body may carry: loopback (a receiver, a closed port), refused forms, and junk. */
function urlArbitrary(): fc.Arbitrary<string> {
  return fc.oneof(
    fc.constantFrom(
      receiver.url,
      closedUrl,
      `http://localhost:${receiver.port}/x`,
      'http://169.254.169.254/latest/meta-data',
      'http://[::ffff:a9fe:a9fe]/',
      'http://[64:ff9b::a9fe:a9fe]/',
      'http://2852039166/',
      'http://0251.0376.0251.0376/',
      'http://0xa9fea9fe/',
      'http://metadata.google.internal./',
      'http://a@169.254.169.254/',
      'http://0.0.0.0:1/',
      'http://127.0.0.2:1/',
      `http://127.0.0.1:${api.port}/api/state`,
      'ftp://127.0.0.1/',
      'javascript:alert(1)',
      'http://',
      '',
      ' ',
      'x'.repeat(9000),
    ),
    fc.string(),
    fc.string().map((s) => `http://127.0.0.1:1/${s}`),
  );
}

function bodyArbitrary(): fc.Arbitrary<unknown> {
  const value = fc.oneof(
    urlArbitrary(),
    fc.jsonValue({ maxDepth: 2 }),
    fc.array(fc.integer({ min: -5, max: 1_000_000 }), { maxLength: 20 }),
    fc.array(fc.string(), { maxLength: 5 }),
    fc.constantFrom('tunnel.*', 'delivered', 'failed', '2026-01-01T00:00:00Z', 'not-a-date', 1e308, -1, null),
  );
  return fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.dictionary(
      fc.constantFrom('url', 'secret', 'ids', 'filters', 'since', 'outcome', 'limit', '__proto__', 'constructor', 'extra'),
      value,
      { maxKeys: 3 },
    ),
  );
}

beforeAll(async () => {
  faults = watchProcessFaults();
  tripwire = watchOutgoingConnections();
  dir = mkdtempSync(join(tmpdir(), 'pwd-hard-api-'));
  receiver = await startReceiver();
  closedUrl = await refusedUrl();
  const opened = openConfStore(join(dir, 'data'));
  let uiPort = 0;
  controller = await createController({
    settings: new SettingsService(opened.kv, opened.warnings),
    runOverrides: { url: receiver.url, timeoutMs: 300, retryBackoffMs: 20, circuitCooldownMs: 200 },
    daemon: { enabled: false, socketPath: null },
    ownPorts: () => (uiPort ? [uiPort] : []),
    pushIntervalMs: 10,
  });
  api = await startApiServer({ handlers: controller.handlers, subscribe: controller.subscribe, token: TOKEN, staticDir: null });
  uiPort = api.port;
  // A few records, so resend/redeliver and the log have something to chew on.
  for (let i = 0; i < 5; i++) controller.accept({ event: 'seed.event', data: { i } }, 'api');
});

afterAll(async () => {
  await api?.close();
  await controller?.close();
  await receiver?.close();
  tripwire?.dispose();
  faults?.dispose();
  rmSync(dir, { recursive: true, force: true });
  const total = Object.values(tried).reduce((a, b) => a + b, 0);
  console.log(`[hardening] headless API: ${total} hostile requests tried ${JSON.stringify(tried)}; statuses ${JSON.stringify(statuses)}`);
});

describe('headless API: who may call', () => {
  it('answers 401 to a missing, wrong or malformed token on every API route', async () => {
    const wrong = [undefined, '', 'Bearer', 'Bearer ', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, `bearer  ${TOKEN} extra`, `Bearer ${'A'.repeat(10_000)}`, 'Bearer \u00e9\u00e9'];
    for (const route of [...ROUTES, { method: 'GET', path: STREAM_PATH } as HttpRoute]) {
      for (const auth of wrong) {
        const headers: Record<string, string> = { host: hostHeader() };
        if (auth !== undefined) headers.authorization = auth;
        tried['bad-token'] = (tried['bad-token'] ?? 0) + 1;
        const res = await rawRequest(`${api.origin}${route.path}`, { method: route.method, headers, body: '{}' }).catch((e: Error) => e);
        // Node refuses a header value it cannot encode before sending: that is not the server's doing.
        if (res instanceof Error) {
          expect(res.message).toMatch(/Invalid character in header/);
          continue;
        }
        expect(res.status, `${route.method} ${route.path} with ${String(auth).slice(0, 40)}`).toBe(401);
        expect(res.json).toMatchObject({ error: { code: 'unauthorized' } });
      }
    }
    // The stream's ?token= is for the stream alone.
    const q = await rawRequest(`${api.origin}/api/state?token=${TOKEN}`, { method: 'GET', headers: { host: hostHeader() } });
    expect(q.status).toBe(401);
  });

  it('answers 403 to a foreign Host or Origin, even with the right token', async () => {
    const port = api.port;
    const hosts = [`evil.test:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1', `localhost.evil.test:${port}`, `[::1]:${port}`, `127.0.0.1:${port}.evil.test`, `0.0.0.0:${port}`, `127.1:${port}`];
    const origins = ['http://evil.test', `http://evil.test:${port}`, `https://127.0.0.1:${port}`, 'null', `http://127.0.0.1:${port + 1}`, `http://127.0.0.1:${port}.evil.test`, `file://`];
    for (const route of ROUTES) {
      for (const host of hosts) {
        const res = await call('foreign-host', route.method, route.path, { headers: { host }, body: '{}' });
        expect(res.status).toBe(403);
        expect(res.json).toMatchObject({ error: { code: 'forbidden_host' } });
      }
      for (const origin of origins) {
        const res = await call('foreign-origin', route.method, route.path, { headers: { origin }, body: '{}' });
        expect(res.status).toBe(403);
        expect(res.json).toMatchObject({ error: { code: 'forbidden_origin' } });
      }
    }
  });

  it('refuses a request with no Host header at all', async () => {
    tried['no-host'] = (tried['no-host'] ?? 0) + 1;
    const answer = await new Promise<string>((resolve) => {
      const s = net.connect({ host: '127.0.0.1', port: api.port }, () => s.write(`GET /api/state HTTP/1.0\r\nAuthorization: Bearer ${TOKEN}\r\n\r\n`));
      let text = '';
      s.on('data', (c: Buffer) => (text += c.toString()));
      s.on('error', () => {});
      s.on('close', () => resolve(text));
    });
    expect(answer).toMatch(/^HTTP\/1\.[01] (400|403)/);
  });
});

describe('headless API: what may be sent', () => {
  it('answers 413 to a body over 64 KiB on every body route, declared or streamed', async () => {
    for (const route of BODY_ROUTES) {
      const big = JSON.stringify({ url: 'x'.repeat(MAX_API_BODY_BYTES) });
      const res = await call('oversized', route.method, route.path, { body: big });
      expect(res.status).toBe(413);
      expect(res.json).toMatchObject({ error: { code: 'too_large' } });
      const chunked = await call('oversized', route.method, route.path, {
        body: Buffer.alloc(4 * MAX_API_BODY_BYTES, 0x20),
        headers: { 'transfer-encoding': 'chunked' },
      });
      expect(chunked.status).toBe(413);
    }
  });

  it('answers 400 to bad JSON on every body route', async () => {
    const bad = ['{', '{"url":', 'nul', '[1,2', '{"url":"x"}}', '\u0000', '\ufeff{}', "{'url':'x'}", '{"url":"\\x"}', '{"a":1,}'];
    for (const route of BODY_ROUTES) {
      for (const body of bad) {
        const res = await call('bad-json', route.method, route.path, { body });
        expect(res.status, `${route.path} ${JSON.stringify(body)}`).toBe(400);
      }
      for (const body of ['[]', '"url"', '42', 'null', 'true']) {
        const res = await call('not-an-object', route.method, route.path, { body });
        expect(res.status).toBe(400);
      }
    }
  });

  it('never answers 5xx to any JSON body on any route (fast-check)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ROUTES), bodyArbitrary(), async (route, body) => {
        await call('arbitrary-body', route.method, route.path, { body: JSON.stringify(body) ?? '' });
      }),
      { numRuns: 400 },
    );
  });

  it('never answers 5xx to any log query or any method on any path (fast-check)', async () => {
    const key = fc.constantFrom('limit', 'before', 'outcome', 'topic', 'since', 'token', 'x');
    const val = fc.oneof(fc.string(), fc.constantFrom('0', '-1', '1e9', '99999999999999999999', 'delivered', '2026-02-30T00:00:00Z', '%', '%zz', '&&', 'tunnel.*'));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(key, val), { maxLength: 5 }), async (pairs) => {
        const qs = pairs.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&');
        const res = await call('log-query', 'GET', `/api/log?${qs}`);
        expect([200, 400]).toContain(res.status);
      }),
      { numRuns: 200 },
    );
    const method = fc.constantFrom('GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'OPTIONS');
    const path = fc.oneof(
      fc.constantFrom(...ROUTES.map((r) => r.path)),
      fc.string().map((s) => `/api/${encodeURIComponent(s)}`),
      fc.constantFrom('/api', '/api/', '/api/../api/state', '/api/%2e%2e/state', '/api/state/', '/API/STATE', '/api//state'),
    );
    await fc.assert(
      fc.asyncProperty(method, path, async (m, p) => {
        await call('method-path', m, p, { body: '{}' });
      }),
      { numRuns: 200 },
    );
  });

  it('afterwards still serves the state, with the invariant holding and nothing sent off loopback', async () => {
    const res = await call('valid', 'GET', '/api/state');
    expect(res.status).toBe(200);
    const state = res.json as { stats: Parameters<typeof unaccounted>[0] };
    expect(unaccounted(state.stats)).toBe(0);
    expect(tripwire.offLoopback).toEqual([]);
    expect(faults.unhandledRejections).toEqual([]);
    expect(faults.uncaughtExceptions).toEqual([]);
  });
});

describe('headless API against slow senders (slowloris)', () => {
  it('times out a dripping request and frees the socket, while an event stream stays open', async () => {
    expect(API_REQUEST_TIMEOUT_MS).toBe(10_000);
    const slow = await startApiServer({ handlers: controller.handlers, subscribe: controller.subscribe, token: TOKEN, staticDir: null, requestTimeoutMs: 400 });
    try {
      const host = `127.0.0.1:${slow.port}`;
      // An open event stream: its request is complete, only the answer goes on.
      const stream = net.connect({ host: '127.0.0.1', port: slow.port });
      let streamText = '';
      let streamClosed = false;
      stream.on('data', (c: Buffer) => (streamText += c.toString()));
      stream.on('error', () => {});
      stream.on('close', () => (streamClosed = true));
      stream.write(`GET ${STREAM_PATH}?token=${TOKEN} HTTP/1.1\r\nHost: ${host}\r\n\r\n`);

      tried.slowloris = (tried.slowloris ?? 0) + 2;
      const body = JSON.stringify({ url: `http://127.0.0.1:1/${'slow'.repeat(60)}` });
      const [dripBody, dripHeaders] = await Promise.all([
        slowClient(slow.port, `PUT /api/url HTTP/1.1\r\nHost: ${host}\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Length: ${body.length}\r\n\r\n`, body, 50),
        slowClient(slow.port, 'GET ', `/api/state HTTP/1.1\r\nHost: ${host}\r\nX-Slow: ${'y'.repeat(200)}\r\n\r\n`, 50),
      ]);
      for (const r of [dripBody, dripHeaders]) {
        expect(r.closedByServer).toBe(true);
        expect(r.answer).toMatch(/^HTTP\/1\.1 408|^$/);
      }
      expect(dripBody.bytesDripped).toBeLessThan(body.length);
      expect(streamClosed).toBe(false);
      expect(streamText).toMatch(/^HTTP\/1\.1 200/);
      stream.destroy();
    } finally {
      await slow.close();
    }
  });
});
