// The Destinations panel's pure part (src/renderer/destination-form.ts): how the form's fields
// become createDestination / updateDestination arguments — header values write-only, only the
// changed fields patched, local mistakes named by field — and how a destination reads in a row.
import { describe, expect, it } from 'vitest';
import { emptyStats } from '../../src/shared/delivery';
import { CLOSED_BREAKER } from '../../src/shared/delivery';
import type { DestinationSummary } from '../../src/shared/destination-summary';
import {
  chosenFromUrl,
  concurrencyHint,
  concurrencyLine,
  countsLine,
  createArg,
  effectiveFormat,
  emptyPatch,
  formatShort,
  formatWhy,
  patchArg,
  rateLimitLine,
  shownUrl,
  valuesOf,
  type FormValues,
} from '../../src/renderer/destination-form';
import { destinationName } from '../../src/renderer/log-panel';
import type { DeliveryRecord } from '../../src/shared/delivery';

const blank: FormValues = { url: '', name: '', format: '', template: '', topics: '', headers: [], rateLimit: '', concurrency: '', enabled: true };

function summary(patch: Partial<DestinationSummary> = {}): DestinationSummary {
  return {
    id: 'd1',
    name: 'Team alerts',
    url: 'https://hooks.slack.com/services/T0/B0/XYZ',
    enabled: true,
    primary: true,
    format: 'slack',
    topics: ['tunnel.*'],
    rateLimit: { perMinute: 60 },
    headers: { Authorization: 'Bearer …9f2a' },
    secret: { set: false, hint: null },
    stats: emptyStats(),
    breaker: { ...CLOSED_BREAKER },
    client: { dropped: 0, circuitSkips: 0 },
    concurrencyInUse: 1,
    status: { kind: 'delivering', text: 'Delivering' },
    ...patch,
  };
}

describe('createArg', () => {
  it('leaves to the app what the user left empty: name, format (chosen from the URL), rate limit', () => {
    expect(createArg({ ...blank, url: ' https://hooks.slack.com/services/T/B/X ' })).toEqual({ ok: true, arg: { url: 'https://hooks.slack.com/services/T/B/X' } });
  });

  it('sends every field the user set, topics as a list and headers as an object', () => {
    const built = createArg({
      ...blank,
      url: 'https://n8n.example/webhook/abc',
      name: ' n8n ',
      format: 'pilot',
      topics: 'tunnel.*, handshake.*, tunnel.*',
      headers: [{ name: 'Authorization', value: 'Bearer s3cret' }, { name: '', value: '' }],
      rateLimit: '0',
      enabled: false,
    });
    expect(built).toEqual({
      ok: true,
      arg: {
        url: 'https://n8n.example/webhook/abc',
        name: 'n8n',
        format: 'pilot',
        topics: ['tunnel.*', 'handshake.*'],
        headers: { Authorization: 'Bearer s3cret' },
        rateLimit: null,
        enabled: false,
      },
    });
    expect(createArg({ ...blank, url: 'https://x.example/h', format: 'custom', template: '{"text": text}' })).toMatchObject({ ok: true, arg: { format: 'custom', template: '{"text": text}' } });
    expect(createArg({ ...blank, url: 'https://x.example/h', rateLimit: '30' })).toMatchObject({ ok: true, arg: { rateLimit: { perMinute: 30 } } });
  });

  it('names the field of a mistake it can see before asking the app', () => {
    expect(createArg(blank)).toMatchObject({ ok: false, problem: { field: 'url' } });
    expect(createArg({ ...blank, url: 'https://x.example/h', rateLimit: 'fast' })).toMatchObject({ ok: false, problem: { field: 'rateLimit' } });
    expect(createArg({ ...blank, url: 'https://x.example/h', rateLimit: '7000' })).toMatchObject({ ok: false, problem: { field: 'rateLimit' } });
    expect(createArg({ ...blank, url: 'https://x.example/h', headers: [{ name: 'X-Key', value: ' ' }] })).toMatchObject({ ok: false, problem: { field: 'headers', message: expect.stringContaining('X-Key') } });
    expect(createArg({ ...blank, url: 'https://x.example/h', headers: [{ name: '', value: 'v' }] })).toMatchObject({ ok: false, problem: { field: 'headers' } });
  });
});

describe('patchArg', () => {
  it('an unchanged form patches nothing, and never sends the masked header hints back', () => {
    const d = summary();
    const built = patchArg(d, valuesOf(d));
    expect(built).toEqual({ ok: true, arg: { id: 'd1' } });
    expect(built.ok && emptyPatch(built.arg)).toBe(true);
    expect(JSON.stringify(built)).not.toContain('9f2a');
  });

  it('sends only what changed; typed headers replace the whole set (none: removed)', () => {
    const d = summary();
    const v = { ...valuesOf(d), name: 'Ops', topics: 'tunnel.*, conn.*', enabled: false, rateLimit: '0' };
    expect(patchArg(d, v)).toEqual({ ok: true, arg: { id: 'd1', name: 'Ops', topics: ['tunnel.*', 'conn.*'], enabled: false, rateLimit: null } });
    expect(patchArg(d, { ...valuesOf(d), headers: [] })).toEqual({ ok: true, arg: { id: 'd1', headers: {} } });
    expect(patchArg(d, { ...valuesOf(d), headers: [{ name: 'X-Api-Key', value: 'k-1' }] })).toEqual({ ok: true, arg: { id: 'd1', headers: { 'X-Api-Key': 'k-1' } } });
  });

  it('a format chosen from a changed URL is patched as that format; an emptied name is refused', () => {
    const d = summary({ format: 'pilot', url: 'https://n8n.example/h', rateLimit: null });
    const v = { ...valuesOf(d), format: '' as const, url: 'https://discord.com/api/webhooks/1/abc' };
    expect(patchArg(d, v)).toEqual({ ok: true, arg: { id: 'd1', url: 'https://discord.com/api/webhooks/1/abc', format: 'discord' } });
    expect(patchArg(d, { ...valuesOf(d), name: '  ' })).toMatchObject({ ok: false, problem: { field: 'name' } });
  });
});

describe('in flight at once (concurrency)', () => {
  it('empty leaves the app-wide setting; a number is sent; a patch sends null to go back to the app-wide one', () => {
    const created = createArg({ ...blank, url: 'http://127.0.0.1:9/x' });
    expect(created.ok && 'concurrency' in created.arg).toBe(false);
    expect(createArg({ ...blank, url: 'http://127.0.0.1:9/x', concurrency: ' 8 ' })).toMatchObject({ ok: true, arg: { concurrency: 8 } });
    const eight = summary({ concurrency: 8, concurrencyInUse: 8 });
    expect(valuesOf(eight).concurrency).toBe('8');
    expect(valuesOf(summary()).concurrency).toBe('');
    expect(patchArg(eight, valuesOf(eight))).toEqual({ ok: true, arg: { id: 'd1' } });
    expect(patchArg(eight, { ...valuesOf(eight), concurrency: '' })).toEqual({ ok: true, arg: { id: 'd1', concurrency: null } });
    expect(patchArg(summary(), { ...valuesOf(summary()), concurrency: '1' })).toEqual({ ok: true, arg: { id: 'd1', concurrency: 1 } });
  });

  it.each(['0', '65', '2.5', 'many', '-3'])('%s is named as a concurrency problem before asking the app', (typed) => {
    for (const built of [createArg({ ...blank, url: 'http://127.0.0.1:9/x', concurrency: typed }), patchArg(summary(), { ...valuesOf(summary()), concurrency: typed })]) {
      expect(built).toMatchObject({ ok: false, problem: { field: 'concurrency', message: expect.stringMatching(/whole number from 1 .* to 64/) } });
    }
  });

  it('a row says it only above one, with what that changes; the hint says what 1 and more mean', () => {
    expect(concurrencyLine({ concurrencyInUse: 1 })).toBeNull();
    expect(concurrencyLine({ concurrencyInUse: 8 })).toBe('Up to 8 events in flight at once: they may arrive out of order');
    expect(concurrencyHint(1)).toMatch(/1: one at a time, strictly in the order.*out of order.*Empty: the app-wide setting \(1\)/);
    expect(concurrencyHint(undefined)).toMatch(/Empty: the app-wide setting\.$/);
  });
});

describe('how a destination reads', () => {
  it('says which format the URL chooses and why', () => {
    expect(chosenFromUrl('https://hooks.slack.com/services/T/B/X')).toMatchObject({ format: 'slack', text: expect.stringContaining('hooks.slack.com') });
    expect(chosenFromUrl('')).toMatchObject({ format: 'pilot', text: expect.stringContaining('once one is typed') });
    expect(effectiveFormat({ format: '', url: 'https://chat.googleapis.com/v1/spaces/x' })).toBe('google-chat');
    expect(effectiveFormat({ format: 'ntfy', url: 'https://hooks.slack.com/x' })).toBe('ntfy');
    // Picked by hand: said only when the URL suggests another service.
    expect(formatWhy({ format: 'ntfy', url: 'https://hooks.slack.com/x' })).toBe('The URL suggests Slack incoming webhook (text + Block Kit) instead.');
    expect(formatWhy({ format: 'slack', url: 'https://hooks.slack.com/x' })).toBe('');
    expect(formatWhy({ format: 'custom', url: 'https://n8n.example/h' })).toBe('');
  });

  it('masks credentials in a URL and neutralises control characters', () => {
    expect(shownUrl('https://alice:pw@n8n.example/h')).toBe('https://***@n8n.example/h');
    expect(shownUrl('https://x.example/\u202eh')).toBe('https://x.example/[U+202E]h');
    expect(shownUrl('')).toBe('no URL');
  });

  it('counts and rate limit in one line each; short format names', () => {
    const stats = { ...emptyStats(), received: 12, delivered: 9, failed: 1, queued: 2, dropped: 1, resent: 1 };
    expect(countsLine({ stats })).toBe('11 received · 9 delivered · 1 failed · 2 waiting · 1 not sent');
    expect(rateLimitLine({ rateLimit: { perMinute: 60 }, rateLimited: { waiting: 4, nextDigestAt: 1 } })).toBe('At most 60 a minute · 4 waiting for the next digest');
    expect(rateLimitLine({ rateLimit: null })).toBeNull();
    expect(['pilot', 'slack', 'teams', 'google-chat', 'ntfy'].map((f) => formatShort(f as never))).toEqual(['Pilot JSON', 'Slack', 'Microsoft Teams', 'Google Chat', 'ntfy']);
  });

  it('a log record names its destination only when there are several (older records: the primary)', () => {
    const rec = { id: 1, destinationId: 'd2' } as DeliveryRecord;
    const old = { id: 2 } as DeliveryRecord;
    const two = { names: new Map([['d1', 'Webhook'], ['d2', 'Slack']]), primaryId: 'd1' };
    expect(destinationName(rec, two)).toBe('Slack');
    expect(destinationName(old, two)).toBe('Webhook');
    expect(destinationName({ id: 3, destinationId: 'other' } as DeliveryRecord, two)).toBe('other');
    // A test sent to a URL that is no destination (none saved yet) names none.
    expect(destinationName({ id: 4, destinationId: 'primary' } as DeliveryRecord, { names: new Map(), primaryId: null })).toBeNull();
    expect(destinationName(rec, { names: new Map([['d2', 'Slack']]), primaryId: 'd2' })).toBeNull();
    // A removed destination's entries keep saying whose they were, by the name the window saw.
    const after = { names: new Map([['d1', 'Webhook']]), primaryId: 'd1', removed: new Map([['d2', 'Slack']]) };
    expect(destinationName(rec, after)).toBe('Slack (removed)');
    expect(destinationName(old, after)).toBeNull();
  });
});
