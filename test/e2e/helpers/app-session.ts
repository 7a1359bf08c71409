// The set-up most window tests share: Chromium, a loopback receiver, the headless host (usually
// delivering to that receiver) and one page opened on the host's window; close() undoes it all,
// newest first, whatever part of it was started.

import type { Page } from 'playwright-core';
import { startReceiver, type Receiver, type ReceiverOptions } from '../../fixtures/receiver';
import { launchBrowser, type Browser, type WatchedPage } from './browser';
import { startHost, type Host, type HostOptions } from './host';

export interface AppSession {
  browser: Browser;
  receiver: Receiver;
  host: Host;
  watched: WatchedPage;
  page: Page;
  close(): Promise<void>;
}

export interface AppSessionOptions {
  colorScheme?: 'light' | 'dark';
  receiver?: ReceiverOptions;
  /** the host's options, given the receiver (e.g. `(rx) => ({ url: rx.url })`) */
  host(receiver: Receiver): HostOptions;
}

export async function openAppSession(opts: AppSessionOptions): Promise<AppSession> {
  const undo: (() => Promise<unknown>)[] = [];
  const close = async (): Promise<void> => {
    for (const fn of undo.splice(0).reverse()) await fn();
  };
  try {
    const browser = await launchBrowser(opts.colorScheme ? { colorScheme: opts.colorScheme } : {});
    undo.push(() => browser.close());
    const receiver = await startReceiver(opts.receiver);
    undo.push(() => receiver.close());
    const host = await startHost(opts.host(receiver));
    undo.push(() => host.stop());
    const watched = await browser.newPage();
    undo.push(() => watched.page.close());
    await watched.page.goto(host.pageUrl);
    return { browser, receiver, host, watched, page: watched.page, close };
  } catch (err) {
    await close();
    throw err;
  }
}

/** Opens the Setup panel (URL, secret, history, daemon) unless it is open already. */
export async function openSetup(page: Page): Promise<void> {
  const toggle = page.getByRole('button', { name: 'Setup', exact: true });
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await page.getByRole('region', { name: 'Setup' }).waitFor({ state: 'visible' });
}
