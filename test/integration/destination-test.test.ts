// "Send test event" per destination, over real HTTP against the receiver stand-ins: the sample in
// the destination's format, with its extra headers, the answer and a hint for known refusals.

import { Agent } from 'undici';
import { afterAll, describe, expect, it } from 'vitest';
import { newDestinationConfig, type DestinationConfig } from '../../src/shared/destination';
import type { FormatName } from '../../src/shared/formats/format-names';
import { checkWebhookUrl } from '../../src/shared/url-rules';
import { testDestination } from '../../src/main/core/destinations/destination-test';
import { startDiscord } from '../fixtures/services/discord';
import { startN8n } from '../fixtures/services/n8n';
import { startSlack } from '../fixtures/services/slack';
import { startTeamsWorkflow } from '../fixtures/services/teams';

const agent = new Agent();
afterAll(() => agent.close());
const deps = { agent, timeoutMs: 5000, checkUrl: (u: string) => checkWebhookUrl(u) };
const dest = (url: string, format: FormatName, extra: Partial<DestinationConfig> = {}) => ({ ...newDestinationConfig('d1', { url, format }, true), ...extra });
const none = { secret: null, headers: {} };

describe('testDestination', () => {
  it('Slack: the daemon JSON gets no_text and the hint to choose slack; the slack format is posted', async () => {
    const slack = await startSlack();
    try {
      const refused = await testDestination(dest(slack.url, 'pilot'), none, deps);
      expect(refused).toMatchObject({ ok: false, status: 400, responseSnippet: 'no_text', hint: expect.stringMatching(/Choose the slack format/) });
      const ok = await testDestination(dest(slack.url, 'slack'), none, deps);
      expect(ok).toMatchObject({ ok: true, status: 200, responseSnippet: 'ok' });
      expect(ok.hint).toBeUndefined();
      expect(JSON.stringify(slack.posted[0])).toContain('test event from Pilot Webhook Desktop');
    } finally {
      await slack.close();
    }
  });

  it('Discord: 50006 for the daemon JSON, 204 for the discord format', async () => {
    const discord = await startDiscord();
    try {
      expect(await testDestination(dest(discord.url, 'pilot'), none, deps)).toMatchObject({ status: 400, hint: expect.stringMatching(/Discord needs/) });
      expect(await testDestination(dest(discord.url, 'discord'), none, deps)).toMatchObject({ ok: true, status: 204 });
    } finally {
      await discord.close();
    }
  });

  it('Teams Workflows: 202 either way, but only the teams format is posted; the pilot one is hinted', async () => {
    const teams = await startTeamsWorkflow();
    try {
      // A stand-in URL on loopback: the hint keys on the format the URL's host calls for, so a
      // loopback URL cannot say "teams"; the posted/failed split is what matters here.
      const pilot = await testDestination(dest(teams.url, 'pilot'), none, deps);
      expect(pilot).toMatchObject({ ok: true, status: 202 });
      expect(teams.failedRuns).toHaveLength(1);
      expect(await testDestination(dest(teams.url, 'teams'), none, deps)).toMatchObject({ ok: true, status: 202 });
      expect(teams.posted).toHaveLength(1);
    } finally {
      await teams.close();
    }
  });

  it('n8n Header Auth: 403 and the credentials hint without the header, 200 with it; the secret signs', async () => {
    const n8n = await startN8n({ kind: 'header', name: 'X-N8N-Token', value: 'tok-123' });
    try {
      expect(await testDestination(dest(n8n.url, 'pilot'), none, deps)).toMatchObject({ ok: false, status: 403, hint: expect.stringMatching(/credentials/) });
      const ok = await testDestination(dest(n8n.url, 'pilot'), { secret: 'whsec_dGVzdA==', headers: { 'X-N8N-Token': 'tok-123' } }, deps);
      expect(ok).toMatchObject({ ok: true, status: 200 });
      const req = n8n.exchanges.at(-1)!.request;
      expect(req.headers['x-pilot-signature-256']).toMatch(/^[0-9a-f]{64}$/);
      expect(JSON.parse(req.body)).toMatchObject({ event_id: 0, event: 'webhook.test' });
    } finally {
      await n8n.close();
    }
  });

  it('a refused URL and a broken template are errors, nothing sent', async () => {
    expect(await testDestination(dest('http://169.254.169.254/x', 'pilot'), none, deps)).toMatchObject({ ok: false, durationMs: 0, error: expect.any(String) });
    expect(await testDestination(dest('http://127.0.0.1:9/x', 'custom', { template: 'nothing.here' }), none, deps)).toMatchObject({ ok: false, error: expect.stringMatching(/produced nothing/) });
  });
});
