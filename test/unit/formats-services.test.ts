// Every body format against its receiver stand-in over real HTTP on loopback: what each service's
// documentation says it accepts is accepted (and would be shown), what it refuses is refused with
// the service's own words — including the daemon's own JSON, which is how the app failed before.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileTemplate, TemplateError, TEMPLATE_MAX_OUTPUT_CHARS } from '../../src/shared/formats/custom-template';
import type { FormatName } from '../../src/shared/formats/format-names';
import { headerSafe } from '../../src/shared/formats/ntfy';
import { renderChat, renderDigest, renderEvent } from '../../src/shared/formats/render';
import type { ChatMessage } from '../../src/shared/formats/chat-message';
import type { RenderedBody } from '../../src/shared/formats/rendered';
import type { PilotEventBody } from '../../src/shared/events';
import { everyTopicSample, hostileEvent, sampleEvent } from '../fixtures/sample-events';
import { startDiscord } from '../fixtures/services/discord';
import { startGoogleChat } from '../fixtures/services/google-chat';
import { startMattermost } from '../fixtures/services/mattermost';
import { startN8n } from '../fixtures/services/n8n';
import { startNtfy } from '../fixtures/services/ntfy';
import { startSlack } from '../fixtures/services/slack';
import { startTeamsConnector, startTeamsWorkflow } from '../fixtures/services/teams';
import type { ServiceStandIn } from '../fixtures/services/service-server';

async function post(url: string, r: RenderedBody, extra: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': r.contentType, ...r.headers, ...extra }, body: r.body });
  return { status: res.status, body: await res.text() };
}

const pilotBody = (ev: PilotEventBody): RenderedBody => ({ contentType: 'application/json', body: JSON.stringify(ev), headers: {} });

type Std = ServiceStandIn<unknown> & { url: string };
const services: Record<string, Std> = {};
let workflow: Awaited<ReturnType<typeof startTeamsWorkflow>>;

beforeAll(async () => {
  services.slack = (await startSlack()) as Std;
  services.mattermost = (await startMattermost()) as Std;
  services.discord = (await startDiscord()) as Std;
  workflow = await startTeamsWorkflow();
  services.teams = workflow as Std;
  services['google-chat'] = (await startGoogleChat()) as Std;
  services.ntfy = (await startNtfy()) as Std;
});
afterAll(async () => {
  await Promise.all(Object.values(services).map((s) => s.close()));
});

const CHAT: FormatName[] = ['slack', 'mattermost', 'discord', 'teams', 'google-chat', 'ntfy'];

describe.each(CHAT)('%s format against its stand-in', (format) => {
  it('every topic, a hostile event and a digest are accepted and posted', async () => {
    const svc = services[format]!;
    const before = svc.posted.length;
    const events = [...everyTopicSample(), hostileEvent()];
    for (const ev of events) {
      const r = await post(svc.url, await renderEvent(format, ev));
      expect(r.status, `${ev.event}: ${r.body}`).toBeLessThan(300);
    }
    const digest = await post(svc.url, renderDigest(format as Exclude<FormatName, 'pilot' | 'custom'>, 3, events));
    expect(digest.status, digest.body).toBeLessThan(300);
    expect(svc.posted.length - before).toBe(events.length + 1);
    if (format === 'teams') expect(workflow.failedRuns).toEqual([]);
  });

  it('a message far over every limit is cut to fit, not refused', async () => {
    const svc = services[format]!;
    const huge: ChatMessage = {
      title: 'T'.repeat(5000),
      text: 'x'.repeat(50_000),
      lines: Array.from({ length: 100 }, (_, i) => `${i} ${'l'.repeat(3000)}`),
      facts: Array.from({ length: 40 }, (_, i) => ({ name: `n${i}${'n'.repeat(400)}`, value: 'v'.repeat(5000) })),
      severity: 'error',
      topic: 'tunnel.path_suspect',
      nodeId: 42,
      timestamp: '2026-11-30T10:00:00Z',
      eventId: 7,
    };
    const r = await post(svc.url, renderChat(format as Exclude<FormatName, 'pilot' | 'custom'>, huge));
    expect(r.status, r.body).toBeLessThan(300);
    if (format === 'teams') expect(workflow.failedRuns).toEqual([]);
  });

  it('the posted message says what happened in words', async () => {
    const svc = services[format]!;
    await post(svc.url, await renderEvent(format, sampleEvent('handshake.approved')));
    const shown = JSON.stringify(svc.posted.at(-1));
    expect(shown).toContain('trust handshake from node 2 approved');
  });
});

describe('the daemon JSON is refused exactly as the services refuse it', () => {
  const ev = sampleEvent('tunnel.established');

  it('Slack: 400 no_text', async () => {
    expect(await post(services.slack!.url, pilotBody(ev))).toEqual({ status: 400, body: 'no_text' });
  });

  it('Discord: 400 code 50006', async () => {
    const r = await post(services.discord!.url, pilotBody(ev));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body)).toEqual({ message: 'Cannot send an empty message', code: 50006 });
  });

  it('Teams connector: 400 Summary or Text is required.', async () => {
    const connector = await startTeamsConnector();
    try {
      expect(await post(connector.url, pilotBody(ev))).toEqual({ status: 400, body: 'Summary or Text is required.' });
      expect((await post(connector.url, await renderEvent('teams', ev))).status).toBe(200);
    } finally {
      await connector.close();
    }
  });

  it('Teams Workflows: 202, and the flow fails where the sender cannot see it', async () => {
    const runs = workflow.failedRuns.length;
    const posted = workflow.posted.length;
    expect((await post(workflow.url, pilotBody(ev))).status).toBe(202);
    expect(workflow.failedRuns.slice(runs)).toEqual(['type must be "message"']);
    expect(workflow.posted.length).toBe(posted);
  });

  it('Google Chat: 400 INVALID_ARGUMENT naming the unknown field', async () => {
    const r = await post(services['google-chat']!.url, pilotBody(ev));
    expect(r.status).toBe(400);
    expect(r.body).toContain('Unknown name \\"event_id\\"');
  });

  it('Mattermost: 400 No text specified', async () => {
    const r = await post(services.mattermost!.url, pilotBody(ev));
    expect(r.status).toBe(400);
    expect(JSON.parse(r.body).message).toBe('No text specified');
  });
});

describe('stand-ins enforce the documented limits (so a passing format is within them)', () => {
  it('Discord: 50035 for content over 2,000 and embeds over 6,000 in all', async () => {
    const url = services.discord!.url;
    const long = await post(url, { contentType: 'application/json', headers: {}, body: JSON.stringify({ content: 'x'.repeat(2001) }) });
    expect(long.status).toBe(400);
    expect(JSON.parse(long.body)).toMatchObject({ code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    const embeds = Array.from({ length: 2 }, () => ({ title: 't', description: 'd'.repeat(3500) }));
    const big = await post(url, { contentType: 'application/json', headers: {}, body: JSON.stringify({ embeds }) });
    expect(JSON.parse(big.body).errors.embeds._errors[0].code).toBe('MAX_EMBED_SIZE_EXCEEDED');
  });

  it('Slack: invalid_blocks for a section over 3,000 characters', async () => {
    const body = JSON.stringify({ text: 'x', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: 'y'.repeat(3001) } }] });
    expect(await post(services.slack!.url, { contentType: 'application/json', headers: {}, body })).toEqual({ status: 400, body: 'invalid_blocks' });
  });

  it('ntfy: 40007 for an invalid priority, 41301 for a body over 4,096 bytes', async () => {
    const url = services.ntfy!.url;
    const bad = await post(url, { contentType: 'text/plain', headers: { Priority: 'loud' }, body: 'hi' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).code).toBe(40007);
    const big = await post(url, { contentType: 'text/plain', headers: {}, body: 'é'.repeat(2049) });
    expect(JSON.parse(big.body).code).toBe(41301);
  });

  it('ntfy: a non-ASCII title arrives decoded, priority and tags from the event', async () => {
    const svc = await startNtfy();
    try {
      const ev = sampleEvent('L4.panic', 5, { error: 'überlauf ⚠' });
      const r = await post(svc.url, await renderEvent('ntfy', { ...ev, event: 'L4.panic' }));
      expect(r.status).toBe(200);
      expect(svc.posted[0]).toMatchObject({ priority: 5, tags: ['rotating_light', 'L4.panic'], title: 'Pilot: L4.panic - node 42' });
      expect(svc.posted[0]!.message).toContain('überlauf ⚠');
      // A title that is not ASCII travels as an RFC 2047 encoded word and arrives as written.
      expect((await post(svc.url, { contentType: 'text/plain', headers: { Title: headerSafe('Pilot: überlauf ⚠') }, body: 'x' })).status).toBe(200);
      expect(svc.posted[1]!.title).toBe('Pilot: überlauf ⚠');
    } finally {
      await svc.close();
    }
  });

  it('429 with Retry-After when over the documented rate (Slack, Discord)', async () => {
    const slack = await startSlack({ rateLimit: { max: 1, windowMs: 60_000 } });
    const discord = await startDiscord({ rateLimit: { max: 1, windowMs: 60_000 } });
    try {
      const ev = await renderEvent('slack', sampleEvent('conn.fin'));
      expect((await post(slack.url, ev)).status).toBe(200);
      const res = await fetch(slack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: ev.body });
      expect(res.status).toBe(429);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThan(0);
      const d = await renderEvent('discord', sampleEvent('conn.fin'));
      expect((await post(discord.url, d)).status).toBe(204);
      const limited = await post(discord.url, d);
      expect(limited.status).toBe(429);
      expect(JSON.parse(limited.body)).toMatchObject({ message: 'You are being rate limited.', global: false });
    } finally {
      await Promise.all([slack.close(), discord.close()]);
    }
  });
});

describe('n8n behind auth: extra headers are what gets the events in', () => {
  it('Header Auth: 403 without the header, 200 with it', async () => {
    const n8n = await startN8n({ kind: 'header', name: 'X-N8N-Token', value: 's3cret-token' });
    try {
      const body = await renderEvent('pilot', sampleEvent('trust.changed'));
      expect((await post(n8n.url, body)).status).toBe(403);
      expect((await post(n8n.url, body, { 'X-N8N-Token': 'wrong' })).status).toBe(403);
      const ok = await post(n8n.url, body, { 'X-N8N-Token': 's3cret-token' });
      expect(ok).toEqual({ status: 200, body: JSON.stringify({ message: 'Workflow was started' }) });
      expect(n8n.posted).toEqual([sampleEvent('trust.changed')]);
    } finally {
      await n8n.close();
    }
  });

  it('Basic Auth: 401 with a challenge without credentials, 403 when wrong, 200 when right', async () => {
    const n8n = await startN8n({ kind: 'basic', user: 'pilot', password: 'p:ss' });
    try {
      const body = await renderEvent('pilot', sampleEvent('conn.fin'));
      const res = await fetch(n8n.url, { method: 'POST', body: body.body });
      expect(res.status).toBe(401);
      expect(res.headers.get('www-authenticate')).toBe('Basic realm="Webhook"');
      expect((await post(n8n.url, body, { Authorization: `Basic ${Buffer.from('pilot:nope').toString('base64')}` })).status).toBe(403);
      expect((await post(n8n.url, body, { Authorization: `Basic ${Buffer.from('pilot:p:ss').toString('base64')}` })).status).toBe(200);
    } finally {
      await n8n.close();
    }
  });
});

describe('custom (JSONata) format', () => {
  it('a JSON result is the body; a string result is sent as text', async () => {
    const n8n = await startN8n({ kind: 'header', name: 'X-Key', value: 'k' });
    try {
      const t = compileTemplate('{"what": text, "topic": event, "peer": data.peer_node_id, "node": node_id}');
      const r = await t.render(sampleEvent('handshake.approved'));
      expect(r.contentType).toBe('application/json');
      expect((await post(n8n.url, r, { 'X-Key': 'k' })).status).toBe(200);
      expect(n8n.posted[0]).toEqual({ what: 'Node 42: trust handshake from node 2 approved', topic: 'handshake.approved', peer: 2, node: 42 });
      const s = await compileTemplate('event & " on " & $string(node_id)').render(sampleEvent('conn.fin'));
      expect(s).toEqual({ contentType: 'text/plain; charset=utf-8', body: 'conn.fin on 42', headers: {} });
    } finally {
      await n8n.close();
    }
  });

  it('a syntax error is answered with its position', () => {
    let err: unknown;
    try {
      compileTemplate('{"a": text,\n  "b": (}');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TemplateError);
    expect((err as TemplateError).code).toBe('template_syntax');
    expect((err as TemplateError).message).toMatch(/at position \d+ \(line 2, column \d+\)/);
    expect(() => compileTemplate('   ')).toThrow(/empty/);
  });

  it('evaluation is bounded in time, depth and size', async () => {
    const ev = sampleEvent('conn.fin');
    await expect(compileTemplate('($f := function($n){ $f($n + 1) }; $f(0))').render(ev)).rejects.toMatchObject({ code: expect.stringMatching(/template_(timeout|failed)/) });
    await expect(compileTemplate('($loop := function($n){ $n > 1e9 ? $n : $loop($n+1) }; [1..5000].($loop(0)))').render(ev)).rejects.toBeInstanceOf(TemplateError);
    await expect(compileTemplate(`$pad("x", ${TEMPLATE_MAX_OUTPUT_CHARS * 4})`).render(ev)).rejects.toMatchObject({ code: 'too_large' });
    await expect(compileTemplate('$join([1..100000].$string(), ",")').render(ev)).rejects.toBeInstanceOf(TemplateError);
    await expect(compileTemplate('nothing.here').render(ev)).rejects.toMatchObject({ code: 'template_empty_result' });
  });
});
