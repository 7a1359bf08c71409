// What the window shows of the destinations as a whole, in real Chromium through the real headless
// host started with `--url` (nothing saved), delivering to real loopback receivers:
// - the run-only primary is listed in the Destinations panel, marked "This run only", with its
//   counters, and says why it cannot be edited; "Save as primary" saves it, and then it can be
//   (saved first: the first destination added would take its place, as the panel says);
// - "Received" counts each event once while "Deliveries" counts one per destination;
// - the badge names another destination whose breaker is open while the primary delivers.
// The accounting invariant holds per destination; axe finds nothing serious; screenshots at
// 980×720 and 640×480, light and dark.

import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AppState } from '../../src/shared/bridge';
import { unaccounted } from '../../src/shared/delivery';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { openAppSession, type AppSession } from './helpers/app-session';
import { seriousViolations } from './helpers/axe';
import { screenshotEverySize } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { daemonEvent, FAST_DELIVERY } from './helpers/host';

/** Events in a row that use up their attempts before a breaker opens (the plugin's rule). */
const BREAKER_THRESHOLD = 5;

let session: AppSession;
let page: Page;
/** a second destination's receiver that answers 503 to everything */
let broken: Receiver;

beforeAll(async () => {
  session = await openAppSession({ host: (rx) => ({ url: rx.url, args: [...FAST_DELIVERY, '--circuit-cooldown-ms', '60000'] }) });
  page = session.page;
  broken = await startReceiver({ reply: { status: 503, body: 'down' } });
  await page.setViewportSize({ width: 980, height: 720 });
  await page.locator('#badge:not([data-kind="starting"])').waitFor();
});
afterAll(async () => {
  await broken?.close();
  await session?.close();
});

const panel = (): Locator => page.getByRole('region', { name: 'Destinations', exact: true });
const item = (name: string | RegExp): Locator => panel().getByRole('list', { name: 'Destinations' }).getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
const badge = (): Promise<string | null> => page.locator('#badge').textContent();

async function counter(name: string): Promise<string> {
  const dd = page.getByLabel(name, { exact: true });
  return (await dd.isVisible()) ? ((await dd.textContent()) ?? '') : 'hidden';
}

async function openPanel(): Promise<void> {
  const toggle = page.locator('#dest-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await eventually(() => panel().isVisible()).toBe(true);
}

function expectAccounted(state: AppState): void {
  for (const d of state.destinations) expect(unaccounted(d.stats), d.name).toBe(0);
  expect(unaccounted(state.stats)).toBe(0);
}




describe('the destinations as a whole', () => {
  it('lists the --url primary as run only, delivered to and counted, and says why it cannot be edited', async () => {
    await session.host.inject([1, 2, 3].map((i) => daemonEvent(i, 'conn.fin')));
    await openPanel();
    const row = item('Webhook (--url)');
    await eventually(() => row.count()).toBe(1);
    await eventually(() => row.innerText()).toContain('3 received · 3 delivered');
    const text = await row.innerText();
    expect(text).toContain('Primary');
    expect(text).toContain('This run only');
    expect(text).toContain(session.receiver.url);
    // Read-only, with the reason where the buttons would be; Save is described by that reason.
    for (const name of ['Edit', 'Disable', 'Delete']) expect(await row.getByRole('button', { name, exact: true }).count(), name).toBe(0);
    const save = row.getByRole('button', { name: 'Save as primary' });
    await expect.poll(() => save.isVisible()).toBe(true);
    const description = await save.evaluate((b) => (b.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id)?.textContent ?? '').join(' '));
    expect(description).toMatch(/Webhook \(--url\) Given with --url for this run only and not saved, so it cannot be edited, switched off or deleted/);
    expect(await row.getByRole('button', { name: 'Send test event' }).isVisible()).toBe(true);
    // One destination: Received is the events, and no separate Deliveries.
    expect(await counter('Received')).toBe('3');
    expect(await counter('Deliveries')).toBe('hidden');
    expect(await seriousViolations(page)).toStrictEqual([]);
    await screenshotEverySize(page, 'run-only-primary');
    expectAccounted(await session.host.state());
    // Adding one now would take its place: the panel says so before anything is typed.
    await panel().getByRole('button', { name: 'Add destination' }).click();
    await eventually(() => page.getByRole('status', { name: 'Destinations status' }).textContent()).toBe(
      'The destination you add takes the place of Webhook (--url) (this run only): save that one first to keep both.',
    );
    await page.keyboard.press('Escape');
    await eventually(() => panel().locator('#dest-editor').isVisible()).toBe(false);
  });

  it('"Save as primary" saves the run-only URL: the row loses its mark and can be edited', async () => {
    await item('Webhook (--url)').getByRole('button', { name: 'Save as primary' }).click();
    const row = item('Webhook');
    await eventually(() => page.getByRole('status', { name: 'Destinations status' }).textContent()).toContain("is now the primary's URL, kept at the next start");
    await eventually(() => row.innerText()).not.toContain('This run only');
    expect(await row.getByRole('button', { name: 'Edit', exact: true }).isVisible()).toBe(true);
    const state = await session.host.state();
    expect(state.destinations[0]).toMatchObject({ url: session.receiver.url, primary: true });
    expect(state.destinations[0]!.runOnly).toBeUndefined();
    expectAccounted(state);
  });

  it('another destination failing: events counted once, deliveries per destination, and the badge names it', async () => {
    const created = await session.host.api('POST', '/api/destinations', { url: broken.url, name: 'Ops archive' });
    expect(created.status).toBe(200);
    await session.host.inject(Array.from({ length: BREAKER_THRESHOLD + 1 }, (_, i) => daemonEvent(10 + i, 'tunnel.rx_silence')), 1);
    await eventually(badge).toMatch(/^Ops archive: Circuit open, retrying in \d+ s$/);
    expect(await page.locator('#badge').getAttribute('data-kind')).toBe('circuit_open');
    expect(await page.locator('#badge-detail').textContent()).toMatch(/^Ops archive failed again and again.*The other destinations deliver as usual\.$/);
    // 9 events from the daemon; the primary got all 9, the second the 6 since it was added.
    await eventually(() => counter('Received')).toBe('9');
    expect(await counter('Deliveries')).toBe('15');
    expect(await page.locator('#counters-scope').textContent()).toContain('Received counts each event once, the rest once per destination (2)');
    const state = await session.host.state();
    expect(state.eventsReceived).toBe(9);
    expect(state.stats.received).toBe(15);
    expectAccounted(state);
    expect(await seriousViolations(page)).toStrictEqual([]);
    await screenshotEverySize(page, 'badge-other-destination');
  });
});
