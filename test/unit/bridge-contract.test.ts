// One contract, derived everywhere: every call of shared/bridge-calls.ts has one HTTP route of the
// headless host, one Electron IPC channel, a function in the preload and in the window's web
// bridge, and a schema that is its argument's check. The tests enumerate the table, so a call
// added there is covered here without touching this file.

import { describe, expect, it } from 'vitest';
import { buildPreloadApi } from '../../src/main/preload-api';
import { matchApiRoute } from '../../src/main/headless/route-table';
import { createWebBridge } from '../../src/renderer/web-bridge';
import { ERROR_CODES, HTTP_STATUS_OF_KIND, httpStatusOf, type ErrorCode } from '../../src/shared/api-errors';
import { PUSH_NAMES } from '../../src/shared/bridge';
import { argumentPlace, CALL_NAMES, CALLS } from '../../src/shared/bridge-calls';
import { asCallAnswer, checkCallArg, queryStringOf, readQuery, settleAnswer } from '../../src/shared/call-answer';
import { CALL_CHANNELS, CALL_CHANNEL_PREFIX, PUSH_CHANNELS, PUSH_CHANNEL_PREFIX, callChannel } from '../../src/shared/ipc-channels';
import { parseRfc3339 } from '../../src/shared/rfc3339';
import { fillPath, pathParamNames, withoutPathParams } from '../../src/shared/path-params';

const calls = [...CALL_NAMES].sort();

describe('bridge contract', () => {
  it('names each call once, and every call has its own method + path that routes back to it', () => {
    expect(new Set(CALL_NAMES).size).toBe(CALL_NAMES.length);
    const routes = CALL_NAMES.map((n) => `${CALLS[n].http.method} ${CALLS[n].http.path}`);
    expect(new Set(routes).size).toBe(routes.length);
    for (const name of CALL_NAMES) {
      const { method, path } = CALLS[name].http;
      expect(path, name).toMatch(/^\/api(\/([a-z-]+|:[a-z]+))+$/);
      const params = pathParamNames(path);
      if (params.length === 0) {
        expect(matchApiRoute(method, path), name).toStrictEqual({ kind: 'call', name });
        continue;
      }
      // A route with a parameter routes the example's value back, in the argument's field.
      const example = (CALLS[name] as { example?: Record<string, unknown> }).example!;
      const filled = fillPath(path, example)!;
      expect(matchApiRoute(method, filled), name).toStrictEqual({ kind: 'call', name, params: Object.fromEntries(params.map((p) => [p, example[p]])) });
    }
  });

  it('a fixed path wins over a route with a parameter; a parameter is a plain id, never decoded', () => {
    expect(matchApiRoute('POST', '/api/destinations/preview')).toStrictEqual({ kind: 'call', name: 'previewDestination' });
    expect(matchApiRoute('PATCH', '/api/destinations/preview')).toStrictEqual({ kind: 'call', name: 'updateDestination', params: { id: 'preview' } });
    expect(matchApiRoute('GET', '/api/destinations/d1')).toStrictEqual({ kind: 'wrong_method', allow: 'PATCH, DELETE' });
    expect(matchApiRoute('PATCH', '/api/destinations/d1/x')).toStrictEqual({ kind: 'not_found' });
    expect(matchApiRoute('PATCH', '/api/destinations/%2e%2e')).toStrictEqual({ kind: 'not_found' });
    expect(matchApiRoute('PATCH', '/api/destinations/')).toStrictEqual({ kind: 'not_found' });
    expect(matchApiRoute('PUT', '/api/destinations/d_1-A/secret')).toStrictEqual({ kind: 'call', name: 'setDestinationSecret', params: { id: 'd_1-A' } });
    expect(fillPath('/api/destinations/:id/test', { id: 'a/b' })).toBeNull();
    expect(fillPath('/api/destinations/:id/test', {})).toBeNull();
    expect(withoutPathParams('/api/destinations/:id', { id: 'd1', enabled: false })).toStrictEqual({ enabled: false });
  });

  it('a GET call carries its argument in the query (with a query schema), no other call has one', () => {
    for (const name of CALL_NAMES) {
      const def = CALLS[name] as { http: { method: string }; query?: unknown };
      const place = argumentPlace(name);
      if (def.http.method === 'GET' && place !== 'none') expect(def.query, name).toBeDefined();
      if (def.http.method !== 'GET') expect(def.query, name).toBeUndefined();
      if (place === 'none') expect(checkCallArg(name, undefined).ok, name).toBe(true);
      else expect(checkCallArg(name, undefined).ok, name).toBe(false);
      // Every call refuses a value of the wrong kind, with a message.
      const wrong = checkCallArg(name, 42);
      expect(wrong.ok, name).toBe(false);
      if (!wrong.ok) expect(wrong.message.length, name).toBeGreaterThan(10);
    }
  });

  it('the IPC channels are exactly one per call and one per push', () => {
    expect(CALL_CHANNELS.map((c) => c.slice(CALL_CHANNEL_PREFIX.length)).sort()).toStrictEqual(calls);
    expect(PUSH_CHANNELS.map((c) => c.slice(PUSH_CHANNEL_PREFIX.length)).sort()).toStrictEqual([...PUSH_NAMES].sort());
    expect(new Set([...CALL_CHANNELS, ...PUSH_CHANNELS]).size).toBe(CALL_CHANNELS.length + PUSH_CHANNELS.length);
  });

  it('the Electron preload exposes the calls plus on(), each invoking its own channel with its one argument', async () => {
    const invoked: [string, unknown[]][] = [];
    const api = buildPreloadApi({
      invoke: async (channel, ...args) => {
        invoked.push([channel, args]);
        return { ok: true, value: channel };
      },
      on: () => undefined,
      removeListener: () => undefined,
    }) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
    expect(Object.keys(api).sort()).toStrictEqual([...calls, 'on'].sort());
    for (const name of CALL_NAMES) {
      const answer = await api[name]!({ x: 1 }, 'extra');
      expect(answer).toStrictEqual(CALLS[name].answers.result ? { ok: true, value: callChannel(name) } : callChannel(name));
    }
    expect(invoked).toStrictEqual(CALL_NAMES.map((n) => [callChannel(n), [{ x: 1 }]]));
  });

  it('the web bridge exposes the calls plus on(), and only its own stream helpers besides', () => {
    // Building it makes no request: fetch runs per call, EventSource on the first on().
    const web = createWebBridge(null) as unknown as Record<string, unknown>;
    const extras = ['hasToken', 'onStream'];
    const contractKeys = Object.keys(web).filter((k) => !extras.includes(k));
    expect(contractKeys.sort()).toStrictEqual([...calls, 'on'].sort());
    for (const name of CALL_NAMES) expect(typeof web[name]).toBe('function');
  });

  it('a refusal settles as the Result for Result calls, and rejects naming the call for the others', () => {
    const error = { code: 'no_url', message: 'set a URL first' } as const;
    for (const name of CALL_NAMES) {
      if (CALLS[name].answers.result) expect(settleAnswer(name, { ok: false, error })).toStrictEqual({ ok: false, error });
      else expect(() => settleAnswer(name, { ok: false, error })).toThrow(`${name}: set a URL first`);
    }
    expect(asCallAnswer('garbage')).toMatchObject({ ok: false, error: { code: 'bad_answer' } });
    expect(asCallAnswer({ ok: false, error: { code: 'made_up', message: 'x' } })).toMatchObject({ error: { code: 'bad_answer' } });
  });

  it('a GET argument survives the round trip through its query string', () => {
    const arg = { limit: 50, before: 7, outcome: 'failed', topic: 'tunnel.*', since: 1_714_564_800_000 } as const;
    const qs = queryStringOf('getLog', arg);
    expect(readQuery('getLog', new URLSearchParams(qs.slice(1)))).toStrictEqual({ ok: true, arg });
    expect(queryStringOf('getLog', {})).toBe('');
  });
});

describe('error codes', () => {
  it('each code has a kind with an HTTP status: input 400, state 409, host 500, unsupported 501', () => {
    expect(HTTP_STATUS_OF_KIND).toMatchObject({ input: 400, state: 409, host: 500, unsupported: 501 });
    const status = (code: ErrorCode): number => httpStatusOf(code);
    expect([status('invalid_argument'), status('link_local'), status('no_url'), status('internal'), status('unsupported')]).toStrictEqual([
      400, 400, 409, 500, 501,
    ]);
    for (const code of Object.keys(ERROR_CODES) as ErrorCode[]) expect(httpStatusOf(code), code).toBeGreaterThanOrEqual(400);
  });
});

describe('parseRfc3339 (the ingest timestamp, the log query and redeliver all use it)', () => {
  it.each([
    ['2024-05-01T12:00:00Z', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01t12:00:00z', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01 12:00:00Z', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T14:00:00+02:00', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T06:30:00-05:30', Date.UTC(2024, 4, 1, 12)],
    ['2024-05-01T12:00:00.2509Z', Date.UTC(2024, 4, 1, 12, 0, 0, 250)],
    ['2024-02-29T00:00:00Z', Date.UTC(2024, 1, 29)],
    ['2016-12-31T23:59:60Z', Date.UTC(2017, 0, 1)],
  ])('reads %s', (raw, ms) => {
    expect(parseRfc3339(raw)).toBe(ms);
  });

  it.each([
    '2024-02-31T00:00:00Z',
    '2023-02-29T00:00:00Z',
    '2024-13-01T00:00:00Z',
    '2024-00-10T00:00:00Z',
    '2024-05-01T24:00:00Z',
    '2024-05-01T12:60:00Z',
    '2024-05-01T12:00:61Z',
    '2024-05-01T12:00:00+24:00',
    '2024-05-01T12:00:00',
    '2024-05-01',
    '1714564800000',
    'May 1, 2024',
    ' 2024-05-01T12:00:00Z',
  ])('refuses %s', (raw) => {
    expect(parseRfc3339(raw)).toBeNull();
  });
});
