// @vitest-environment happy-dom
// FrameBatch (src/renderer/frame-batch.ts): however many pushes arrive between two frames, the
// window renders once per frame with all of them, in order; a window that gets no frames (hidden)
// hands a large backlog over at once instead of piling it up. Frames come from vitest's fake
// requestAnimationFrame, so "a frame" is a step of the test, not a wait.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { FrameBatch } from '../../src/renderer/frame-batch';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['requestAnimationFrame', 'cancelAnimationFrame', 'setTimeout', 'performance'] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('FrameBatch', () => {
  it('coalesces every add between two frames into one flush, in arrival order', () => {
    const flushes: number[][] = [];
    const batch = new FrameBatch<number>((items) => flushes.push(items));
    for (let i = 0; i < 100; i++) batch.add([i * 2, i * 2 + 1]);
    expect(flushes).toEqual([]); // nothing before the frame
    vi.advanceTimersToNextFrame();
    expect(flushes).toHaveLength(1);
    expect(flushes[0]).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('starts a new batch after each frame and asks for no frame when nothing waits', () => {
    const flushes: string[][] = [];
    const batch = new FrameBatch<string>((items) => flushes.push(items));
    batch.add(['a']);
    vi.advanceTimersToNextFrame();
    batch.add(['b']);
    batch.add(['c']);
    vi.advanceTimersToNextFrame();
    expect(flushes).toEqual([['a'], ['b', 'c']]);
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersToNextFrame();
    expect(flushes).toHaveLength(2);
    batch.add([]);
    vi.advanceTimersToNextFrame();
    expect(flushes).toHaveLength(2); // an empty add renders nothing
  });

  it('a hidden window (no frames) gets its backlog at once past 10,000 waiting items, and loses none', () => {
    const flushes: number[][] = [];
    const batch = new FrameBatch<number>((items) => flushes.push(items));
    const chunk = Array.from({ length: 1000 }, (_, i) => i);
    for (let i = 0; i < 10; i++) batch.add(chunk); // exactly 10,000: still waiting for a frame
    expect(flushes).toHaveLength(0);
    batch.add([1]); // one more: handed over without a frame
    expect(flushes).toHaveLength(1);
    expect(flushes[0]).toHaveLength(10_001);
    // the frame asked for earlier finds nothing waiting and renders nothing
    vi.advanceTimersToNextFrame();
    expect(flushes).toHaveLength(1);
    batch.add([7]);
    vi.advanceTimersToNextFrame();
    expect(flushes).toEqual([flushes[0], [7]]);
  });
});
