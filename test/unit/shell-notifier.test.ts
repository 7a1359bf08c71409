// Desktop notifications: transitions only, at most one per story per minute, and a held-back
// notice shown later only when it still tells the user something new. Fake clock throughout.

import { describe, expect, it } from 'vitest';
import { NOTICE_DEBOUNCE_MS, NoticeTracker, type NoticeKind } from '../../src/main/shell/notice-tracker';
import { createNotifier, noticeText, type Clock } from '../../src/main/shell/notifier';
import type { AppState } from '../../src/shared/bridge';
import { FakeNotification, createFakeElectron } from '../fixtures/fake-electron';
import { sampleState } from '../fixtures/sample-state';

const T0 = 1_700_000_000_000;

const closed = (failures = 0): AppState => sampleState({ breaker: { state: 'closed', openUntil: null, consecutiveFailures: failures, held: 0, probing: false, refusing: null } });
const open = (now: number): AppState => sampleState({ breaker: { state: 'open', openUntil: now + 30_000, consecutiveFailures: 5, held: 0, probing: false, refusing: null } });
const halfOpen = (): AppState => sampleState({ breaker: { state: 'half-open', openUntil: null, consecutiveFailures: 5, held: 0, probing: false, refusing: null } });
const daemon = (connected: boolean): AppState =>
  sampleState({ daemon: { ...sampleState().daemon, connected, error: connected ? null : 'connect ECONNREFUSED' } });

function kinds(t: NoticeTracker, s: AppState, now: number): NoticeKind[] {
  return t.observe(s, now).map((n) => n.kind);
}

describe('NoticeTracker', () => {
  it('failed events one after another make no notice; the breaker opening makes one', () => {
    const t = new NoticeTracker();
    expect(kinds(t, closed(), T0)).toStrictEqual([]);
    for (let i = 1; i < 5; i++) expect(kinds(t, closed(i), T0 + i)).toStrictEqual([]);
    expect(kinds(t, open(T0), T0 + 5)).toStrictEqual(['breaker_opened']);
    // Stays open, skipping events: nothing more.
    for (let i = 0; i < 100; i++) expect(kinds(t, open(T0), T0 + 10 + i)).toStrictEqual([]);
  });

  it('a failed probe (half-open → open) is the same outage, not a new notice', () => {
    const t = new NoticeTracker();
    kinds(t, closed(), T0);
    expect(kinds(t, open(T0), T0)).toStrictEqual(['breaker_opened']);
    const later = T0 + 2 * NOTICE_DEBOUNCE_MS;
    expect(kinds(t, halfOpen(), later)).toStrictEqual([]);
    expect(kinds(t, open(later), later + 1)).toStrictEqual([]);
    expect(kinds(t, closed(), later + 2)).toStrictEqual(['breaker_recovered']);
  });

  it('a flapping breaker makes one notice a minute; the held-back one comes later only if it is news', () => {
    const t = new NoticeTracker();
    kinds(t, closed(), T0);
    expect(kinds(t, open(T0), T0)).toStrictEqual(['breaker_opened']);
    expect(kinds(t, closed(), T0 + 1_000)).toStrictEqual([]); // recovered: held back
    expect(t.nextDueAt()).toBe(T0 + NOTICE_DEBOUNCE_MS);
    expect(t.tick(T0 + NOTICE_DEBOUNCE_MS - 1)).toStrictEqual([]);
    expect(t.tick(T0 + NOTICE_DEBOUNCE_MS).map((n) => n.kind)).toStrictEqual(['breaker_recovered']);
    expect(t.nextDueAt()).toBeNull();

    // Opened → (recovered, opened again) within the minute: the user already knows it is open.
    const t1 = T0 + 10 * NOTICE_DEBOUNCE_MS;
    expect(kinds(t, open(t1), t1)).toStrictEqual(['breaker_opened']);
    expect(kinds(t, closed(), t1 + 1)).toStrictEqual([]);
    expect(kinds(t, halfOpen(), t1 + 2)).toStrictEqual([]);
    expect(kinds(t, open(t1), t1 + 3)).toStrictEqual([]);
    expect(t.tick(t1 + NOTICE_DEBOUNCE_MS)).toStrictEqual([]);
  });

  it('daemon: "found" at start-up is not news; lost and found again are', () => {
    const t = new NoticeTracker();
    expect(kinds(t, daemon(false), T0)).toStrictEqual([]);
    expect(kinds(t, daemon(true), T0 + 1)).toStrictEqual([]);
    expect(kinds(t, daemon(false), T0 + 2)).toStrictEqual(['daemon_lost']);
    expect(kinds(t, daemon(true), T0 + 2 + NOTICE_DEBOUNCE_MS)).toStrictEqual(['daemon_found']);
  });

  it('breaker and daemon are debounced separately', () => {
    const t = new NoticeTracker();
    kinds(t, daemon(true), T0);
    expect(kinds(t, { ...daemon(false), breaker: open(T0).breaker }, T0 + 1)).toStrictEqual(['breaker_opened', 'daemon_lost']);
  });

  it('a run without a daemon link (--no-daemon) never says the daemon was lost', () => {
    const t = new NoticeTracker();
    const off = (connected: boolean) => sampleState({ daemon: { ...sampleState().daemon, enabled: connected, connected } });
    kinds(t, off(true), T0);
    expect(kinds(t, off(false), T0 + 1)).toStrictEqual([]);
  });
});

describe('createNotifier', () => {
  function fakeClock(start: number) {
    let now = start;
    const timers: { at: number; fn: () => void; id: number }[] = [];
    let nextId = 1;
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn, ms) => {
        const t = { at: now + ms, fn, id: nextId++ };
        timers.push(t);
        return t.id;
      },
      clearTimeout: (id) => {
        const i = timers.findIndex((t) => t.id === id);
        if (i >= 0) timers.splice(i, 1);
      },
    };
    const advance = (ms: number) => {
      now += ms;
      for (const t of [...timers].sort((a, b) => a.at - b.at)) {
        if (t.at > now) continue;
        timers.splice(timers.indexOf(t), 1);
        t.fn();
      }
    };
    return { clock, advance, pending: () => timers.length };
  }

  it('shows transitions as notifications, wakes up for a held-back one, and clicks open the window', () => {
    const { electron } = createFakeElectron();
    const { clock, advance, pending } = fakeClock(T0);
    let opened = 0;
    const n = createNotifier(electron, { clock, onClick: () => opened++ });
    n.observe(closed());
    n.observe(open(T0));
    expect(FakeNotification.instances.map((x) => x.options.title)).toStrictEqual(['Webhook deliveries stopped']);
    expect(FakeNotification.instances[0]!.shown).toBe(true);
    expect(FakeNotification.instances[0]!.options.body).toContain('Trying again in 30 s');

    advance(1_000);
    n.observe(closed());
    expect(FakeNotification.instances).toHaveLength(1);
    expect(pending()).toBe(1);
    advance(NOTICE_DEBOUNCE_MS);
    expect(FakeNotification.instances.map((x) => x.options.title)).toStrictEqual([
      'Webhook deliveries stopped',
      'Webhook deliveries recovered',
    ]);
    expect(pending()).toBe(0);

    FakeNotification.instances[1]!.emit('click');
    expect(opened).toBe(1);
    n.dispose();
  });

  it('shows nothing where notifications are unsupported, and dispose cancels the wake-up', () => {
    const { electron } = createFakeElectron();
    const { clock, pending } = fakeClock(T0);
    FakeNotification.supported = false;
    const n = createNotifier(electron, { clock, onClick: () => undefined });
    n.observe(closed());
    n.observe(open(T0));
    n.observe(closed());
    expect(FakeNotification.instances).toHaveLength(0);
    expect(pending()).toBe(1);
    n.dispose();
    expect(pending()).toBe(0);
  });

  it('texts say what happened', () => {
    expect(noticeText('daemon_lost', daemon(false), T0).body).toBe('connect ECONNREFUSED');
    expect(noticeText('breaker_opened', open(T0), T0).body).toContain('5 times in a row');
    expect(noticeText('daemon_found', daemon(true), T0).title).toBe('Pilot daemon connected');
  });
});
