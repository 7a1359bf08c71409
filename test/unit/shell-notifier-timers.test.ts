// The desktop notifier's debounce on the real clock it uses in the app (Date.now and an unref'd
// setTimeout), driven by vitest's fake timers: at most one notice per story a minute, the notice
// held back comes exactly when the minute is up and only if it is still news, stories wait on
// their own clocks, and dispose leaves no timer behind. No real time passes.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { NOTICE_DEBOUNCE_MS } from '../../src/main/shell/notice-tracker';
import { createNotifier, type Notifier } from '../../src/main/shell/notifier';
import type { AppState } from '../../src/shared/bridge';
import { FakeNotification, createFakeElectron } from '../fixtures/fake-electron';
import { sampleState } from '../fixtures/sample-state';

const T0 = Date.UTC(2026, 11, 1, 9, 0, 0);

const closed = (): AppState => sampleState({ breaker: { state: 'closed', openUntil: null, consecutiveFailures: 0, held: 0, probing: false, refusing: null } });
const open = (): AppState => sampleState({ breaker: { state: 'open', openUntil: Date.now() + 30_000, consecutiveFailures: 5, held: 0, probing: false, refusing: null } });
const daemon = (connected: boolean, breaker = closed().breaker): AppState =>
  sampleState({ breaker, daemon: { ...sampleState().daemon, connected, error: connected ? null : 'connect ECONNREFUSED' } });

const titles = (): string[] => FakeNotification.instances.map((n) => n.options.title);

let notifier: Notifier | null = null;
let clicks = 0;

function start(): Notifier {
  const { electron } = createFakeElectron();
  clicks = 0;
  notifier = createNotifier(electron, { onClick: () => clicks++ }); // the default, real clock
  return notifier;
}

beforeEach(() => {
  vi.useFakeTimers({ now: T0 });
});
afterEach(() => {
  notifier?.dispose();
  notifier = null;
  vi.useRealTimers();
});

describe('notifier debounce (fake timers, real clock)', () => {
  it('a flapping breaker: one notice now, the held-back one exactly when the minute is up', () => {
    const n = start();
    n.observe(closed());
    n.observe(open());
    expect(titles()).toEqual(['Webhook deliveries stopped']);
    vi.advanceTimersByTime(1_000);
    n.observe(closed()); // recovered within the minute: held back
    expect(titles()).toHaveLength(1);
    expect(vi.getTimerCount()).toBe(1);

    vi.advanceTimersByTime(NOTICE_DEBOUNCE_MS - 1_000 - 1);
    expect(titles()).toHaveLength(1); // one ms short of the minute
    vi.advanceTimersByTime(1);
    expect(titles()).toEqual(['Webhook deliveries stopped', 'Webhook deliveries recovered']);
    expect(FakeNotification.instances[1]!.shown).toBe(true);
    expect(vi.getTimerCount()).toBe(0);

    FakeNotification.instances[1]!.emit('click');
    expect(clicks).toBe(1);
  });

  it('a storm of transitions within the minute is one notice, then one that says where it stands', () => {
    const n = start();
    n.observe(closed());
    for (let i = 0; i < 50; i++) {
      n.observe(open());
      vi.advanceTimersByTime(100);
      n.observe(closed());
      vi.advanceTimersByTime(100);
    }
    n.observe(open()); // the storm ends open
    expect(titles()).toEqual(['Webhook deliveries stopped']);
    vi.advanceTimersByTime(NOTICE_DEBOUNCE_MS);
    // it is open again, which the first notice already said: nothing new to tell
    expect(titles()).toEqual(['Webhook deliveries stopped']);
    expect(vi.getTimerCount()).toBe(0);

    // and it ends closed: the held-back notice says so, once
    n.observe(closed());
    expect(titles()).toEqual(['Webhook deliveries stopped', 'Webhook deliveries recovered']);
    vi.advanceTimersByTime(10 * NOTICE_DEBOUNCE_MS);
    expect(titles()).toHaveLength(2);
  });

  it('each story waits on its own clock', () => {
    const n = start();
    n.observe(daemon(true));
    n.observe(daemon(false)); // daemon lost: shown at T0
    vi.advanceTimersByTime(20_000);
    n.observe(daemon(false, open().breaker)); // breaker opened at T0+20 s: its own story, shown
    expect(titles()).toEqual(['Pilot daemon disconnected', 'Webhook deliveries stopped']);
    vi.advanceTimersByTime(1_000);
    n.observe(daemon(true, closed().breaker)); // both change back at T0+21 s: both held
    expect(titles()).toHaveLength(2);

    vi.advanceTimersByTime(NOTICE_DEBOUNCE_MS - 21_000); // T0+60 s: the daemon's minute is up
    expect(titles()).toEqual(['Pilot daemon disconnected', 'Webhook deliveries stopped', 'Pilot daemon connected']);
    vi.advanceTimersByTime(19_999); // T0+80 s less a ms
    expect(titles()).toHaveLength(3);
    vi.advanceTimersByTime(1); // the breaker's minute is up
    expect(titles().at(-1)).toBe('Webhook deliveries recovered');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('dispose cancels the wake-up: nothing is shown later and no timer is left', () => {
    const n = start();
    n.observe(closed());
    n.observe(open());
    n.observe(closed());
    expect(vi.getTimerCount()).toBe(1);
    n.dispose();
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(2 * NOTICE_DEBOUNCE_MS);
    n.observe(open());
    expect(titles()).toEqual(['Webhook deliveries stopped']);
  });
});
