// The window's Content-Security-Policy holds in real Chromium: injected inline code does not run,
// and normal use reports no violation at all.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY } from '../../src/shared/csp';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { launchBrowser, type Browser, type WatchedPage } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { daemonEvent, FAST_DELIVERY, ROOT, startHost, type Host } from './helpers/host';

declare global {
  interface Window {
    __inlineRan?: boolean;
  }
}

let browser: Browser;
let host: Host;
let receiver: Receiver;
let watched: WatchedPage;
let page: Page;

beforeAll(async () => {
  browser = await launchBrowser();
  receiver = await startReceiver();
  host = await startHost({ args: FAST_DELIVERY });
});
afterAll(async () => {
  await host?.stop();
  await receiver?.close();
  await browser?.close();
});

describe('the window’s CSP', () => {
  it('is the shared policy, in the page’s meta tag', () => {
    const html = readFileSync(join(ROOT, 'dist/renderer/index.html'), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
    expect(meta?.[1]).toBe(CONTENT_SECURITY_POLICY);
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
  });

  it('reports no violation in normal use', async () => {
    watched = await browser.newPage();
    page = watched.page;
    await page.goto(host.pageUrl);
    await page.getByLabel('Webhook URL').fill(receiver.url);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    // Each step waits for its row, so the newest row is the last event injected.
    const newest = page.getByRole('list', { name: 'Delivery log' }).getByRole('listitem').first();
    await page.getByRole('button', { name: 'Send test event', exact: true }).click();
    await eventually(() => newest.textContent()).toContain('webhook.test');
    await host.inject([daemonEvent(1, 'message.received'), daemonEvent(2, 'tunnel.established')], 1);
    await eventually(() => page.getByLabel('Delivered', { exact: true }).textContent()).toBe('2');
    await eventually(() => newest.textContent()).toContain('tunnel.established');
    await newest.click();
    await eventually(() => page.getByRole('region', { name: /tunnel\.established/ }).isVisible()).toBe(true);
    await page.keyboard.press('Escape');
    await page.getByLabel('Topic').fill('tunnel.*');
    await page.getByRole('button', { name: 'Pause delivery' }).click();
    await eventually(() => page.locator('#badge').textContent()).toBe('Paused');
    await page.getByRole('button', { name: 'Resume delivery' }).click();
    await eventually(() => page.locator('#badge').textContent()).toBe('Delivering');

    expect(await watched.cspViolations()).toEqual([]);
    expect(watched.errors).toEqual([]);
  });

  it('does not run an injected inline script or apply an injected style attribute', async () => {
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__inlineRan = true;';
      document.body.append(s);
      document.body.setAttribute('style', 'background: rgb(255, 0, 0)');
    });
    await eventually(async () => (await watched.cspViolations()).length).toBeGreaterThanOrEqual(2);
    expect(await page.evaluate(() => window.__inlineRan)).toBeUndefined();
    expect(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)).not.toBe('rgb(255, 0, 0)');
    const violations = await watched.cspViolations();
    expect(violations.some((v) => v.startsWith('script-src'))).toBe(true);
    expect(violations.some((v) => v.startsWith('style-src'))).toBe(true);
  });
});
