// The client's wake-ups on a fake clock: wake() releases every idle worker; an alarm wakes them at
// its moment (at once when already due), one per kind, replaced unless kept; cancelled alarms and
// alarms after close never fire.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { WorkerWakeups } from '../../src/main/core/delivery/worker-wakeups';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

/** How many of `n` idle workers have woken so far. */
function idleWorkers(w: WorkerWakeups, n: number): { woken: () => number } {
  let woken = 0;
  for (let i = 0; i < n; i++) void w.idle().then(() => woken++);
  return { woken: () => woken };
}

describe('WorkerWakeups', () => {
  it('wake() releases every idle worker once', async () => {
    const w = new WorkerWakeups();
    const a = idleWorkers(w, 3);
    w.wake();
    await vi.advanceTimersByTimeAsync(0);
    expect(a.woken()).toBe(3);
  });

  it('an alarm wakes at its moment; one already due wakes at once', async () => {
    const w = new WorkerWakeups();
    const a = idleWorkers(w, 1);
    w.alarm('due', 1000);
    await vi.advanceTimersByTimeAsync(999);
    expect(a.woken()).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(a.woken()).toBe(1);
    const b = idleWorkers(w, 1);
    w.alarm('due', -5);
    await vi.advanceTimersByTimeAsync(0);
    expect(b.woken()).toBe(1);
  });

  it('a new alarm of a kind replaces the old one, unless kept', async () => {
    const w = new WorkerWakeups();
    const a = idleWorkers(w, 1);
    w.alarm('due', 1000);
    w.alarm('due', 5000);
    await vi.advanceTimersByTimeAsync(1000);
    expect(a.woken()).toBe(0);
    w.alarm('rate', 2000);
    w.alarm('rate', 100, { keep: true });
    await vi.advanceTimersByTimeAsync(100);
    expect(a.woken()).toBe(0);
    await vi.advanceTimersByTimeAsync(1900);
    expect(a.woken()).toBe(1);
  });

  it('onFire decides what the moment does, even for one already past; cancelled alarms never fire', async () => {
    const w = new WorkerWakeups();
    const seen: string[] = [];
    void w.idle().then(() => seen.push('woken'));
    w.alarm('cooldown', -1, { onFire: () => seen.push('fired') });
    await vi.advanceTimersByTimeAsync(0);
    // It did not wake the workers itself: onFire did not ask to.
    expect(seen).toEqual(['fired']);
    w.alarm('cooldown', 10, { onFire: () => w.wake() });
    await vi.advanceTimersByTimeAsync(10);
    expect(seen).toEqual(['fired', 'woken']);
    const a = idleWorkers(w, 1);
    w.alarm('due', 10);
    w.alarm('cooldown', 10, { onFire: () => seen.push('never') });
    w.cancelAll();
    await vi.advanceTimersByTimeAsync(1000);
    expect(a.woken()).toBe(0);
    expect(seen).toEqual(['fired', 'woken']);
  });
});
