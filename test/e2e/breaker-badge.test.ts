// The state badge through a whole breaker cycle against a real failing receiver: Failing, then
// "Circuit open, retrying in N s" counting down, then the probe closes it again.

import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unaccounted } from '../../src/shared/delivery';
import type { Receiver } from '../fixtures/receiver';
import { openAppSession, type AppSession } from './helpers/app-session';
import { screenshot } from './helpers/browser';
import { eventually } from './helpers/eventually';
import { daemonEvent, FAST_DELIVERY, type Host } from './helpers/host';

/** Long enough to watch the countdown tick at least once, short enough for a quick test. */
const COOLDOWN_MS = 4_000;
/** The breaker's default threshold (docs/architecture.md, "Delivery"): consecutive events that used up their attempts. */
const BREAKER_THRESHOLD = 5;

let session: AppSession | undefined;
let host: Host;
let receiver: Receiver;
let page: Page;

beforeAll(async () => {
  session = await openAppSession({
    colorScheme: 'dark',
    receiver: { reply: { status: 500, body: 'boom' } },
    host: (rx) => ({ url: rx.url, args: [...FAST_DELIVERY, '--circuit-cooldown-ms', String(COOLDOWN_MS)] }),
  });
  ({ host, receiver, page } = session);
});
afterAll(() => session?.close());

const badge = (): Promise<string | null> => page.locator('#badge').textContent();

describe('the state badge', () => {
  it('goes Delivering → Failing → Circuit open with a live countdown → Delivering after a good probe', async () => {
    await eventually(badge).toBe('Delivering');

    await host.inject([daemonEvent(1, 'tunnel.path_suspect')]);
    await eventually(badge).toBe('Failing');
    await screenshot(page, 'badge-failing-dark');

    await host.inject(Array.from({ length: BREAKER_THRESHOLD }, (_, i) => daemonEvent(i + 2, 'tunnel.rx_silence')), 1);
    await eventually(badge).toMatch(/^Circuit open, retrying in [1-4] s$/);
    const first = await badge();
    // The countdown is live: the number goes down while we watch.
    await eventually(badge).not.toBe(first);
    expect(await badge()).toMatch(/^Circuit open, (retrying in [1-3] s|probing)$/);
    await eventually(() => page.getByLabel('Circuit skips', { exact: true }).textContent()).not.toBe('0');
    await screenshot(page, 'badge-circuit-open-dark');

    // After the cool-down the next event is the probe; the receiver has recovered.
    receiver.reply({ status: 200 });
    await eventually(badge).toBe('Circuit open, probing');
    await host.inject([daemonEvent(99, 'tunnel.path_recovered')]);
    await eventually(badge).toBe('Delivering');

    const state = await host.state();
    expect(state.breaker.state).toBe('closed');
    expect(state.stats.delivered).toBe(1);
    expect(state.stats.failed).toBe(BREAKER_THRESHOLD);
    expect(state.stats.circuitSkips).toBe(1);
    expect(unaccounted(state.stats)).toBe(0);
  });
});
