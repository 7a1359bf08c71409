// The URL form in real Chromium against the real headless host: save, refuse, clear, and
// "Send test event" against a real receiver and against a closed port.

import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { refusedUrl, startReceiver, type Receiver } from '../fixtures/receiver';
import { launchBrowser, screenshot, type Browser, type WatchedPage } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { startHost, type Host } from './helpers/host';
import { openSetup } from './helpers/app-session';

let browser: Browser;
let host: Host;
let receiver: Receiver;
let watched: WatchedPage;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
});
afterAll(async () => {
  await browser?.close();
});

beforeEach(async () => {
  receiver = await startReceiver();
  host = await startHost();
  watched = await browser.newPage();
  page = watched.page;
  await page.goto(host.pageUrl);
  await eventually(() => page.locator('#badge').textContent()).toBe('No URL');
  // No URL yet: Setup opens by itself, with the welcome.
  await openSetup(page);
});
afterEach(async () => {
  await page?.close();
  await host?.stop();
  await receiver?.close();
});

const urlField = (): ReturnType<Page['getByLabel']> => page.getByLabel('Webhook URL');
const button = (name: string): ReturnType<Page['getByRole']> => page.getByRole('button', { name, exact: true });

describe('the webhook URL form', () => {
  it('takes the token out of the address bar', async () => {
    expect(page.url()).toBe(`${host.origin}/`);
    expect(page.url()).not.toContain(host.token);
  });

  it('saves a valid URL: the host has it and the badge says Delivering', async () => {
    await urlField().fill(receiver.url);
    await button('Save').click();

    await eventually(async () => (await host.state()).url).toBe(receiver.url);
    await eventually(() => page.locator('#badge').textContent()).toBe('Delivering');
    await eventually(() => page.getByRole('status', { name: 'URL status' }).textContent()).toContain(receiver.url);
    expect(await page.getByRole('alert').textContent()).toBe('');
    // Accepting a URL sends nothing to it.
    expect(receiver.requests).toHaveLength(0);
    await screenshot(page, 'url-saved');
  });

  it('refuses the cloud metadata address with the rule’s message in role=alert, and saves nothing', async () => {
    await urlField().fill('http://169.254.169.254/');
    await button('Save').click();

    const alert = page.getByRole('alert');
    await eventually(() => alert.textContent()).toMatch(/169\.254\.169\.254.*link-local/i);
    expect(await urlField().getAttribute('aria-invalid')).toBe('true');
    expect((await host.state()).url).toBeNull();
    await screenshot(page, 'url-refused');

    // Fixing the text clears the message as you type.
    await urlField().fill(receiver.url);
    await eventually(() => alert.textContent()).toBe('');
    expect(await urlField().getAttribute('aria-invalid')).toBeNull();
  });

  it('clears a saved URL', async () => {
    const put = await host.api('PUT', '/api/url', { url: receiver.url });
    expect(put.status).toBe(200);
    await eventually(() => urlField().inputValue()).toBe(receiver.url);

    await button('Clear').click();

    await eventually(async () => (await host.state()).url).toBeNull();
    // The host clears its URL before its answer reaches the page, which then empties the field.
    await eventually(() => urlField().inputValue()).toBe('');
    await eventually(() => page.locator('#badge').textContent()).toBe('No URL');

    // A slip of the mouse is not the end of a long secret URL: Undo puts it back.
    const toast = page.getByRole('status', { name: 'Undo' });
    await eventually(() => toast.textContent()).toBe('Webhook URL cleared.Undo');
    await screenshot(page, 'url-cleared-undo');
    await toast.getByRole('button', { name: 'Undo' }).click();
    await eventually(async () => (await host.state()).url).toBe(receiver.url);
    await eventually(() => urlField().inputValue()).toBe(receiver.url);
    await eventually(() => page.locator('#badge').textContent()).toBe('Delivering');
  });

  it('sends a test event to the URL in the field, saved or not, and shows status and time', async () => {
    await urlField().fill(receiver.url);
    await button('Send test event').click();

    const result = page.getByRole('status', { name: 'Test event result' });
    const head = result.locator('.test-head');
    await eventually(() => head.textContent()).toMatch(/^Test event delivered to http:\/\/127\.0\.0\.1:\d+\/hook: HTTP 200 in \d+ ms \(at \d\d:\d\d:\d\d\.\d{3}\)\.$/);
    expect(await head.textContent()).toContain(receiver.url);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.json()).toMatchObject({ event: expect.any(String) });
    // Not saved, and outside the counts.
    const state = await host.state();
    expect(state.url).toBeNull();
    expect(state.stats.received).toBe(0);
    await screenshot(page, 'test-event-ok');

    // In the log, marked as a test, with the URL it went to; the link opens it.
    const row = page.getByRole('list', { name: 'Delivery log' }).getByRole('listitem').first();
    await eventually(() => row.textContent()).toMatch(/^\d\d:\d\d:\d\d\.\d{3}DeliveredTestwebhook\.testHTTP 200 · \d+ ms$/);
    await result.getByRole('button', { name: /Show it in the log/ }).click();
    const details = page.getByRole('region', { name: /webhook\.test/ });
    await eventually(() => details.textContent()).toContain('Test event (not counted)');
    expect(await details.textContent()).toContain(receiver.url);
    await page.keyboard.press('Escape');

    // The result is about the URL tested: it goes when the URL changes.
    await urlField().fill(`${receiver.url}/other`);
    await eventually(() => result.textContent()).toBe('');
  });

  it('says clearly when the test event cannot be delivered (closed port)', async () => {
    const closed = await refusedUrl();
    await urlField().fill(closed);
    await button('Send test event').click();

    const result = page.getByRole('status', { name: 'Test event result' });
    await eventually(() => result.locator('.test-head').textContent()).toMatch(/^Test event failed at http:\/\/127\.0\.0\.1:\d+\/hook: no response — connection refused.* after \d+ ms/);
    expect(await result.locator('.test-head').textContent()).toContain(closed);
    expect(await result.getAttribute('data-ok')).toBe('false');
    expect(await result.locator('.test-hint').textContent()).toBe('Nothing listens at that address and port: is the receiver running?');
    await screenshot(page, 'test-event-refused');
  });

  it('refuses to test a URL the rules refuse, without sending anything', async () => {
    await urlField().fill('http://metadata.google.internal./');
    await button('Send test event').click();
    await eventually(() => page.getByRole('alert').textContent()).toMatch(/metadata/i);
    expect(await page.getByRole('status', { name: 'Test event result' }).textContent()).toBe('');
  });

  it('has no CSP violation and no page error in normal use', async () => {
    await urlField().fill(receiver.url);
    await button('Save').click();
    await button('Send test event').click();
    await eventually(() => page.getByRole('status', { name: 'Test event result' }).textContent()).toMatch(/delivered/);
    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.errors).toEqual([]);
  });
});
