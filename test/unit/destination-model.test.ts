import { describe, expect, it } from 'vitest';
import {
  checkDestinationFields,
  destinationView,
  MIGRATED_PRIMARY_ID,
  migrateLegacySettings,
  newDestinationConfig,
  patchedDestinationConfig,
  type UrlRule,
} from '../../src/shared/destination';
import type { CheckedFields } from '../../src/shared/destination';
import { checkExtraHeaders, maskHeaderValue } from '../../src/shared/destination-headers';
import { guessFormat } from '../../src/shared/formats/format-names';
import { checkWebhookUrl } from '../../src/shared/url-rules';

const rules: UrlRule = (url) => checkWebhookUrl(url);

function ok(r: ReturnType<typeof checkDestinationFields>): CheckedFields {
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
}

describe('format chosen from the URL', () => {
  it.each([
    ['https://hooks.slack.com/services/T/B/x', 'slack'],
    ['https://discord.com/api/webhooks/1/abc', 'discord'],
    ['https://ptb.discordapp.com/api/webhooks/1/abc', 'discord'],
    ['https://discord.com/channels/1', 'pilot'],
    ['https://contoso.webhook.office.com/webhookb2/x', 'teams'],
    ['https://prod-12.westus.logic.azure.com/workflows/x/triggers/manual/paths/invoke?sig=1', 'teams'],
    ['https://default1234.environment.api.powerplatform.com/powerautomate/x', 'teams'],
    ['https://chat.googleapis.com/v1/spaces/A/messages?key=k&token=t', 'google-chat'],
    ['https://ntfy.sh/mytopic', 'ntfy'],
    ['https://n8n.example.com/webhook/x', 'pilot'],
    ['https://evil-hooks.slack.com.example.com/x', 'pilot'],
  ])('%s → %s', (url, format) => {
    expect(guessFormat(url).format).toBe(format);
  });

  it('says which was chosen and why', () => {
    const r = checkDestinationFields({ url: 'https://hooks.slack.com/services/T/B/x' }, 'create', rules);
    expect(r).toMatchObject({ ok: true, value: { format: 'slack', formatReason: 'chosen from the host hooks.slack.com' } });
    const cfg = newDestinationConfig('d1', ok(r), false);
    expect(cfg).toMatchObject({ name: 'Slack (hooks.slack.com)', format: 'slack', rateLimit: { perMinute: 60 }, enabled: true, topics: [] });
  });
});

describe('bad input: a clear error naming the field', () => {
  const bad = (input: unknown, mode: 'create' | 'patch' = 'create') => {
    const r = checkDestinationFields(input, mode, rules, mode === 'patch' ? newDestinationConfig('d', { url: 'http://127.0.0.1:9/x' }, false) : undefined);
    expect(r.ok).toBe(false);
    return (r as { error: { code: string; message: string; field?: string } }).error;
  };

  it('unknown format', () => {
    expect(bad({ url: 'http://127.0.0.1:9/x', format: 'telegram' })).toMatchObject({ field: 'format', message: expect.stringMatching(/one of pilot, slack/) });
  });
  it('invalid template, with its position', () => {
    expect(bad({ url: 'http://127.0.0.1:9/x', format: 'custom', template: '{"a": }' })).toMatchObject({ code: 'template_syntax', field: 'template', message: expect.stringMatching(/position \d+/) });
    expect(bad({ url: 'http://127.0.0.1:9/x', format: 'custom' })).toMatchObject({ code: 'template_missing' });
    expect(bad({ url: 'http://127.0.0.1:9/x', template: '{"a": 1}' })).toMatchObject({ code: 'template_unused' });
  });
  it('a denied header name', () => {
    for (const name of ['Host', 'content-length', 'Transfer-Encoding', 'Connection', 'X-Pilot-Signature-256', 'webhook-signature']) {
      expect(bad({ url: 'http://127.0.0.1:9/x', headers: { [name]: 'v' } })).toMatchObject({ code: 'bad_header', field: 'headers', message: expect.stringContaining(name) });
    }
    expect(bad({ url: 'http://127.0.0.1:9/x', headers: { 'X-A': 'a\r\nInjected: 1' } }).message).toMatch(/no line breaks/);
    expect(bad({ url: 'http://127.0.0.1:9/x', headers: { 'Bad Name': 'v' } }).message).toMatch(/not a valid header name/);
  });
  it('a URL the rules refuse', () => {
    expect(bad({ url: 'http://169.254.169.254/latest' })).toMatchObject({ field: 'url' });
    expect(bad({ url: 'ftp://example.com/' })).toMatchObject({ field: 'url' });
  });
  it('a topic pattern that matches nothing', () => {
    expect(bad({ url: 'http://127.0.0.1:9/x', topics: 'tunnel' })).toMatchObject({ code: 'bad_topic_filter', field: 'topics', message: expect.stringMatching(/did you mean tunnel\.\*/) });
    expect(bad({ url: 'http://127.0.0.1:9/x', topics: ['Tunnel.*'] }).field).toBe('topics');
  });
  it('unknown fields, wrong types, out-of-range rate limits', () => {
    expect(bad({ url: 'http://127.0.0.1:9/x', colour: 'red' })).toMatchObject({ code: 'unknown_field', field: 'colour' });
    expect(bad({ url: 7 }).field).toBe('url');
    expect(bad({ url: 'http://127.0.0.1:9/x', rateLimit: { perMinute: 0 } }).field).toBe('rateLimit');
    expect(bad({ url: 'http://127.0.0.1:9/x', enabled: 'yes' }).field).toBe('enabled');
    expect(bad([1, 2])).toMatchObject({ code: 'bad_body' });
    expect(bad({ name: 'x' })).toMatchObject({ field: 'url' });
    expect(bad({ primary: false }, 'patch').field).toBe('primary');
  });
});

describe('concurrency: events in flight at once', () => {
  const cur = newDestinationConfig('d', { url: 'http://127.0.0.1:9/x' }, true);

  it('absent by default (the app-wide setting); set at creation, changed and cleared (null) by a patch', () => {
    expect('concurrency' in newDestinationConfig('d', ok(checkDestinationFields({ url: 'http://127.0.0.1:9/x' }, 'create', rules)), false)).toBe(false);
    const eight = newDestinationConfig('d', ok(checkDestinationFields({ url: 'http://127.0.0.1:9/x', concurrency: 8 }, 'create', rules)), false);
    expect(eight.concurrency).toBe(8);
    expect(patchedDestinationConfig(eight, ok(checkDestinationFields({ concurrency: 1 }, 'patch', rules, eight))).concurrency).toBe(1);
    const cleared = patchedDestinationConfig(eight, ok(checkDestinationFields({ concurrency: null }, 'patch', rules, eight)));
    expect('concurrency' in cleared).toBe(false);
    // A patch of something else keeps it.
    expect(patchedDestinationConfig(eight, ok(checkDestinationFields({ name: 'Ops' }, 'patch', rules, eight))).concurrency).toBe(8);
    expect(destinationView(eight, {}, { set: false, hint: null }).concurrency).toBe(8);
  });

  it.each([
    ['zero', 0, /at least 1/],
    ['65', 65, /at most 64/],
    ['a fraction', 2.5, /whole number/],
    ['text', '8', /must be a number/],
    ['a negative number', -1, /at least 1/],
  ])('%s is refused with the field named', (_what, value, message) => {
    for (const [input, mode] of [
      [{ url: 'http://127.0.0.1:9/x', concurrency: value }, 'create'],
      [{ concurrency: value }, 'patch'],
    ] as const) {
      const r = checkDestinationFields(input, mode, rules, cur);
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error).toMatchObject({ code: 'bad_field', field: 'concurrency', message: expect.stringMatching(message) });
    }
  });
});

describe('patches', () => {
  it('a format change takes the new default rate limit unless one is given; custom keeps its template', () => {
    const cur = newDestinationConfig('d', { url: 'http://127.0.0.1:9/x' }, true);
    const toDiscord = checkDestinationFields({ format: 'discord' }, 'patch', rules, cur);
    expect(patchedDestinationConfig(cur, ok(toDiscord))).toMatchObject({ format: 'discord', rateLimit: { perMinute: 30 }, primary: true });
    const custom = checkDestinationFields({ format: 'custom', template: '{"t": text}', rateLimit: null }, 'patch', rules, cur);
    const next = patchedDestinationConfig(cur, ok(custom));
    expect(next).toMatchObject({ format: 'custom', template: '{"t": text}', rateLimit: null });
    const back = patchedDestinationConfig(next, { format: 'pilot' });
    expect(back.template).toBeUndefined();
  });
});

describe('headers and secrets are masked in every view', () => {
  it('masks values, keeps names', () => {
    expect(maskHeaderValue('Bearer abcdefghijklmnopqrstuvwxyz')).toBe('Bearer …wxyz');
    expect(maskHeaderValue('short')).toBe('…');
    const cfg = newDestinationConfig('d', { url: 'http://127.0.0.1:9/x' }, true);
    const view = destinationView(cfg, { 'X-N8N-Token': 'token-0123456789abcdef' }, { set: true, hint: 'whsec_…Ab3d' });
    expect(view.headers).toEqual({ 'X-N8N-Token': '…cdef' });
    expect(JSON.stringify(view)).not.toContain('0123456789');
  });
  it('checks header objects', () => {
    expect(checkExtraHeaders({ Authorization: ' Basic cGlsb3Q6cA== ' })).toEqual({ ok: true, headers: { Authorization: 'Basic cGlsb3Q6cA==' } });
    expect(checkExtraHeaders({ 'X-A': '1', 'x-a': '2' })).toMatchObject({ ok: false, message: expect.stringMatching(/twice/) });
    expect(checkExtraHeaders({ 'X-A': 5 })).toMatchObject({ ok: false });
    expect(checkExtraHeaders(Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`X-${i}`, 'v'])))).toMatchObject({ ok: false });
  });
});

describe('migration of the single-URL settings', () => {
  it('url, secret and topic filters become one primary pilot destination, nothing lost', () => {
    const m = migrateLegacySettings({ url: 'https://n8n.example.com/webhook/x', secret: 'whsec_abc', topicFilters: ['tunnel.*', 'handshake.*'] });
    expect(m).toEqual({
      destinations: [{ id: MIGRATED_PRIMARY_ID, name: 'Webhook (n8n.example.com)', url: 'https://n8n.example.com/webhook/x', enabled: true, primary: true, format: 'pilot', topics: ['tunnel.*', 'handshake.*'], rateLimit: null }],
      secrets: { [MIGRATED_PRIMARY_ID]: 'whsec_abc' },
    });
  });
  it('a Slack URL stays pilot (what it received before) and nothing at all gives no destination', () => {
    expect(migrateLegacySettings({ url: 'https://hooks.slack.com/services/x', secret: null, topicFilters: [] }).destinations[0]!.format).toBe('pilot');
    expect(migrateLegacySettings({ url: null, secret: null, topicFilters: [] })).toEqual({ destinations: [], secrets: {} });
    expect(migrateLegacySettings({ url: null, secret: null, topicFilters: ['tunnel.*'] }).destinations[0]).toMatchObject({ enabled: false, topics: ['tunnel.*'] });
  });
  it('a secret without a URL is kept on a disabled primary', () => {
    const m = migrateLegacySettings({ url: null, secret: 's', topicFilters: [] });
    expect(m.destinations[0]).toMatchObject({ enabled: false, url: '', primary: true });
    expect(m.secrets).toEqual({ [MIGRATED_PRIMARY_ID]: 's' });
  });
});
