// The counters and the live delivery log in real Chromium, with events injected through the real
// host's ingest and delivered to a real loopback receiver.

import type { Locator, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { unaccounted } from '../../src/shared/delivery';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { launchBrowser, screenshot, type Browser, type WatchedPage } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { daemonEvent, FAST_DELIVERY, startHost, type Host } from './helpers/host';

let browser: Browser;
let host: Host | undefined;
let receiver: Receiver | undefined;
let watched: WatchedPage | undefined;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});
afterEach(async () => {
  await watched?.page.close();
  await host?.stop();
  await receiver?.close();
  watched = host = receiver = undefined;
});

async function open(h: Host): Promise<Page> {
  watched = await browser.newPage();
  await watched.page.goto(h.pageUrl);
  await eventually(() => watched!.page.locator('#badge').getAttribute('data-kind')).not.toBe('starting');
  return watched.page;
}

/** A counter's value as a number ("3,000" → 3000). */
async function counter(page: Page, name: string): Promise<number> {
  const text = (await page.getByLabel(name, { exact: true }).textContent()) ?? '';
  return Number(text.replace(/\D/g, ''));
}

const logList = (page: Page): Locator => page.getByRole('list', { name: 'Delivery log' });
const rows = (page: Page): Locator => logList(page).getByRole('listitem');

async function expectAllAccounted(h: Host): Promise<void> {
  await eventually(async () => (await h.state()).stats.queued).toBe(0);
  expect(unaccounted((await h.state()).stats)).toBe(0);
}

describe('counters and the delivery log', () => {
  it('move as injected events are delivered, newest first', async () => {
    receiver = await startReceiver();
    host = await startHost({ url: receiver.url, args: FAST_DELIVERY });
    const page = await open(host);
    const topics = ['node.registered', 'tunnel.established', 'conn.fin', 'message.received', 'handshake.approved'];

    await host.inject(topics.map((t, i) => daemonEvent(i + 1, t)), 1);

    await eventually(() => counter(page, 'Received')).toBe(5);
    await eventually(() => counter(page, 'Delivered')).toBe(5);
    expect(await counter(page, 'Failed')).toBe(0);
    expect(await counter(page, 'Dropped')).toBe(0);
    expect(await counter(page, 'Circuit skips')).toBe(0);
    expect(await counter(page, 'Waiting')).toBe(0);
    expect(await counter(page, 'Sent again')).toBe(0);
    await eventually(() => rows(page).count()).toBe(5);
    expect(await rows(page).first().textContent()).toContain('handshake.approved');
    expect(await rows(page).last().textContent()).toContain('node.registered');
    await eventually(() => rows(page).first().textContent()).toContain('HTTP 200');
    expect(receiver.requests).toHaveLength(5);
    await expectAllAccounted(host);
    await screenshot(page, 'log-delivered');
  });

  it('opens a row’s details from the keyboard, shows body, headers and attempts, and Escape closes it', async () => {
    receiver = await startReceiver();
    host = await startHost({ url: receiver.url, args: FAST_DELIVERY });
    await host.api('PUT', '/api/secret', { secret: 'whsec_dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQ=' });
    const page = await open(host);
    await host.inject([daemonEvent(1, 'tunnel.established', { peer: 'alpha' }), daemonEvent(2, 'conn.fin', { peer: 'beta' })], 1);
    await eventually(() => counter(page, 'Delivered')).toBe(2);

    await rows(page).first().focus();
    await page.keyboard.press('ArrowDown');
    await eventually(() => page.evaluate(() => document.activeElement?.textContent ?? '')).toContain('tunnel.established');
    await page.keyboard.press('Enter');

    const details = page.getByRole('region', { name: /tunnel\.established/ });
    await eventually(() => details.isVisible()).toBe(true);
    const text = (await details.textContent()) ?? '';
    expect(text).toContain('"peer": "alpha"');
    expect(text).toContain('Content-Type: application/json');
    expect(text).toContain('X-Pilot-Signature-256: ••••••••');
    expect(text).not.toContain('dGVzdC1zZWNyZXQ');
    expect(text).toMatch(/Attempt 1HTTP 200/);
    expect(await details.getByRole('button', { name: 'Copy as curl' }).isVisible()).toBe(true);
    // A delivered event is not sent again: the button stays (always in the same place) but says why.
    const again = details.getByRole('button', { name: 'Send again' });
    expect(await again.getAttribute('aria-disabled')).toBe('true');
    expect(await again.getAttribute('title')).toBe('Delivered: the receiver has it.');
    // The real webhook-id the receiver got, and the attempt's real timestamp, not placeholders.
    const sent = receiver.requests.find((r) => (r.json() as { event: string }).event === 'tunnel.established')!;
    expect(text).toContain(`webhook-id: ${String(sent.headers['webhook-id'])}`);
    expect(text).toContain(`webhook-timestamp: ${String(sent.headers['webhook-timestamp'])}`);
    await screenshot(page, 'details-delivered');

    await details.getByRole('button', { name: 'Copy as curl' }).click();
    // The write is asynchronous: the click returns before the clipboard has the text.
    await eventually(() => details.textContent()).toContain('curl command copied');
    const curl = await page.evaluate(() => navigator.clipboard.readText());
    expect(curl).toContain(`curl -X POST '${receiver.url}'`);
    expect(curl).toContain('"event":"tunnel.established"');

    await page.keyboard.press('Escape');
    await eventually(() => details.count()).toBe(0);
    expect(await page.evaluate(() => document.activeElement?.textContent ?? '')).toContain('tunnel.established');
  });

  it('shows each attempt’s real webhook-timestamp and its response headers, credentials hidden', async () => {
    receiver = await startReceiver();
    const failing = { status: 503, body: 'busy', headers: { 'x-request-id': 'req-503', 'set-cookie': 'sid=COOKIE-NEVER-SHOWN' } };
    receiver.replyOnce(failing, failing);
    host = await startHost({ url: receiver.url, args: FAST_DELIVERY });
    const page = await open(host);
    await host.inject([daemonEvent(1, 'handshake.approved', { peer: 'gamma' })], 1);
    await eventually(() => counter(page, 'Delivered')).toBe(1);

    await rows(page).first().click();
    const details = page.getByRole('region', { name: /handshake\.approved/ });
    await eventually(() => details.textContent()).toContain('Attempt 3');
    const attempts = details.getByRole('listitem');
    expect(await attempts.count()).toBe(3);
    for (let i = 0; i < 3; i++) {
      expect(await attempts.nth(i).textContent()).toContain(`webhook-timestamp: ${String(receiver.requests[i]!.headers['webhook-timestamp'])}`);
    }
    const first = details.getByLabel('Response headers of attempt 1');
    expect(await first.isVisible()).toBe(false);
    await attempts.nth(0).getByText(/^Response headers \(\d+\)$/).click();
    await eventually(() => first.isVisible()).toBe(true);
    const shown = (await first.textContent()) ?? '';
    expect(shown).toContain('x-request-id: req-503');
    expect(shown).toContain('set-cookie: (hidden: may be a credential)');
    expect(await page.content()).not.toContain('COOKIE-NEVER-SHOWN');
    await screenshot(page, 'details-response-headers');
    await expectAllAccounted(host);
  });

  it('"Send again" delivers a failed event once the receiver recovers', async () => {
    receiver = await startReceiver({ reply: { status: 500, body: 'receiver is down' } });
    host = await startHost({ url: receiver.url, args: FAST_DELIVERY });
    const page = await open(host);
    await host.inject([daemonEvent(1, 'message.received', { text: 'hello' })]);
    await eventually(() => counter(page, 'Failed')).toBe(1);

    await rows(page).first().click();
    const details = page.getByRole('region', { name: /message\.received/ });
    await eventually(() => details.textContent()).toContain('Attempt 3');
    expect(await details.textContent()).toContain('receiver is down');
    await screenshot(page, 'details-failed');

    receiver.reply({ status: 204 });
    await details.getByRole('button', { name: 'Send again' }).click();
    await eventually(() => details.getByRole('status').textContent()).toMatch(/Queued again/);

    await eventually(() => counter(page, 'Delivered')).toBe(1);
    const last = receiver.requests[receiver.requests.length - 1]!;
    expect(last.json()).toMatchObject({ event: 'message.received', data: { text: 'hello' } });
    await eventually(() => rows(page).first().textContent()).toContain('Delivered');
    await expectAllAccounted(host);
  });

  it('filters by topic pattern and by outcome', async () => {
    host = await startHost();
    const page = await open(host);
    const topics = ['tunnel.established', 'conn.fin', 'tunnel.rx_silence', 'message.received', 'tunnel.path_suspect'];
    await host.inject(topics.map((t, i) => daemonEvent(i + 1, t)), 1);
    await eventually(() => rows(page).count()).toBe(5);

    await page.getByLabel('Topic').fill('tunnel.*');
    await eventually(() => rows(page).count()).toBe(3);
    for (const text of await rows(page).allTextContents()) expect(text).toContain('tunnel.');

    await page.getByLabel('Topic').fill('');
    await page.getByLabel('Outcome').selectOption('delivered');
    await eventually(() => rows(page).count()).toBe(0);
    expect(await page.locator('#log-empty').textContent()).toBe('No entries match the filters.');

    await page.getByLabel('Outcome').selectOption('no_url');
    await eventually(() => rows(page).count()).toBe(5);
    await expectAllAccounted(host);
  });

  it('"Pause auto-scroll" keeps the row in view in place while new events arrive above it', async () => {
    host = await startHost();
    const page = await open(host);
    // More rows than fit in the viewport, so there is somewhere to scroll to.
    await host.inject(Array.from({ length: 30 }, (_, i) => daemonEvent(i + 1, i === 29 ? 'node.registered' : 'conn.fin')), 1);
    await eventually(() => counter(page, 'Received')).toBe(30);
    await eventually(() => rows(page).first().textContent()).toContain('node.registered');

    const toggle = page.getByRole('button', { name: 'Pause auto-scroll' });
    await toggle.click();
    expect(await toggle.getAttribute('aria-pressed')).toBe('true');
    await host.inject(Array.from({ length: 40 }, (_, i) => daemonEvent(i + 31, 'agent.heartbeat')), 1);
    await eventually(() => counter(page, 'Received')).toBe(70);

    // The row that was at the top when auto-scroll was paused is still at the top of the viewport.
    const topRow = (): Promise<string> =>
      logList(page).evaluate((list) => {
        const box = list.getBoundingClientRect();
        const hit = document.elementFromPoint(box.left + 20, box.top + 5);
        return hit?.closest('[role=listitem]')?.textContent ?? '';
      });
    await eventually(topRow).toContain('node.registered');
    expect(await logList(page).evaluate((list) => list.scrollTop)).toBeGreaterThan(0);

    // Following again, scrolled to the top, the newest are in view.
    await toggle.click();
    await logList(page).evaluate((list) => (list.scrollTop = 0));
    await host.inject([daemonEvent(71, 'trust.changed')]);
    await eventually(topRow).toContain('trust.changed');
  });

  it('keeps fewer than 200 row elements in the DOM with 3,000 events in the log', async () => {
    host = await startHost();
    const page = await open(host);
    const events = Array.from({ length: 3000 }, (_, i) => daemonEvent(i + 1, i % 3 ? 'agent.heartbeat' : 'tunnel.rx_silence'));
    await host.inject(events, 32);

    await eventually(() => counter(page, 'Received')).toBe(3000);
    await eventually(() => page.locator('#log-count').textContent()).toMatch(/^3,000 entries/);
    const listItems = page.locator('[role=listitem]');
    expect(await listItems.count()).toBeLessThan(200);
    expect(await listItems.count()).toBeGreaterThan(5);
    expect(await listItems.first().getAttribute('aria-setsize')).toBe('3000');

    // Scrolled to the very end, the oldest entry is there, and still only a window of rows.
    await logList(page).evaluate((list) => (list.scrollTop = list.scrollHeight));
    await eventually(() => page.locator('[role=listitem][aria-posinset="3000"]').count()).toBe(1);
    expect(await listItems.count()).toBeLessThan(200);
    await expectAllAccounted(host);
    await screenshot(page, 'log-3000');
    expect(await watched!.cspViolations()).toEqual([]);
    expect(watched!.errors).toEqual([]);
  });
});
