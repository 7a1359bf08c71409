// The destination calls over the headless API, on the real core (controller, settings file,
// DestinationStore, dispatchers) and a real HTTP server on 127.0.0.1: create, list, change, move
// the primary, secrets, delete, test — and every bad input a clear 4xx that leaves the list and
// the settings file exactly as they were. Header values and secrets are never in an answer.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Controller } from '../../src/main/core/controller';
import { startApiServer, type ApiServer } from '../../src/main/headless/api-server';
import { MAX_DESTINATIONS } from '../../src/shared/destination';
import type { DestinationSummary } from '../../src/shared/destination-summary';
import { useCoreController } from '../fixtures/core-controller';
import { startSlack } from '../fixtures/services/slack';

const TOKEN = 'destination-api-test-token-0123';
let api: ApiServer | null;

const core = useCoreController('api');

beforeEach(() => {
  api = null;
});

// Registered after the core's hooks, so it runs first: the API server closes before the controller.
afterEach(async () => {
  await api?.close();
});

async function start(): Promise<Controller> {
  const controller = await core.start();
  api = await startApiServer({ handlers: controller.handlers, subscribe: controller.subscribe, token: TOKEN, staticDir: null });
  return controller;
}

interface Reply {
  status: number;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON answers, checked field by field
}

async function call(method: string, path: string, body?: unknown): Promise<Reply> {
  const res = await fetch(`${api!.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, ...(body !== undefined && { 'content-type': 'application/json' }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  });
  return { status: res.status, body: await res.json() };
}

const settingsFile = (): string => readFileSync(join(core.dir, 'data', 'settings.json'), 'utf8');
const list = async (): Promise<DestinationSummary[]> => (await call('GET', '/api/destinations')).body.destinations;

describe('destination calls', () => {
  it('creates, lists (primary first), changes, moves the primary and deletes, the settings following', async () => {
    const c = await start();
    expect(await list()).toEqual([]);

    // The first destination becomes the primary: what the single-URL calls act on.
    const first = await call('POST', '/api/destinations', { url: 'http://127.0.0.1:9/first', name: 'First' });
    expect(first.status).toBe(200);
    expect(first.body.destination).toMatchObject({ name: 'First', primary: true, format: 'pilot', enabled: true, secret: { set: false, hint: null } });
    expect(first.body.formatReason).toMatch(/daemon's own JSON/);
    expect(c.getState().url).toBe('http://127.0.0.1:9/first');

    // Format chosen from the host, and said so; off, so nothing is ever sent to it.
    const slack = await call('POST', '/api/destinations', { url: 'https://hooks.slack.com/services/T0/B0/X', enabled: false, headers: { 'X-Team': 'ops-token-123456' } });
    expect(slack.status).toBe(200);
    expect(slack.body).toMatchObject({ destination: { format: 'slack', primary: false, rateLimit: { perMinute: 60 }, status: { kind: 'off' } }, formatReason: 'chosen from the host hooks.slack.com' });
    expect(slack.body.destination.headers['X-Team']).not.toContain('ops-token-123456');
    const id = slack.body.destination.id as string;
    expect(id).toMatch(/^d[0-9a-f]{8}$/);

    const all = await list();
    expect(all.map((d) => d.name)).toEqual(['First', 'Slack (hooks.slack.com)']);
    expect(all[1]!.stats).toMatchObject({ received: 0, queued: 0 });
    expect(c.getState().destinations.map((d) => d.id)).toEqual([all[0]!.id, id]);

    const patched = await call('PATCH', `/api/destinations/${id}`, { name: 'Ops', topics: 'tunnel.*, handshake.*' });
    expect(patched.status).toBe(200);
    expect(patched.body.destination).toMatchObject({ id, name: 'Ops', topics: ['tunnel.*', 'handshake.*'] });

    // Moving the primary: the single-URL state (url, topic filters) now reads the other one.
    const moved = await call('PATCH', `/api/destinations/${id}`, { primary: true, enabled: true, url: 'http://127.0.0.1:9/ops' });
    expect(moved.status).toBe(200);
    expect((await list()).map((d) => [d.name, d.primary])).toEqual([
      ['Ops', true],
      ['First', false],
    ]);
    expect(c.getState()).toMatchObject({ url: 'http://127.0.0.1:9/ops', topicFilters: ['tunnel.*', 'handshake.*'] });
    expect(JSON.parse(settingsFile())).toMatchObject({ url: 'http://127.0.0.1:9/ops', topicFilters: ['tunnel.*', 'handshake.*'] });

    const deleted = await call('DELETE', `/api/destinations/${id}`);
    expect(deleted).toEqual({ status: 200, body: { deleted: id } });
    expect((await list()).map((d) => [d.name, d.primary])).toEqual([['First', true]]);
    expect(c.getState().url).toBe('http://127.0.0.1:9/first');
  });

  it('removing every destination leaves the single-URL app as it was before any existed', async () => {
    const c = await start();
    await call('POST', '/api/destinations', { url: 'http://127.0.0.1:9/a', enabled: false });
    const b = (await call('POST', '/api/destinations', { url: 'http://127.0.0.1:9/b', enabled: false })).body.destination.id as string;
    await call('PATCH', `/api/destinations/${b}`, { primary: true });
    expect((await call('DELETE', '/api/destinations/primary')).status).toBe(200);
    expect((await call('DELETE', `/api/destinations/${b}`)).status).toBe(200);
    expect(await list()).toEqual([]);
    expect(c.getState()).toMatchObject({ url: null, topicFilters: [], secret: { set: false } });
    // An event now is recorded "not sent: no URL", under the first id, as before destinations.
    const rec = c.accept({ event: 'conn.fin', node_id: 1, data: {} }, 'api');
    expect(rec).toMatchObject({ outcome: 'no_url', destinationId: 'primary' });
    // The next destination is the primary again, under that id, not the removed one's.
    const again = await call('POST', '/api/destinations', { url: 'http://127.0.0.1:9/c', enabled: false });
    expect(again.body.destination).toMatchObject({ id: 'primary', primary: true });
  });

  it('PUT /api/url creates the primary and keeps it in the list; DELETE clears its URL', async () => {
    const c = await start();
    expect((await call('PUT', '/api/url', { url: 'http://127.0.0.1:9/hook' })).status).toBe(200);
    expect(await list()).toMatchObject([{ id: 'primary', url: 'http://127.0.0.1:9/hook', primary: true, format: 'pilot' }]);
    expect((await call('DELETE', '/api/url')).status).toBe(200);
    expect(await list()).toMatchObject([{ id: 'primary', url: '', status: { kind: 'no-url' } }]);
    expect(c.getState().url).toBeNull();
  });

  it('secrets: set answers a hint only, clear unsets; the primary\'s is the single-URL secret', async () => {
    const c = await start();
    await call('PUT', '/api/url', { url: 'http://127.0.0.1:9/hook' });
    const other = (await call('POST', '/api/destinations', { url: 'http://127.0.0.1:9/other' })).body.destination.id as string;
    const set = await call('PUT', `/api/destinations/${other}/secret`, { secret: 'whsec_abcdefghijklmnopqrstuvwxyz012345' });
    expect(set).toEqual({ status: 200, body: { hint: 'whsec_…2345' } });
    expect((await list()).find((d) => d.id === other)!.secret).toEqual({ set: true, hint: 'whsec_…2345' });
    expect(c.getState().secret.set).toBe(false);

    await call('PUT', '/api/destinations/primary/secret', { secret: 'primary-secret-value' });
    expect(c.getState().secret).toEqual({ set: true, hint: expect.stringMatching(/…alue$/) });
    expect(c.getSecret()).toBe('primary-secret-value');

    expect(await call('DELETE', `/api/destinations/${other}/secret`)).toEqual({ status: 200, body: { set: false } });
    expect((await list()).find((d) => d.id === other)!.secret).toEqual({ set: false, hint: null });
    const state = JSON.stringify(c.getState());
    expect(state).not.toContain('primary-secret-value');
  });

  it('test: the sample in the destination\'s format, with the hint for a known refusal', async () => {
    const slack = await startSlack();
    core.cleanup(() => slack.close());
    await start();
    const url = slack.url.replace('127.0.0.1', 'hooks.slack.com');
    const asSlack = (await call('POST', '/api/destinations', { url })).body.destination.id as string;
    const asPilot = (await call('POST', '/api/destinations', { url, format: 'pilot', enabled: false })).body.destination.id as string;

    const ok = await call('POST', `/api/destinations/${asSlack}/test`);
    expect(ok.body).toMatchObject({ ok: true, status: 200, responseSnippet: 'ok' });
    expect(slack.posted.at(-1)!.text).toContain('test event from Pilot Webhook Desktop');

    const refused = await call('POST', `/api/destinations/${asPilot}/test`);
    expect(refused.body).toMatchObject({ ok: false, status: 400, responseSnippet: 'no_text', hint: expect.stringContaining('Choose the slack format') });
    // Both recorded in the log as tests, each under its destination, outside the counts.
    const tests = (await call('GET', '/api/log?limit=10')).body.records.filter((r: { source: string }) => r.source === 'test');
    expect(tests.map((r: { destinationId: string }) => r.destinationId).sort()).toEqual([asSlack, asPilot].sort());
    expect((await list()).every((d) => d.stats.received === 0)).toBe(true);
    const mine = (await call('GET', `/api/log?destination=${asPilot}`)).body.records;
    expect(mine.map((r: { destinationId: string; outcome: string }) => [r.destinationId, r.outcome])).toEqual([[asPilot, 'client_error']]);
    expect((await call('GET', '/api/log?destination=no/such')).status).toBe(400);
  });
});

describe('bad input: a clear 4xx, nothing half-saved', () => {
  it.each([
    ['an unknown format', { url: 'http://127.0.0.1:9/x', format: 'telegram' }, 'bad_field', 'format'],
    ['a template with a syntax error', { url: 'http://127.0.0.1:9/x', format: 'custom', template: '{"text": $uppercase(}' }, 'template_syntax', 'template'],
    ['a custom format without a template', { url: 'http://127.0.0.1:9/x', format: 'custom' }, 'template_missing', 'template'],
    ['a header on the deny list', { url: 'http://127.0.0.1:9/x', headers: { 'Content-Length': '5' } }, 'bad_header', 'headers'],
    ['a signature header', { url: 'http://127.0.0.1:9/x', headers: { 'X-Pilot-Signature-256': 'forged' } }, 'bad_header', 'headers'],
    ['a cloud metadata URL', { url: 'http://169.254.169.254/latest/meta-data' }, 'link_local', 'url'],
    ['a metadata host name', { url: 'http://metadata.google.internal/computeMetadata/v1/' }, 'metadata', 'url'],
    ['URL credentials', { url: 'http://user:pw@127.0.0.1:9/x' }, 'credentials', 'url'],
    ['a topic pattern that matches no topic', { url: 'http://127.0.0.1:9/x', topics: ['Tunnel.*'] }, 'bad_topic_filter', 'topics'],
    ['a rate limit of zero', { url: 'http://127.0.0.1:9/x', rateLimit: { perMinute: 0 } }, 'bad_field', 'rateLimit'],
    ['a name that is not text', { url: 'http://127.0.0.1:9/x', name: 42 }, 'bad_field', 'name'],
    ['a concurrency of zero', { url: 'http://127.0.0.1:9/x', concurrency: 0 }, 'bad_field', 'concurrency'],
    ['a concurrency above 64', { url: 'http://127.0.0.1:9/x', concurrency: 65 }, 'bad_field', 'concurrency'],
    ['a concurrency that is not whole', { url: 'http://127.0.0.1:9/x', concurrency: 1.5 }, 'bad_field', 'concurrency'],
    ['a concurrency given as text', { url: 'http://127.0.0.1:9/x', concurrency: '8' }, 'bad_field', 'concurrency'],
  ])('create with %s', async (_what, body, code, field) => {
    await start();
    await call('PUT', '/api/url', { url: 'http://127.0.0.1:9/hook' });
    const before = settingsFile();
    const reply = await call('POST', '/api/destinations', body);
    expect(reply.status).toBe(400);
    expect(reply.body.error).toMatchObject({ code, field, message: expect.any(String) });
    expect(reply.body.error.message.length).toBeGreaterThan(10);
    expect(JSON.stringify(reply.body)).not.toContain(':pw@');
    expect(settingsFile()).toBe(before);
    expect((await list()).length).toBe(1);
  });

  it('a bad concurrency in a change: 400 with the field named, the destination and the file as they were', async () => {
    const c = await start();
    const id = (await call('POST', '/api/destinations', { url: 'http://127.0.0.1:9/x', concurrency: 4 })).body.destination.id as string;
    const before = settingsFile();
    expect(JSON.parse(before).destinations[0]).toMatchObject({ id, concurrency: 4 });
    for (const concurrency of [0, 65, 2.5, '4', true, { n: 4 }]) {
      // A valid name beside the bad value: nothing of the change is saved.
      const reply = await call('PATCH', `/api/destinations/${id}`, { name: 'Renamed', concurrency });
      expect(reply.status, JSON.stringify(concurrency)).toBe(400);
      expect(reply.body.error).toMatchObject({ code: 'bad_field', field: 'concurrency', message: expect.stringContaining('"concurrency"') });
    }
    expect(settingsFile()).toBe(before);
    expect(c.getState().destinations[0]).toMatchObject({ name: expect.stringContaining('127.0.0.1:9'), concurrency: 4, concurrencyInUse: 4 });
  });

  it('a template error says where it is', async () => {
    await start();
    const reply = await call('POST', '/api/destinations', { url: 'http://127.0.0.1:9/x', format: 'custom', template: '{"text": text,\n "x": (}' });
    expect(reply.body.error.message).toMatch(/line 2, column \d+/);
  });

  it('an unknown field, a missing URL, a body id that is not the path\'s', async () => {
    await start();
    const id = (await call('POST', '/api/destinations', { url: 'http://127.0.0.1:9/x' })).body.destination.id as string;
    expect(await call('POST', '/api/destinations', { url: 'http://127.0.0.1:9/y', colour: 'red' })).toMatchObject({
      status: 400,
      body: { error: { code: 'invalid_argument', message: 'unknown field: colour' } },
    });
    expect(await call('POST', '/api/destinations', { name: 'no url' })).toMatchObject({ status: 400, body: { error: { message: '"url" is required' } } });
    expect(await call('PATCH', `/api/destinations/${id}`, { id: 'other', name: 'x' })).toMatchObject({ status: 400, body: { error: { code: 'bad_request' } } });
    expect(await call('PATCH', `/api/destinations/${id}`, { primary: false })).toMatchObject({ status: 400, body: { error: { code: 'bad_field', field: 'primary' } } });
    expect(await call('PATCH', `/api/destinations/${id}`, { template: '$x' })).toMatchObject({ status: 400, body: { error: { code: 'template_unused' } } });
    expect((await list())[0]).toMatchObject({ id, name: expect.stringContaining('127.0.0.1:9') });
  });

  it('an id that does not exist: 404 on every call that names one', async () => {
    await start();
    const before = settingsFile();
    for (const [method, path, body] of [
      ['PATCH', '/api/destinations/dnothere', { name: 'x' }],
      ['DELETE', '/api/destinations/dnothere', undefined],
      ['PUT', '/api/destinations/dnothere/secret', { secret: 'abc' }],
      ['DELETE', '/api/destinations/dnothere/secret', undefined],
      ['POST', '/api/destinations/dnothere/test', undefined],
    ] as const) {
      const reply = await call(method, path, body);
      expect(reply.status, `${method} ${path}`).toBe(404);
      expect(reply.body.error).toMatchObject({ code: 'not_found', message: expect.stringContaining('dnothere') });
    }
    expect(settingsFile()).toBe(before);
  });

  it(`100 destinations: the first ${MAX_DESTINATIONS} are kept, every one after is refused with 409`, async () => {
    await start();
    const answers: number[] = [];
    for (let i = 0; i < 100; i++) answers.push((await call('POST', '/api/destinations', { url: `http://127.0.0.1:9/d${i}`, enabled: false })).status);
    expect(answers.filter((s) => s === 200).length).toBe(MAX_DESTINATIONS);
    expect(answers.slice(MAX_DESTINATIONS).every((s) => s === 409)).toBe(true);
    const refused = await call('POST', '/api/destinations', { url: 'http://127.0.0.1:9/more' });
    expect(refused.body.error).toMatchObject({ code: 'too_many', message: expect.stringContaining(`${MAX_DESTINATIONS}`) });
    expect((await list()).length).toBe(MAX_DESTINATIONS);
    expect(JSON.parse(settingsFile()).destinations.length).toBe(MAX_DESTINATIONS);
  });
});
