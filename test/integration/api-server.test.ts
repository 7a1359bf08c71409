// The headless host's HTTP server against a real socket on 127.0.0.1, with a small fake of the
// controller's BridgeHandlers (the server only maps HTTP to these calls).

import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  CALL_NAMES,
  type AppState,
  type BridgeHandlers,
  type BridgePushes,
  type CallName,
  type PushName,
  type PushSubscribe,
} from '../../src/shared/bridge';
import type { DeliveryRecord } from '../../src/shared/delivery';
import { daemonOffView } from '../../src/main/core/daemon/daemon-link';
import { sampleState } from '../fixtures/sample-state';
import { argumentPlace, CALLS } from '../../src/shared/bridge-calls';
import { MAX_API_BODY_BYTES } from '../../src/shared/http-routes';
import { fillPath, withoutPathParams } from '../../src/shared/path-params';
import { startApiServer, type ApiServer, type ApiServerOptions } from '../../src/main/headless/api-server';

const TOKEN = 'test-token-0123456789';
const AUTH = { authorization: `Bearer ${TOKEN}` };

/** The sample state with the link off and no ingest, as a host run with --no-daemon has it. */
const STATE: AppState = sampleState({ daemon: { ...daemonOffView(), error: 'off' }, ingest: { url: null } });

const RECORD: DeliveryRecord = {
  id: 7,
  event: 'peer.connected',
  receivedAt: 1_714_564_800_000,
  outcome: 'delivered',
  url: 'http://127.0.0.1:9/hook',
  attempts: [{ startedAt: 1_714_564_800_001, durationMs: 4, status: 200 }],
  payload: '{"event":"peer.connected"}',
  source: 'demo',
};

// ---------------------------------------------------------------- fakes of the controller

type Call = { name: CallName; arg: unknown };
type Behaviour = (arg: unknown) => Promise<unknown>;

function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** What the fake answers; a call without an entry here answers `{ call: <name> }` (as a Result if it is one). */
function defaultBehaviours(): Partial<Record<CallName, Behaviour>> {
  return {
    getState: async () => STATE,
    setUrl: async (a) => ok({ url: (a as { url: string }).url }),
    clearUrl: async () => ok({ url: null }),
    // A failed test send is still a plain 200 answer: TestResult is not a Result.
    sendTest: async () => ({ ok: false, durationMs: 3, error: 'connection refused' }),
    getLog: async () => ({ records: [RECORD] }),
    pause: async () => ok({ paused: true }),
    resume: async () => ok({ paused: false }),
    resend: async (a) => ok({ queued: (a as { ids: number[] }).ids.length }),
    setSecret: async () => ok({ hint: '…cret' }),
    generateSecret: async () => ok({ secret: 'whsec_AAAA', hint: '…AAAA' }),
    clearSecret: async () => ok({ set: false }),
    copySecret: async () => ok({ copied: true }),
    copyText: async () => ok({ copied: true }),
    redeliver: async () => ok({ queued: 4 }),
    setTopicFilters: async (a) => ok({ filters: (a as { filters: string[] }).filters }),
    previewDestination: async () => ok({ contentType: 'application/json', body: '{"text":"x"}', headers: {} }),
    exportHistory: async () => ok({ path: '/data/exports/history.jsonl', records: 7 }),
    takeBackDaemon: async () => ok({ message: 're-linked' }),
    chooseDaemonRestore: async (a) => ok({ mode: (a as { mode: string }).mode }),
  };
}

function genericAnswer(name: CallName): unknown {
  return CALLS[name].answers.result ? ok({ call: name }) : { call: name };
}

function fakeController() {
  const calls: Call[] = [];
  const behaviours = defaultBehaviours();
  const handlers = Object.fromEntries(
    CALL_NAMES.map((name) => [
      name,
      async (arg: unknown) => {
        calls.push({ name, arg });
        const behaviour = behaviours[name];
        return behaviour ? behaviour(arg) : genericAnswer(name);
      },
    ]),
  ) as unknown as BridgeHandlers;

  type Listener = (value: unknown) => void;
  const listeners: Record<PushName, Set<Listener>> = { state: new Set(), records: new Set() };
  const subscribe: PushSubscribe = (push, listener) => {
    const set = listeners[push];
    set.add(listener as Listener);
    return () => set.delete(listener as Listener);
  };
  const emit = <P extends PushName>(push: P, value: BridgePushes[P]): void => {
    for (const l of [...listeners[push]]) l(value);
  };
  const listenerCount = (): number => listeners.state.size + listeners.records.size;
  return { calls, behaviours, handlers, subscribe, emit, listenerCount };
}

// ---------------------------------------------------------------- raw HTTP client (loopback only)

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: () => unknown;
}

interface RequestSpec {
  method?: string;
  path: string;
  headers?: Record<string, string | number>;
  body?: string | Buffer;
  /** send the body in chunks without a Content-Length */
  chunked?: boolean;
}

/** Always connects to 127.0.0.1; the Host header is whatever the test says. */
function send(port: number, spec: RequestSpec): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { host: `127.0.0.1:${port}`, ...spec.headers };
    if (spec.body !== undefined && !spec.chunked) headers['content-length'] = Buffer.byteLength(spec.body);
    const req = httpRequest(
      { host: '127.0.0.1', port, method: spec.method ?? 'GET', path: spec.path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (spec.body !== undefined && spec.chunked) {
      const body = Buffer.from(spec.body);
      const piece = 8 * 1024;
      for (let i = 0; i < body.length; i += piece) req.write(body.subarray(i, i + piece));
    } else if (spec.body !== undefined) {
      req.write(spec.body);
    }
    req.end();
  });
}

interface SseEvent {
  event: string;
  data: unknown;
}

/** A minimal EventSource over node:http that records events, comments and the retry hint. */
function openStream(port: number, path: string, headers: Record<string, string> = {}) {
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let retry: number | null = null;
  let buffer = '';
  let response: IncomingMessage | null = null;
  let ended = false;
  const req = httpRequest({ host: '127.0.0.1', port, path, headers: { host: `127.0.0.1:${port}`, ...headers }, agent: false });
  const ready = new Promise<IncomingMessage>((resolve, reject) => {
    req.on('response', (res) => {
      response = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let event = 'message';
          let data: string | null = null;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) comments.push(line.slice(1).trim());
            else if (line.startsWith('event: ')) event = line.slice(7);
            else if (line.startsWith('data: ')) data = line.slice(6);
            else if (line.startsWith('retry: ')) retry = Number(line.slice(7));
          }
          if (data !== null) events.push({ event, data: JSON.parse(data) });
        }
      });
      res.on('end', () => (ended = true));
      res.on('close', () => (ended = true));
      resolve(res);
    });
    req.on('error', reject);
  });
  req.end();
  return {
    events,
    comments,
    ready,
    get retry() {
      return retry;
    },
    get ended() {
      return ended;
    },
    get response() {
      return response;
    },
    close: () => req.destroy(),
  };
}

// ---------------------------------------------------------------- fixtures

let servers: ApiServer[] = [];
let streams: { close: () => void }[] = [];
let tempDirs: string[] = [];

afterEach(async () => {
  for (const s of streams) s.close();
  streams = [];
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
  tempDirs = [];
});

async function start(overrides: Partial<ApiServerOptions> = {}) {
  const fake = fakeController();
  const server = await startApiServer({
    handlers: fake.handlers,
    subscribe: fake.subscribe,
    token: TOKEN,
    port: 0,
    staticDir: null,
    ...overrides,
  });
  servers.push(server);
  return { fake, server, port: server.port };
}

function stream(port: number, path: string, headers: Record<string, string> = {}) {
  const s = openStream(port, path, headers);
  streams.push(s);
  return s;
}

// ---------------------------------------------------------------- tests

describe('API routes', () => {
  it('listens on 127.0.0.1 and reports its origin', async () => {
    const { server } = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.origin).toBe(`http://127.0.0.1:${server.port}`);
  });

  const bodies: Partial<Record<CallName, unknown>> = {
    setUrl: { url: 'http://127.0.0.1:9/new' },
    sendTest: { url: 'http://127.0.0.1:9/try' },
    resend: { ids: [3, 5] },
    setSecret: { secret: 's3cret' },
    redeliver: { since: '2024-05-01T12:00:00Z', outcome: 'any_undelivered' },
    setTopicFilters: { filters: ['tunnel.*'] },
    chooseDaemonRestore: { mode: 'app' },
    copyText: { text: 'curl -X POST http://127.0.0.1:9/hook' },
    previewDestination: { format: 'slack' },
  };
  const expectedValues: Partial<Record<CallName, unknown>> = {
    getState: STATE,
    setUrl: { url: 'http://127.0.0.1:9/new' },
    clearUrl: { url: null },
    sendTest: { ok: false, durationMs: 3, error: 'connection refused' },
    getLog: { records: [RECORD] },
    pause: { paused: true },
    resume: { paused: false },
    resend: { queued: 2 },
    setSecret: { hint: '…cret' },
    generateSecret: { secret: 'whsec_AAAA', hint: '…AAAA' },
    clearSecret: { set: false },
    copySecret: { copied: true },
    copyText: { copied: true },
    redeliver: { queued: 4 },
    setTopicFilters: { filters: ['tunnel.*'] },
    previewDestination: { contentType: 'application/json', body: '{"text":"x"}', headers: {} },
    exportHistory: { path: '/data/exports/history.jsonl', records: 7 },
    takeBackDaemon: { message: 're-linked' },
    chooseDaemonRestore: { mode: 'app' },
  };

  it.each(CALL_NAMES.map((n) => [n]))('%s maps to its handler with the right argument', async (name) => {
    const { fake, port } = await start();
    const route = CALLS[name].http;
    const place = argumentPlace(name);
    const arg = bodies[name] ?? (CALLS[name] as { example?: unknown }).example;
    // A route with a parameter carries the argument's field in the path, the rest in the body.
    const body = place === 'body' ? JSON.stringify(withoutPathParams(route.path, arg)) : undefined;
    const path = place === 'query' ? `${route.path}?limit=5&outcome=failed` : fillPath(route.path, arg)!;
    const headers = { ...AUTH, ...(body !== undefined && { 'content-type': 'application/json' }) };
    const reply = await send(port, { method: route.method, path, headers, body });

    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(/^application\/json/);
    expect(reply.json()).toEqual(name in expectedValues ? expectedValues[name] : { call: name });
    const expectedArg = place === 'body' ? arg : place === 'query' ? { limit: 5, outcome: 'failed' } : undefined;
    expect(fake.calls).toEqual([{ name, arg: expectedArg }]);
  });

  it.each([
    ['input', 'link_local', 400],
    ['state', 'no_url', 409],
    ['host', 'export_failed', 500],
    ['unsupported', 'unsupported', 501],
  ] as const)('answers a Result error of kind %s (%s) with %i and {error:{code,message}}', async (_kind, code, status) => {
    const { fake, port } = await start();
    fake.behaviours.setUrl = async () => ({ ok: false, error: { code, message: 'refused for a reason' } });
    const reply = await send(port, { method: 'PUT', path: '/api/url', headers: AUTH, body: '{"url":"http://169.254.169.254/"}' });
    expect(reply.status).toBe(status);
    expect(reply.json()).toEqual({ error: { code, message: 'refused for a reason' } });
  });

  it('refuses the same impossible date the same way in a query and in a body (one RFC 3339 parser)', async () => {
    const { fake, port } = await start();
    const date = '2024-02-31T00:00:00Z';
    const query = await send(port, { path: `/api/log?since=${date}`, headers: AUTH });
    expect(query.status).toBe(400);
    expect(query.json()).toMatchObject({ error: { code: 'bad_query', message: expect.stringMatching(/"since"/) } });
    const body = JSON.stringify({ since: date, outcome: 'failed' });
    const redeliver = await send(port, { method: 'POST', path: '/api/redeliver', headers: AUTH, body });
    expect(redeliver.status).toBe(400);
    expect(redeliver.json()).toMatchObject({ error: { code: 'invalid_argument', message: expect.stringMatching(/"since" must be an RFC 3339/) } });
    expect(fake.calls).toEqual([]);
  });

  it('passes an empty body as {} (POST /api/test with nothing)', async () => {
    const { fake, port } = await start();
    const reply = await send(port, { method: 'POST', path: '/api/test', headers: AUTH });
    expect(reply.status).toBe(200);
    expect(fake.calls).toEqual([{ name: 'sendTest', arg: {} }]);
  });

  it('404 JSON for an unknown /api path, 405 with Allow for a wrong method', async () => {
    const { fake, port } = await start();
    const missing = await send(port, { path: '/api/nope', headers: AUTH });
    expect(missing.status).toBe(404);
    expect(missing.json()).toMatchObject({ error: { code: 'not_found' } });

    const wrong = await send(port, { method: 'GET', path: '/api/url', headers: AUTH });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.allow).toBe('PUT, DELETE');
    expect(wrong.json()).toMatchObject({ error: { code: 'method_not_allowed' } });

    const streamPost = await send(port, { method: 'POST', path: '/api/stream', headers: AUTH });
    expect(streamPost.status).toBe(405);
    expect(streamPost.headers.allow).toBe('GET');
    expect(fake.calls).toEqual([]);
  });

  it('a handler that throws gets a 500 JSON error without a stack, and the server keeps serving', async () => {
    const { fake, port } = await start();
    const errors: unknown[] = [];
    fake.behaviours.pause = async () => {
      throw new Error('disk on fire');
    };
    const server2 = await start({ handlers: fake.handlers, onError: (e) => errors.push(e) });
    for (const p of [port, server2.port]) {
      const reply = await send(p, { method: 'POST', path: '/api/pause', headers: AUTH });
      expect(reply.status).toBe(500);
      expect(reply.json()).toEqual({ error: { code: 'internal', message: 'disk on fire' } });
      expect(reply.text).not.toContain('at ');
      const next = await send(p, { path: '/api/state', headers: AUTH });
      expect(next.status).toBe(200);
      expect(next.json()).toEqual(STATE);
    }
    expect(errors).toHaveLength(1);
  });
});

describe('GET /api/log query', () => {
  it('parses numbers, outcome, topic, and since as epoch ms or RFC 3339', async () => {
    const { fake, port } = await start();
    const q = '?limit=50&before=120&outcome=circuit_skipped&topic=tunnel.*&since=1714564800000&ignored=1';
    expect((await send(port, { path: `/api/log${q}`, headers: AUTH })).status).toBe(200);
    expect((await send(port, { path: '/api/log?since=2024-05-01T14:00:00%2B02:00', headers: AUTH })).status).toBe(200);
    expect((await send(port, { path: '/api/log?since=2024-05-01T12:00:00.250Z', headers: AUTH })).status).toBe(200);
    expect(fake.calls.map((c) => c.arg)).toEqual([
      { limit: 50, before: 120, outcome: 'circuit_skipped', topic: 'tunnel.*', since: 1_714_564_800_000 },
      { since: 1_714_564_800_000 },
      { since: 1_714_564_800_250 },
    ]);
  });

  it.each([
    ['limit=abc', /"limit" must be a positive integer/],
    ['limit=0', /"limit" must be a positive integer/],
    ['limit=-3', /"limit" must be a positive integer/],
    ['before=1.5', /"before" must be a non-negative integer/],
    ['outcome=lost', /"outcome" must be one of/],
    ['since=yesterday', /"since" must be epoch milliseconds or an RFC 3339 timestamp/],
    ['since=2024-02-30T00:00:00Z', /"since"/],
    ['since=2024-05-01', /"since"/],
    ['limit=1&limit=2', /"limit" is given more than once/],
  ])('400 for %s, handler not called', async (query, message) => {
    const { fake, port } = await start();
    const reply = await send(port, { path: `/api/log?${query}`, headers: AUTH });
    expect(reply.status).toBe(400);
    const body = reply.json() as { error: { code: string; message: string } };
    expect(body.error.code).toBe('bad_query');
    expect(body.error.message).toMatch(message);
    expect(fake.calls).toEqual([]);
  });
});

describe('request bodies', () => {
  it('400 bad_json for malformed JSON, 400 for a non-object body', async () => {
    const { fake, port } = await start();
    const bad = await send(port, { method: 'PUT', path: '/api/url', headers: AUTH, body: '{"url":' });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'bad_json' } });
    const array = await send(port, { method: 'POST', path: '/api/resend', headers: AUTH, body: '[1,2]' });
    expect(array.status).toBe(400);
    expect(array.json()).toMatchObject({ error: { code: 'bad_request' } });
    expect(fake.calls).toEqual([]);
  });

  it('refuses a field of the wrong type with 400 invalid_argument, before the handler', async () => {
    const { fake, port } = await start();
    const reply = await send(port, { method: 'PUT', path: '/api/url', headers: AUTH, body: '{"url": 5}' });
    expect(reply.status).toBe(400);
    expect(reply.json()).toMatchObject({ error: { code: 'invalid_argument', message: expect.stringMatching(/"url" must be a string/) } });
    const extra = await send(port, { method: 'POST', path: '/api/resend', headers: AUTH, body: '{"ids": [1], "all": true}' });
    expect(extra.status).toBe(400);
    expect(fake.calls).toEqual([]);
  });

  it('accepts a body of exactly the limit', async () => {
    const { fake, port } = await start();
    // Padded with JSON whitespace: the URL itself must stay within the call's own length limit.
    const prefix = '{"url":"http://127.0.0.1:9/x"';
    const suffix = '}';
    const body = prefix + ' '.repeat(MAX_API_BODY_BYTES - prefix.length - suffix.length) + suffix;
    expect(Buffer.byteLength(body)).toBe(MAX_API_BODY_BYTES);
    const reply = await send(port, { method: 'PUT', path: '/api/url', headers: AUTH, body });
    expect(reply.status).toBe(200);
    expect(fake.calls).toHaveLength(1);
  });

  it.each([
    ['with Content-Length', false],
    ['chunked, no Content-Length', true],
  ])('413 for a body over 64 KiB (%s), handler not called', async (_name, chunked) => {
    const { fake, port } = await start();
    const body = `{"url":"${'a'.repeat(MAX_API_BODY_BYTES)}"}`;
    const reply = await send(port, { method: 'PUT', path: '/api/url', headers: AUTH, body, chunked });
    expect(reply.status).toBe(413);
    expect(reply.json()).toMatchObject({ error: { code: 'too_large' } });
    expect(fake.calls).toEqual([]);
    // The server is still fine afterwards.
    expect((await send(port, { path: '/api/state', headers: AUTH })).status).toBe(200);
  });
});

describe('authentication', () => {
  it.each([
    ['no Authorization', {}],
    ['wrong token', { authorization: 'Bearer wrong-token' }],
    ['token prefix', { authorization: `Bearer ${TOKEN.slice(0, -1)}` }],
    ['another scheme', { authorization: `Basic ${TOKEN}` }],
  ])('401 with WWW-Authenticate for %s', async (_name, headers) => {
    const { fake, port } = await start();
    const reply = await send(port, { path: '/api/state', headers });
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe('Bearer');
    expect(reply.json()).toMatchObject({ error: { code: 'unauthorized' } });
    expect(fake.calls).toEqual([]);
  });

  it('accepts the scheme case-insensitively', async () => {
    const { port } = await start();
    expect((await send(port, { path: '/api/state', headers: { authorization: `bearer ${TOKEN}` } })).status).toBe(200);
  });

  it('only the stream may carry ?token=', async () => {
    const { fake, port } = await start();
    const reply = await send(port, { path: `/api/state?token=${TOKEN}` });
    expect(reply.status).toBe(401);
    expect(fake.calls).toEqual([]);
  });

  it.each([
    ['no token', '/api/stream'],
    ['wrong ?token=', '/api/stream?token=nope'],
  ])('the stream refuses %s with 401', async (_name, path) => {
    const { fake, port } = await start();
    const reply = await send(port, { path });
    expect(reply.status).toBe(401);
    expect(fake.listenerCount()).toBe(0);
  });
});

describe('Host and Origin (DNS rebinding, cross-site requests)', () => {
  it.each([
    ['a foreign name with our port', (p: number) => `evil.example:${p}`],
    ['loopback with another port', (p: number) => `127.0.0.1:${p + 1}`],
    ['no port', () => '127.0.0.1'],
  ])('403 for Host %s, on the API and the page', async (_name, host) => {
    const { fake, port } = await start();
    const api = await send(port, { path: '/api/state', headers: { ...AUTH, host: host(port) } });
    expect(api.status).toBe(403);
    expect(api.json()).toMatchObject({ error: { code: 'forbidden_host' } });
    const page = await send(port, { path: '/', headers: { host: host(port) } });
    expect(page.status).toBe(403);
    expect(page.headers['content-security-policy']).toContain("default-src 'none'");
    expect(fake.calls).toEqual([]);
  });

  it('allows Host localhost:<port>', async () => {
    const { port } = await start();
    expect((await send(port, { path: '/api/state', headers: { ...AUTH, host: `localhost:${port}` } })).status).toBe(200);
  });

  it.each([
    ['another site', 'https://evil.example'],
    ['an opaque origin', 'null'],
    ['https on our port', (p: number) => `https://127.0.0.1:${p}`],
    ['another loopback port', (p: number) => `http://127.0.0.1:${p + 1}`],
  ])('403 for Origin from %s', async (_name, origin) => {
    const { fake, port } = await start();
    const value = typeof origin === 'function' ? origin(port) : origin;
    const reply = await send(port, { method: 'POST', path: '/api/pause', headers: { ...AUTH, origin: value } });
    expect(reply.status).toBe(403);
    expect(reply.json()).toMatchObject({ error: { code: 'forbidden_origin' } });
    expect(fake.calls).toEqual([]);
  });

  it.each(['127.0.0.1', 'localhost'])('allows the same origin http://%s:<port>', async (name) => {
    const { fake, port } = await start();
    const reply = await send(port, { method: 'POST', path: '/api/pause', headers: { ...AUTH, origin: `http://${name}:${port}` } });
    expect(reply.status).toBe(200);
    expect(fake.calls).toEqual([{ name: 'pause', arg: undefined }]);
  });
});

describe('GET /api/stream', () => {
  it('sends the state at connect, then every push, and releases the subscription when the client goes', async () => {
    const { fake, port } = await start();
    const s = stream(port, `/api/stream?token=${TOKEN}`);
    const res = await s.ready;
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(res.headers['cache-control']).toBe('no-store');
    await vi.waitFor(() => expect(s.events).toHaveLength(1));
    expect(s.events[0]).toEqual({ event: 'state', data: STATE });
    expect(s.retry).toBeGreaterThan(0);
    expect(fake.listenerCount()).toBe(2);

    const paused = { ...STATE, paused: true };
    fake.emit('records', [RECORD]);
    fake.emit('state', paused);
    await vi.waitFor(() => expect(s.events).toHaveLength(3));
    expect(s.events.slice(1)).toEqual([
      { event: 'records', data: [RECORD] },
      { event: 'state', data: paused },
    ]);

    s.close();
    await vi.waitFor(() => expect(fake.listenerCount()).toBe(0));
  });

  it('accepts the token in an Authorization header too', async () => {
    const { port } = await start();
    const s = stream(port, '/api/stream', AUTH);
    expect((await s.ready).statusCode).toBe(200);
    await vi.waitFor(() => expect(s.events).toEqual([{ event: 'state', data: STATE }]));
  });

  it('keeps pushes that arrive while the state is loading, after the state', async () => {
    const { fake, port } = await start();
    let release: () => void = () => undefined;
    fake.behaviours.getState = () => new Promise((resolve) => (release = () => resolve(STATE)));
    const s = stream(port, `/api/stream?token=${TOKEN}`);
    await vi.waitFor(() => expect(fake.listenerCount()).toBe(2));
    fake.emit('records', [RECORD]);
    release();
    await vi.waitFor(() => expect(s.events).toHaveLength(2));
    expect(s.events.map((e) => e.event)).toEqual(['state', 'records']);
  });

  it('sends keep-alive comments', async () => {
    const { port } = await start({ streamPingMs: 20 });
    const s = stream(port, `/api/stream?token=${TOKEN}`);
    await vi.waitFor(() => expect(s.comments).toContain('ping'));
  });

  it('answers 500 and subscribes nothing when the state cannot be read', async () => {
    const { fake, port } = await start();
    fake.behaviours.getState = async () => {
      throw new Error('no state');
    };
    const reply = await send(port, { path: `/api/stream?token=${TOKEN}` });
    expect(reply.status).toBe(500);
    expect(fake.listenerCount()).toBe(0);
  });

  it('close() ends open streams and releases their subscriptions', async () => {
    const { fake, port, server } = await start();
    const s = stream(port, `/api/stream?token=${TOKEN}`);
    await vi.waitFor(() => expect(s.events).toHaveLength(1));
    await server.close();
    servers = [];
    await vi.waitFor(() => expect(s.ended).toBe(true));
    expect(fake.listenerCount()).toBe(0);
  });
});

describe('static window', () => {
  let root: string;
  let staticDir: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'api-server-test-'));
    tempDirs.push(root);
    staticDir = join(root, 'renderer');
    mkdirSync(staticDir);
    writeFileSync(join(staticDir, 'index.html'), '<!doctype html><title>window</title>');
    writeFileSync(join(staticDir, 'app.js'), 'console.log("app");');
    writeFileSync(join(staticDir, 'app.js.map'), '{"version":3}');
    writeFileSync(join(staticDir, 'styles.css'), 'body{}');
    writeFileSync(join(staticDir, 'secret.txt'), 'NOT-ALLOWED-IN');
    writeFileSync(join(root, 'package.json'), '{"name":"OUTSIDE"}');
  });

  it.each([
    ['/', /^text\/html/, 'window'],
    ['/index.html', /^text\/html/, 'window'],
    ['/app.js', /^text\/javascript/, 'console.log'],
    ['/app.js.map', /^application\/json/, 'version'],
    ['/styles.css', /^text\/css/, 'body{}'],
  ])('serves %s without a token, with its type and the security headers', async (path, type, content) => {
    const { port } = await start({ staticDir });
    const reply = await send(port, { path });
    expect(reply.status).toBe(200);
    expect(reply.headers['content-type']).toMatch(type);
    expect(reply.text).toContain(content);
    expect(reply.headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
    expect(reply.headers['referrer-policy']).toBe('no-referrer');
    expect(reply.headers['x-frame-options']).toBe('DENY');
  });

  it('API answers carry the security headers and no-store', async () => {
    const { port } = await start({ staticDir });
    const reply = await send(port, { path: '/api/state', headers: AUTH });
    expect(reply.headers['cache-control']).toBe('no-store');
    expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(reply.headers['x-content-type-options']).toBe('nosniff');
  });

  it('HEAD gives the headers without a body; POST is 405', async () => {
    const { port } = await start({ staticDir });
    const head = await send(port, { method: 'HEAD', path: '/app.js' });
    expect(head.status).toBe(200);
    expect(head.text).toBe('');
    const post = await send(port, { method: 'POST', path: '/' });
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe('GET, HEAD');
  });

  it.each([
    '/../package.json',
    '/%2e%2e/package.json',
    '/%2E%2E%2Fpackage.json',
    '/..%2fpackage.json',
    '/./index.html/../../package.json',
    '//package.json',
    '/secret.txt',
    '/app.js/',
    '/index.html%00.js',
    '/favicon.ico',
  ])('404 for %s', async (path) => {
    const { port } = await start({ staticDir });
    const reply = await send(port, { path });
    expect(reply.status).toBe(404);
    expect(reply.text).not.toContain('OUTSIDE');
    expect(reply.text).not.toContain('NOT-ALLOWED-IN');
  });

  it('a missing built file is a 404, not a crash', async () => {
    const { port } = await start({ staticDir });
    expect((await send(port, { path: '/styles.css.map' })).status).toBe(404);
  });

  it('without a built window, / is a placeholder page and the scripts are 404', async () => {
    const { port } = await start({ staticDir: null });
    const page = await send(port, { path: '/' });
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('npm run build');
    expect((await send(port, { path: '/app.js' })).status).toBe(404);
  });
});
