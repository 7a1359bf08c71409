// The retry schedule's pure parts (parsing, bad input, jitter, the plan check), the wait list's
// order, and the sleep detectors, on vitest's fake timers: no real waiting anywhere.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  checkRetryPlan,
  DEFAULT_RETRY_SCHEDULE,
  firstAttemptsSpanMs,
  parseMaxEventAge,
  parseRetrySchedule,
  scheduleDelay,
} from '../../src/main/core/delivery/retry-schedule';
import { RetryWaitList } from '../../src/main/core/delivery/retry-wait-list';
import { watchClockJumps } from '../../src/main/core/clock-watch';
import { watchPower } from '../../src/main/shell/power-watch';
import { parseHeadlessArgs } from '../../src/main/headless/headless-args';
import { readSettings } from '../../src/main/core/settings/settings-schema';

afterEach(() => {
  vi.useRealTimers();
});

describe('retry schedule', () => {
  it('the default is 10s,1m,5m,30m,1h,2h,4h,8h,8h; none means no later attempts', () => {
    expect(parseRetrySchedule(DEFAULT_RETRY_SCHEDULE)).toEqual({
      ok: true,
      value: [10_000, 60_000, 300_000, 1_800_000, 3_600_000, 7_200_000, 14_400_000, 28_800_000, 28_800_000],
    });
    expect(parseRetrySchedule('none')).toEqual({ ok: true, value: [] });
    expect(parseRetrySchedule(' 500ms, 2s ,1.5m ')).toEqual({ ok: true, value: [500, 2000, 90_000] });
  });

  it.each([
    ['-5s', /step 1: .*negative/],
    ['10s,0s', /step 2: .*zero/],
    ['10s,0ms', /step 2: .*zero/],
    ['10', /step 1: .*not a duration/],
    ['10s,,1m', /step 2: .*not a duration/],
    ['10s,9000h', /step 2: .*longer than a week/],
    ['', /empty/],
  ])('refuses %j with a clear error', (text, message) => {
    const r = parseRetrySchedule(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('max event age: a duration up to a week, never shorter than the first attempts can take', () => {
    expect(parseMaxEventAge('24h')).toEqual({ ok: true, value: 86_400_000 });
    expect(parseMaxEventAge('30d').ok).toBe(false);
    expect(parseMaxEventAge('0s').ok).toBe(false);
    const plugin = { maxAttempts: 3, timeoutMs: 5000, retryBackoffMs: 1000 };
    expect(firstAttemptsSpanMs(plugin)).toBe(18_000);
    expect(checkRetryPlan({ ...plugin, maxEventAgeMs: 18_000 })).toBeNull();
    expect(checkRetryPlan({ ...plugin, maxEventAgeMs: 10_000 })).toMatch(/shorter than the first attempts can take \(18s/);
  });

  it('spreads each step within ±20 %', () => {
    expect(scheduleDelay([10_000], 0, () => 0)).toBe(8000);
    expect(scheduleDelay([10_000], 0, () => 1)).toBe(12_000);
    expect(scheduleDelay([10_000], 0, () => 0.5)).toBe(10_000);
    expect(scheduleDelay([10_000], 1)).toBeUndefined();
  });

  it('flags and settings take the same values and refuse the same ones', () => {
    expect(parseHeadlessArgs(['--retry-schedule', '1s,5s', '--max-event-age', '2h'])).toMatchObject({ ok: true, args: { retrySchedule: '1s,5s', maxEventAge: '2h' } });
    expect(parseHeadlessArgs(['--retry-schedule', '1s,-1s'])).toMatchObject({ ok: false, message: expect.stringMatching(/^--retry-schedule step 2: .*negative/) });
    expect(parseHeadlessArgs(['--max-event-age', 'soon'])).toMatchObject({ ok: false, message: expect.stringMatching(/^--max-event-age .*not a duration/) });
    const { settings, warnings } = readSettings({ retrySchedule: '1s,0s', maxEventAge: '2h' });
    expect(settings.retrySchedule).toBe(DEFAULT_RETRY_SCHEDULE);
    expect(settings.maxEventAge).toBe('2h');
    expect(warnings.join(' ')).toMatch(/retrySchedule.*zero/);
  });
});

describe('retry wait list', () => {
  it('gives the earliest due first, ties by acceptance; all due after a success goes oldest first', () => {
    const w = new RetryWaitList();
    w.add(5, 300);
    w.add(2, 200);
    w.add(9, 100);
    w.add(1, 200);
    expect(w.peekDue(99)).toBeUndefined();
    expect(w.peekDue(100)).toBe(9);
    expect(w.nextDueAt()).toBe(100);
    w.allDue(50);
    const order: number[] = [];
    while (w.peekDue(50) !== undefined) order.push(w.pop()!);
    expect(order).toEqual([1, 2, 5, 9]);
  });
});

describe('sleep detection', () => {
  it('headless: a jump of the wall clock suspends attempts for a grace, then resumes them', () => {
    vi.useFakeTimers({ now: 0 });
    const seen: boolean[] = [];
    const stop = watchClockJumps((s) => seen.push(s), { tickMs: 1000, jumpMs: 30_000, graceMs: 3000 });
    vi.advanceTimersByTime(5000);
    expect(seen).toEqual([]);
    // The machine slept an hour: the wall clock moved, the timers did not.
    vi.setSystemTime(Date.now() + 3_600_000);
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([true]);
    vi.advanceTimersByTime(3000);
    expect(seen).toEqual([true, false]);
    stop();
  });

  it('Electron: suspend and offline pause attempts; resume waits a grace for the network', () => {
    vi.useFakeTimers({ now: 0 });
    const powerMonitor = new EventEmitter();
    const network = { online: true };
    const seen: boolean[] = [];
    const stop = watchPower({ powerMonitor, net: { isOnline: () => network.online } } as never, (s) => seen.push(s), { pollMs: 1000, graceMs: 2000 });
    expect(seen).toEqual([false]);
    powerMonitor.emit('suspend');
    expect(seen).toEqual([false, true]);
    powerMonitor.emit('resume');
    vi.advanceTimersByTime(1999);
    expect(seen).toEqual([false, true]);
    vi.advanceTimersByTime(1);
    expect(seen).toEqual([false, true, false]);
    network.online = false;
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([false, true, false, true]);
    network.online = true;
    vi.advanceTimersByTime(1000);
    expect(seen).toEqual([false, true, false, true, false]);
    stop();
  });
});
