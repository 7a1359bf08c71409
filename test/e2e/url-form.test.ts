// The URL form in real Chromium against the real headless host: save, refuse, clear, and
// "Send test event" against a real receiver and against a closed port.

import type { Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { refusedUrl, startReceiver, type Receiver } from '../fixtures/receiver';
import { launchBrowser, screenshot, type Browser, type WatchedPage } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { startHost, type Host } from './helpers/host';

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
  });

  it('sends a test event to the URL in the field, saved or not, and shows status and time', async () => {
    await urlField().fill(receiver.url);
    await button('Send test event').click();

    const result = page.getByRole('status', { name: 'Test event result' });
    await eventually(() => result.textContent()).toMatch(/^Test event delivered: HTTP 200 in \d+ ms \(at \d\d:\d\d:\d\d\.\d{3}\)\.$/);
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0]!.json()).toMatchObject({ event: expect.any(String) });
    // Not saved, and outside the counts.
    const state = await host.state();
    expect(state.url).toBeNull();
    expect(state.stats.received).toBe(0);
    await screenshot(page, 'test-event-ok');
  });

  it('says clearly when the test event cannot be delivered (closed port)', async () => {
    const closed = await refusedUrl();
    await urlField().fill(closed);
    await button('Send test event').click();

    const result = page.getByRole('status', { name: 'Test event result' });
    await eventually(() => result.textContent()).toMatch(/^Test event failed: no response — .*refused.* after \d+ ms/i);
    expect(await result.getAttribute('data-ok')).toBe('false');
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
