// A destination's "In flight at once" (its own concurrency) in real Chromium through the real
// headless host, delivering to a slow loopback receiver (100 ms an answer, as a chat service):
// the add/edit field with its hint (what changes above one), a bad value refused next to the
// field and nothing saved, the row saying it above one (in text a screen reader reads), and
// emptied back to the app-wide setting. Screenshots at 980×720 and 640×480, light and dark, each
// checked for nothing cut off at the window's right edge. The invariant holds per destination.

import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unaccounted } from '../../src/shared/delivery';
import type { DestinationSummary } from '../../src/shared/destination-summary';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { openAppSession, type AppSession } from './helpers/app-session';
import { screenshotEverySize } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { daemonEvent, FAST_DELIVERY } from './helpers/host';

/** A chat service's answer time. */
const SLOW_ANSWER_MS = 100;
const FIELD = 'In flight at once';

let session: AppSession;
let page: Page;
let slow: Receiver;

beforeAll(async () => {
  session = await openAppSession({ host: () => ({ args: FAST_DELIVERY }) });
  page = session.page;
  slow = await startReceiver({ reply: { status: 200, delayMs: SLOW_ANSWER_MS } });
  const first = await session.host.api('POST', '/api/destinations', { url: session.receiver.url, name: 'Webhook' });
  if (first.status !== 200) throw new Error(`could not create the first destination: ${JSON.stringify(first.body)}`);
  await page.setViewportSize({ width: 980, height: 720 });
  await page.locator('#badge:not([data-kind="starting"])').waitFor();
});
afterAll(async () => {
  await slow?.close();
  await session?.close();
});

async function destinations(): Promise<DestinationSummary[]> {
  return ((await session.host.api('GET', '/api/destinations')).body as { destinations: DestinationSummary[] }).destinations;
}

const panel = (): Locator => page.getByRole('region', { name: 'Destinations', exact: true });
const item = (name: string): Locator => panel().getByRole('list', { name: 'Destinations' }).getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
const editor = (): Locator => panel().locator('#dest-editor');
const field = (): Locator => editor().getByLabel(FIELD, { exact: true });

async function openPanel(): Promise<void> {
  const toggle = page.locator('#dest-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await eventually(() => panel().isVisible()).toBe(true);
}

/** The texts a field's aria-describedby points at: its hint and its alert, as a screen reader hears them. */
function describedBy(input: Locator): Promise<{ hint: string; alert: string }> {
  return input.evaluate((el) => {
    const parts = (el.getAttribute('aria-describedby') ?? '').split(' ').map((id) => document.getElementById(id));
    const text = (role: string | null) =>
      parts
        .filter((m) => m?.getAttribute('role') === role)
        .map((m) => m!.textContent ?? '')
        .join(' ')
        .trim();
    return { hint: text(null), alert: text('alert') };
  });
}

/** The field, its label and its hint lie inside the window: nothing cut off at the right edge. */
async function expectFieldInside(width: number): Promise<void> {
  // From the label to the end of the hint in view (the panel scrolls on its own in a small window).
  await page.locator('#dest-concurrency-hint').evaluate((el) => el.scrollIntoView({ block: 'end' }));
  for (const box of [await field().boundingBox(), await page.locator('label[for="dest-concurrency"]').boundingBox(), await page.locator('#dest-concurrency-hint').boundingBox()]) {
    expect(box).not.toBeNull();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(width);
  }
  // The hint wraps inside its box rather than running past it.
  expect(await page.locator('#dest-concurrency-hint').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
}

describe('a destination\'s "In flight at once"', () => {
  it('the add form has the field, with a hint on what changes above one; a bad value is refused next to it, nothing saved', async () => {
    await openPanel();
    // One at a time by default: the primary's row says nothing about it.
    await eventually(() => item('Webhook').count()).toBe(1);
    expect(await item('Webhook').locator('.dest-inflight').isVisible()).toBe(false);

    await panel().getByRole('button', { name: 'Add destination' }).click();
    await eventually(() => editor().isVisible()).toBe(true);
    expect(await field().getAttribute('placeholder')).toBe('app-wide: 1');
    const { hint } = await describedBy(field());
    expect(hint).toMatch(/1: one at a time, strictly in the order they arrived/);
    expect(hint).toMatch(/may arrive out of order/);
    expect(hint).toMatch(/Empty: the app-wide setting \(1\)/);

    const before = await destinations();
    await editor().getByLabel('Destination URL').fill(slow.url);
    await editor().getByLabel('Name', { exact: true }).fill('Chat');
    for (const typed of ['lots', '0', '65']) {
      await field().fill(typed);
      await editor().getByRole('button', { name: 'Add destination' }).click();
      await eventually(async () => (await describedBy(field())).alert).toMatch(/whole number from 1 .* to 64/);
      expect(await field().getAttribute('aria-invalid')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('dest-concurrency');
    }
    expect(await destinations()).toEqual(before);

    await field().fill('8');
    // Typing again clears the alert.
    expect((await describedBy(field())).alert).toBe('');
    await screenshotEverySize(page, 'destinations-concurrency-field', expectFieldInside);
    await editor().getByRole('button', { name: 'Add destination' }).click();
    await eventually(() => page.getByRole('status', { name: 'Destinations status' }).textContent()).toContain('Added Chat');
  });

  it('the row says it above one, in its text; events go to both, at most 8 at once to the slow one, the invariant per destination', async () => {
    await eventually(() => item('Chat').count()).toBe(1);
    const chat = (await destinations()).find((d) => d.name === 'Chat')!;
    expect(chat).toMatchObject({ concurrency: 8, concurrencyInUse: 8 });
    const line = item('Chat').locator('.dest-inflight');
    await eventually(() => line.isVisible()).toBe(true);
    expect(await line.textContent()).toBe('Up to 8 events in flight at once: they may arrive out of order');
    // Part of the row's own text (the list item a screen reader reads out), not a tooltip.
    expect(await item('Chat').textContent()).toContain('Up to 8 events in flight at once');

    const EVENTS = 16;
    await session.host.inject(Array.from({ length: EVENTS }, (_, i) => daemonEvent(100 + i, 'tunnel.established', { n: i })), EVENTS);
    await eventually(async () => (await session.host.state()).stats.queued).toBe(0);
    expect(slow.requests).toHaveLength(EVENTS);
    expect(slow.maxConcurrent).toBeLessThanOrEqual(8);
    for (const d of await destinations()) {
      expect(unaccounted(d.stats), d.name).toBe(0);
      expect(d.stats.delivered, d.name).toBe(EVENTS);
    }

    await screenshotEverySize(page, 'destinations-concurrency-row', async (width) => {
      await item('Chat').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      const box = (await line.boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(width);
    });
  });

  it('edit shows the saved value; emptied, the destination takes the app-wide setting again and the row stops saying it', async () => {
    await item('Chat').getByRole('button', { name: 'Edit' }).click();
    await eventually(() => page.locator('#dest-form-h').textContent()).toBe('Edit Chat');
    expect(await field().inputValue()).toBe('8');
    await field().fill('');
    await editor().getByRole('button', { name: 'Save changes' }).click();
    await eventually(() => page.getByRole('status', { name: 'Destinations status' }).textContent()).toContain('Saved Chat');
    const chat = (await destinations()).find((d) => d.name === 'Chat')!;
    expect(chat.concurrency).toBeUndefined();
    expect(chat.concurrencyInUse).toBe(1);
    await eventually(() => item('Chat').locator('.dest-inflight').isVisible()).toBe(false);
  });
});
