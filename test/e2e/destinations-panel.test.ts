// The Destinations panel in real Chromium at the window's default 980×720, through the real
// headless host, delivering to real loopback receivers: add (format chosen from the URL and
// said so, write-only headers, topics, rate limit), the live body preview, refusals shown next
// to the field they name, edit, enable/disable, "Send test event" with the receiver's answer,
// the log filtered by destination with names in rows and details, delete after a confirmation,
// and axe-core with the panel open. The accounting invariant holds per destination.

import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unaccounted } from '../../src/shared/delivery';
import type { DestinationSummary } from '../../src/shared/destination-summary';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { openAppSession, type AppSession } from './helpers/app-session';
import { seriousViolations } from './helpers/axe';
import { screenshot } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { daemonEvent, FAST_DELIVERY } from './helpers/host';

/** A header value that must never reach the window, a push, the log or the page. */
const TOKEN = 'e2e-header-token-7f3a9c';

let session: AppSession;
let page: Page;
/** the second destination's receiver (a Slack stand-in only in name: it takes any body) */
let chat: Receiver;

beforeAll(async () => {
  // No --url: every destination here is made through the destinations API, the first by the
  // test (it becomes the primary), the second in the panel.
  session = await openAppSession({ host: () => ({ args: FAST_DELIVERY }) });
  page = session.page;
  chat = await startReceiver();
  const first = await session.host.api('POST', '/api/destinations', { url: session.receiver.url, name: 'Webhook' });
  if (first.status !== 200) throw new Error(`could not create the first destination: ${JSON.stringify(first.body)}`);
  await page.setViewportSize({ width: 980, height: 720 });
  // (expect.poll only runs inside a test: the locator's own wait here.)
  await page.locator('#badge:not([data-kind="starting"])').waitFor();
});
afterAll(async () => {
  await chat?.close();
  await session?.close();
});

async function destinations(): Promise<DestinationSummary[]> {
  return ((await session.host.api('GET', '/api/destinations')).body as { destinations: DestinationSummary[] }).destinations;
}

const panel = (): Locator => page.getByRole('region', { name: 'Destinations', exact: true });
const item = (name: string | RegExp): Locator => panel().getByRole('list', { name: 'Destinations' }).getByRole('listitem').filter({ has: page.getByRole('heading', { name }) });
const editor = (): Locator => panel().locator('#dest-editor');

async function openPanel(): Promise<void> {
  const toggle = page.locator('#dest-toggle');
  if ((await toggle.getAttribute('aria-expanded')) !== 'true') await toggle.click();
  await eventually(() => panel().isVisible()).toBe(true);
}

/** The alert shown next to a field: the role=alert message among its aria-describedby ones. */
function alertFor(label: string): Promise<string> {
  return editor()
    .getByLabel(label, { exact: true })
    .evaluate((input) =>
      (input.getAttribute('aria-describedby') ?? '')
        .split(' ')
        .map((id) => document.getElementById(id))
        .filter((m) => m?.getAttribute('role') === 'alert')
        .map((m) => m!.textContent ?? '')
        .join(' ')
        .trim(),
    );
}



describe('the Destinations panel at 980×720', () => {
  it('lists the primary with its format, URL, status and counters', async () => {
    await openPanel();
    const primary = (await destinations())[0]!;
    expect(primary.primary).toBe(true);
    const row = item(primary.name);
    await eventually(() => row.count()).toBe(1);
    const text = (await row.textContent()) ?? '';
    expect(text).toContain('Primary');
    expect(text).toContain('Pilot JSON');
    expect(text).toContain(session.receiver.url);
    expect(text).toContain('Delivering');
    expect(text).toContain('0 delivered');
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'destinations-980x720');
  });

  it('previews the body live: the format chosen from the URL, said so, and a custom template', async () => {
    await panel().getByRole('button', { name: 'Add destination' }).click();
    await eventually(() => editor().isVisible()).toBe(true);
    // Typed only, never saved or sent: the preview is rendered by the host, nothing goes out.
    await editor().getByLabel('Destination URL').fill('https://hooks.slack.com/services/T000/B000/XXXX');
    await eventually(() => page.locator('#dest-format-why').textContent()).toContain('chosen from the host hooks.slack.com');
    await eventually(() => page.getByLabel('Body preview').textContent()).toContain('"blocks"');
    await page.getByLabel('Body preview').scrollIntoViewIfNeeded();
    await screenshot(page, 'destinations-add-preview');

    await editor().getByLabel('Format').selectOption('ntfy');
    await eventually(() => page.locator('#dest-preview-type').textContent()).toContain('text/plain');

    await editor().getByLabel('Format').selectOption('custom');
    await editor().getByLabel('JSONata template').fill('{"msg": text, "topic": event}');
    await eventually(() => page.getByLabel('Body preview').textContent()).toContain('"msg":');
    await editor().getByLabel('JSONata template').fill('{"msg": ');
    await eventually(() => alertFor('JSONata template')).not.toBe('');
    await page.locator('#dest-template-msg').scrollIntoViewIfNeeded();
    await screenshot(page, 'destinations-preview-template-error');
    await editor().getByRole('button', { name: 'Cancel' }).click();
    await eventually(() => editor().isVisible()).toBe(false);
  });

  it('refuses bad input next to the field it names, and saves nothing', async () => {
    const before = (await destinations()).length;
    await panel().getByRole('button', { name: 'Add destination' }).click();
    await editor().getByLabel('Destination URL').fill(chat.url);
    await editor().getByLabel('Events to send here').fill('Tunnel.*');
    await editor().getByRole('button', { name: 'Add destination' }).click();
    await eventually(() => alertFor('Events to send here')).toMatch(/Tunnel/);
    expect(await editor().getByLabel('Events to send here').getAttribute('aria-invalid')).toBe('true');
    // The focus goes to the field to fix.
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('dest-topics');

    await editor().getByLabel('Events to send here').fill('tunnel.*');
    await editor().getByRole('button', { name: 'Add header' }).click();
    await editor().getByLabel('Header 1 name').fill('Content-Length');
    await editor().getByLabel('Header 1 value').fill('12');
    await editor().getByRole('button', { name: 'Add destination' }).click();
    await eventually(() => page.locator('#dest-headers-msg').textContent()).toContain('Content-Length');
    expect(await page.locator('#dest-headers-msg').getAttribute('role')).toBe('alert');

    await editor().getByRole('button', { name: 'Remove header 1' }).click();
    await editor().getByLabel('Rate limit (messages a minute)').fill('lots');
    await editor().getByRole('button', { name: 'Add destination' }).click();
    await eventually(() => alertFor('Rate limit (messages a minute)')).toContain('whole number');
    expect((await destinations()).length).toBe(before);
    await editor().getByRole('button', { name: 'Cancel' }).click();
  });

  it('adds a destination with a write-only header: masked in the answer, never in the page; the invariant holds per destination', async () => {
    await panel().getByRole('button', { name: 'Add destination' }).click();
    await editor().getByLabel('Destination URL').fill(chat.url);
    await editor().getByLabel('Name', { exact: true }).fill('Team alerts');
    await editor().getByLabel('Format').selectOption('slack');
    await editor().getByLabel('Events to send here').fill('tunnel.*');
    await editor().getByLabel('Rate limit (messages a minute)').fill('0');
    await editor().getByRole('button', { name: 'Add header' }).click();
    await editor().getByLabel('Header 1 name').fill('Authorization');
    await editor().getByLabel('Header 1 value').fill(`Bearer ${TOKEN}`);
    expect(await editor().getByLabel('Header 1 value').getAttribute('type')).toBe('password');
    await editor().getByRole('button', { name: 'Add destination' }).click();
    await eventually(() => page.getByRole('status', { name: 'Destinations status' }).textContent()).toContain('Added Team alerts');
    await eventually(() => item('Team alerts').count()).toBe(1);
    expect(await item('Team alerts').textContent()).toContain('Slack');

    const team = (await destinations()).find((d) => d.name === 'Team alerts')!;
    expect(team).toMatchObject({ format: 'slack', topics: ['tunnel.*'], rateLimit: null, primary: false });
    // The API answers the header masked; the value is nowhere in the page.
    expect(Object.keys(team.headers)).toEqual(['Authorization']);
    expect(team.headers.Authorization).not.toContain(TOKEN);

    await session.host.inject([daemonEvent(1, 'tunnel.established', { peer: 'alpha' }), daemonEvent(2, 'conn.fin', { peer: 'beta' })], 1);
    // Its topic filter lets tunnel.* through only; the header goes with it.
    await chat.waitForRequests(1);
    expect(chat.requests[0]!.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(chat.requests[0]!.json()).toMatchObject({ text: expect.any(String) });
    await eventually(() => item('Team alerts').textContent()).toContain('1 delivered');
    await eventually(() => item('Team alerts').textContent()).toContain('1 filtered');
    await eventually(async () => (await session.host.state()).stats.queued).toBe(0);
    expect(chat.requests).toHaveLength(1);
    for (const d of await destinations()) expect(unaccounted(d.stats), d.name).toBe(0);
    // The primary's row counts what it got.
    await eventually(() => item('Webhook').textContent()).toMatch(/[1-9]\d* delivered/);
    expect(await page.content()).not.toContain(TOKEN);
    // Its status at a glance, under the counters, now that there are two.
    await eventually(() => page.getByRole('region', { name: 'Destinations at a glance' }).isVisible()).toBe(true);
    // The chart redraws once a second: the screenshot waits for it to show the deliveries.
    await eventually(() => page.locator('#chart-summary').textContent()).toMatch(/^[1-9]\d* delivered/);
    await screenshot(page, 'destinations-two');
  });

  it('filters the log by destination, with the destination named in rows and details', async () => {
    const log = page.getByRole('list', { name: 'Delivery log' });
    // With two destinations every row names its destination.
    await eventually(() => log.locator('.row-dest').count()).toBeGreaterThan(0);
    expect(await log.locator('.log-row').count()).toBe(await log.locator('.row-dest').count());
    const filter = page.getByRole('combobox', { name: 'Destination' });
    await eventually(() => filter.isVisible()).toBe(true);
    const primary = (await destinations()).find((d) => d.primary)!;
    // Picking one asks the host for that destination's older entries too.
    const asked = page.waitForRequest((req) => new URL(req.url()).pathname === '/api/log' && new URL(req.url()).searchParams.get('destination') === primary.id);
    await filter.selectOption(primary.id);
    await asked;
    await eventually(() => page.locator('#log-count').textContent()).toMatch(/^\d+ of \d+ entries match/);
    const names = await log.locator('.row-dest').allTextContents();
    expect(names.length).toBeGreaterThan(0);
    expect(new Set(names)).toEqual(new Set([primary.name]));
    // The chart follows the filter.
    await eventually(() => page.locator('#chart-summary').textContent()).toMatch(new RegExp(`^${primary.name}: [1-9]\\d* delivered`));
    await log.getByRole('listitem').first().click();
    const details = page.locator('#details');
    await eventually(() => details.textContent()).toContain(`Destination${primary.name}`);
    expect(await details.textContent()).not.toContain(TOKEN);
    await page.keyboard.press('Escape');
    await filter.selectOption('');
    await eventually(() => page.locator('#log-count').textContent()).toMatch(/newest first/);
  });

  it('shows the body a chat destination’s format sent, beside the stored event, and copies that as curl', async () => {
    const team = (await destinations()).find((d) => d.name === 'Team alerts')!;
    await page.getByRole('combobox', { name: 'Destination' }).selectOption(team.id);
    const log = page.getByRole('list', { name: 'Delivery log' });
    await log.locator('.log-row[data-outcome="delivered"]').first().click();
    const details = page.locator('#details');
    await eventually(() => details.getByLabel('Request body').textContent()).toContain('"blocks"');
    expect(await details.textContent()).toContain('Request body (Slack incoming webhook');
    expect(await details.getByLabel('Stored event').textContent()).toContain('"event": "tunnel.established"');
    // The extra header is listed masked with the request headers.
    expect(await details.getByLabel('Request headers').textContent()).toContain('Authorization: ');
    expect(await details.textContent()).not.toContain(TOKEN);
    await details.getByRole('button', { name: 'Copy as curl' }).click();
    await eventually(() => details.textContent()).toContain('curl command copied');
    const curl = await page.evaluate(() => navigator.clipboard.readText());
    expect(curl).toContain('"blocks"');
    expect(curl).not.toContain(TOKEN);
    await screenshot(page, 'details-chat-destination');
    await page.keyboard.press('Escape');
    await page.getByRole('combobox', { name: 'Destination' }).selectOption('');
  });

  it('sends a test event per destination and shows the answer: status, first bytes and a hint', async () => {
    await openPanel();
    chat.replyOnce({ status: 400, body: 'no_text' });
    const row = item('Team alerts');
    await row.getByRole('button', { name: 'Send test event' }).click();
    const result = row.getByRole('status', { name: 'Destination test result for Team alerts' });
    await eventually(() => result.textContent()).toContain('HTTP 400');
    const text = (await result.textContent()) ?? '';
    expect(text).toContain(chat.url);
    expect(text).not.toContain('HTTP 400 — HTTP 400');
    expect(text).toContain('no_text');
    expect(await result.locator('.test-hint').textContent()).not.toBe('');
    await screenshot(page, 'destinations-test-refused');
  });

  it('edits a destination and disables it; the status line follows', async () => {
    const row = item('Team alerts');
    await row.getByRole('button', { name: 'Edit' }).click();
    await eventually(() => page.locator('#dest-form-h').textContent()).toBe('Edit Team alerts');
    // The saved header is listed masked; its value is not in the form.
    expect(await page.locator('#dest-headers-kept').textContent()).toContain('Authorization');
    expect(await page.content()).not.toContain(TOKEN);
    // Its own signing secret: sent once, only its hint comes back; clearing asks first.
    const secret = 'whsec_ZTJlLXNpZ25pbmctc2VjcmV0LXZhbHVl';
    expect(await page.locator('#dest-secret-state').textContent()).toContain('Not set');
    await editor().getByLabel('New signing secret').fill(secret);
    await editor().getByLabel('New signing secret').press('Enter');
    await eventually(() => page.getByRole('status', { name: 'Destination secret status' }).textContent()).toBe('Secret set.');
    expect(await page.locator('#dest-secret-state').textContent()).toMatch(/^Set \(/);
    expect((await destinations()).find((d) => d.name === 'Team alerts')!.secret.set).toBe(true);
    expect(await page.content()).not.toContain(secret);
    await editor().getByRole('button', { name: 'Clear secret' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
    expect((await destinations()).find((d) => d.name === 'Team alerts')!.secret.set).toBe(true);
    await editor().getByRole('button', { name: 'Clear secret' }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Clear secret' }).click();
    await eventually(() => page.getByRole('status', { name: 'Destination secret status' }).textContent()).toBe('Secret cleared.');
    expect((await destinations()).find((d) => d.name === 'Team alerts')!.secret.set).toBe(false);

    await editor().getByLabel('Name', { exact: true }).fill('Ops alerts');
    await editor().getByRole('button', { name: 'Save changes' }).click();
    await eventually(() => item('Ops alerts').count()).toBe(1);
    const saved = (await destinations()).find((d) => d.name === 'Ops alerts')!;
    expect(saved.headers).toHaveProperty('Authorization');
    expect(saved.format).toBe('slack');

    await item('Ops alerts').getByRole('button', { name: 'Disable' }).click();
    await eventually(() => item('Ops alerts').locator('.dest-status').getAttribute('data-kind')).toBe('off');
    expect(await item('Ops alerts').getByRole('button', { name: 'Enable' }).count()).toBe(1);
    expect((await destinations()).find((d) => d.id === saved.id)!.enabled).toBe(false);
  });

  it('deletes only after a confirmation that names it', async () => {
    const before = (await destinations()).length;
    await item('Ops alerts').getByRole('button', { name: 'Delete' }).click();
    const dialog = page.getByRole('dialog');
    await eventually(() => dialog.textContent()).toContain('Delete the destination “Ops alerts”?');
    await screenshot(page, 'destinations-confirm-delete');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect((await destinations()).length).toBe(before);
    expect(await item('Ops alerts').count()).toBe(1);

    await item('Ops alerts').getByRole('button', { name: 'Delete' }).click();
    await dialog.getByRole('button', { name: 'Delete' }).click();
    await eventually(() => item('Ops alerts').count()).toBe(0);
    expect((await destinations()).length).toBe(before - 1);
    await eventually(() => page.getByRole('status', { name: 'Destinations status' }).textContent()).toContain('Deleted Ops alerts');
    // Its entries stay in the log and still say whose they were.
    const log = page.getByRole('list', { name: 'Delivery log' });
    await eventually(() => log.locator('.row-dest').filter({ hasText: 'Ops alerts (removed)' }).count()).toBeGreaterThan(0);
  });

  it('is usable from the keyboard: d opens it, Escape closes the editor, then the panel', async () => {
    await page.locator('#dest-close').click();
    await eventually(() => panel().isVisible()).toBe(false);
    await page.evaluate(() => (document.activeElement as HTMLElement | null)?.blur());
    await page.keyboard.press('d');
    await eventually(() => panel().isVisible()).toBe(true);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('dest-h');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Add destination');
    await page.keyboard.press('Enter');
    await eventually(() => page.evaluate(() => document.activeElement?.id)).toBe('dest-url');
    await page.keyboard.press('Escape');
    await eventually(() => editor().isVisible()).toBe(false);
    await page.keyboard.press('Escape');
    await eventually(() => panel().isVisible()).toBe(false);
  });

  it('stays usable in a 420 px window, dark, with no serious axe violation', async () => {
    await page.emulateMedia({ colorScheme: 'dark' });
    await page.setViewportSize({ width: 420, height: 720 });
    await openPanel();
    await panel().getByRole('button', { name: 'Add destination' }).click();
    await eventually(() => editor().isVisible()).toBe(true);
    for (const name of ['Add destination', 'Close destinations']) {
      const box = (await panel().getByRole('button', { name, exact: true }).first().boundingBox())!;
      expect(box.x + box.width).toBeLessThanOrEqual(420);
    }
    expect(await seriousViolations(page)).toEqual([]);
    await screenshot(page, 'destinations-420x720-dark');
    await editor().getByRole('button', { name: 'Cancel' }).click();
    await page.setViewportSize({ width: 980, height: 720 });
    await page.emulateMedia({ colorScheme: 'light' });
  });
});
