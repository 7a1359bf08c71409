// History and redelivery in the window (headless host, Debian Chromium): the topic filter field,
// "Send all failed since…" after the receiver refused every event, and the JSON Lines
// export downloaded from the page.

import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryRecord } from '../../src/shared/delivery';
import { unaccounted } from '../../src/shared/delivery';
import type { Receiver } from '../fixtures/receiver';
import { openAppSession, openSetup, type AppSession } from './helpers/app-session';
import { screenshot, type WatchedPage } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { daemonEvent, FAST_DELIVERY, type Host } from './helpers/host';

let session: AppSession | undefined;
let host: Host;
let receiver: Receiver;
let watched: WatchedPage;
let page: Page;

beforeAll(async () => {
  session = await openAppSession({
    host: (rx) => ({ url: rx.url, args: [...FAST_DELIVERY, '--circuit-cooldown-ms', '300'] }),
  });
  ({ host, receiver, watched, page } = session);
  await openSetup(page);
});
afterAll(() => session?.close());

const seqOf = (body: unknown): number => (body as { data: { seq: number } }).data.seq;

describe('history and redelivery in the window', () => {
  it('shows where the history is kept', async () => {
    await eventually(() => page.locator('#history-where').textContent()).toMatch(/records in .*history\.sqlite3\. Kept 30 days, at most 100 MB/);
  });

  it('says what the retry schedule does, and where the log file is', async () => {
    // FAST_DELIVERY turns the later retries off: the sentence must say so, not the default plan.
    await eventually(() => page.getByLabel('Retry schedule').textContent()).toMatch(/no later retries after the first 3 attempts/);
    await page.getByRole('button', { name: 'Open log file' }).click();
    await eventually(() => page.getByLabel('Log file', { exact: true }).textContent()).toMatch(/^The log is at \/.*main\.log$/);
  });

  it('the topic filter field sets which topics are delivered; the rest are counted as filtered', async () => {
    await page.getByLabel('Events to deliver').fill('tunnel.*, handshake.*');
    await page.getByRole('button', { name: 'Save filter' }).click();
    await eventually(() => page.getByLabel('Delivery filter status').textContent()).toMatch(/Only tunnel\.\*, handshake\.\* are delivered/);
    expect((await host.state()).topicFilters).toStrictEqual(['tunnel.*', 'handshake.*']);

    await host.inject([daemonEvent(1, 'conn.fin', { seq: 0 }), daemonEvent(2, 'tunnel.established', { seq: 0 })], 1);
    await eventually(() => page.getByLabel('Filtered', { exact: true }).textContent()).toBe('1');
    await eventually(async () => receiver.requests.length).toBe(1);

    await page.getByLabel('Events to deliver').fill('');
    await page.getByRole('button', { name: 'Save filter' }).click();
    await eventually(() => page.getByLabel('Delivery filter status').textContent()).toBe('Every topic is delivered.');
  });

  it('"Send all failed since…" sends back every failed event once, in order', async () => {
    // A refusal (4xx) fails each event for good in durable mode too; a 5xx outage would now be
    // held and retried by the app itself, leaving nothing for the user to send again.
    receiver.reply({ status: 404 });
    const before = receiver.requests.length;
    await host.inject(Array.from({ length: 12 }, (_, i) => daemonEvent(10 + i, 'tunnel.rx_silence', { seq: i + 1 })), 1);
    await eventually(async () => (await host.state()).stats.queued).toBe(0);
    const down = (await host.state()).stats;
    expect(down.failed + down.circuitSkips).toBeGreaterThanOrEqual(12);

    receiver.reply({ status: 200 });
    const from = receiver.requests.length;
    expect(from).toBeGreaterThan(before);
    await page.getByLabel('Which').selectOption('any_undelivered');
    await page.getByRole('button', { name: 'Send all failed since…' }).click();
    // It says what it will do, with the count, before doing anything.
    const confirm = page.getByRole('dialog');
    await eventually(() => confirm.locator('#confirm-text').textContent()).toMatch(/^Resend 12 undelivered events since ([A-Z][a-z]{2} \d\d )?\d\d:\d\d\?$/);
    await screenshot(page, 'confirm-redeliver');
    expect(receiver.requests.length).toBe(from);
    await confirm.getByRole('button', { name: 'Resend 12' }).click();
    await eventually(() => page.getByLabel('Redelivery status').textContent()).toBe('12 queued again, in the order they arrived.');
    await eventually(async () => receiver.requests.length - from).toBe(12);
    expect(receiver.requests.slice(from).map((r) => seqOf(r.json()))).toStrictEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    await screenshot(page, 'history-redelivered');

    await page.getByRole('button', { name: 'Send all failed since…' }).click();
    await eventually(() => page.getByLabel('Redelivery status').textContent()).toBe('Nothing to send again since then.');
    const s = (await host.state()).stats;
    expect(unaccounted(s)).toBe(0);
  });

  it('the API takes the same redelivery, and refuses a bad selection with a 400', async () => {
    const bad = await host.api('POST', '/api/redeliver', { since: 'yesterday', outcome: 'failed' });
    expect(bad.status).toBe(400);
    const ok = await host.api('POST', '/api/redeliver', { since: '2000-01-01T00:00:00Z', outcome: 'failed' });
    expect(ok).toStrictEqual({ status: 200, body: { queued: 0 } });
    const log = await host.api('GET', '/api/log?outcome=filtered&topic=conn.*&since=2000-01-01T00:00:00Z');
    expect((log.body as { records: DeliveryRecord[] }).records.map((r) => r.event)).toStrictEqual(['conn.fin']);
  });

  it('exports the history as JSON Lines from the page', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export history (JSON Lines)' }).click()]);
    expect(download.suggestedFilename()).toMatch(/^pilot-webhook-history-.*\.jsonl$/);
    const path = await download.path();
    const lines = readFileSync(path, 'utf8').trimEnd().split('\n').map((l) => JSON.parse(l) as DeliveryRecord);
    const total = (await host.state()).stats.received;
    expect(lines).toHaveLength(total);
    expect(lines.map((r) => r.id)).toStrictEqual([...lines.map((r) => r.id)].sort((a, b) => a - b));
    await eventually(() => page.getByLabel('Export status').textContent()).toBe('Export downloaded.');
    // Without the token the export is refused like every API call.
    const res = await fetch(`${host.origin}/api/export`);
    expect(res.status).toBe(401);
    expect(watched.errors).toStrictEqual([]);
    expect(await watched.cspViolations()).toStrictEqual([]);
  });
});
