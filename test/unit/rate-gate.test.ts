import { describe, expect, it } from 'vitest';
import { DIGEST_HORIZON_MS, MAX_DIGEST_EVENTS, RateGate } from '../../src/main/core/destinations/rate-gate';

function clock() {
  let t = 1_000_000;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('RateGate', () => {
  it('Slack (60/min): one at a time within the limit, a digest when the backlog outruns 2 s', () => {
    const c = clock();
    const g = new RateGate(60, c.now);
    expect(g.capacity).toBe(2);
    expect(g.plan(1)).toEqual({ kind: 'single' });
    g.take();
    expect(g.plan(3)).toEqual({ kind: 'single' });
    g.take();
    expect(g.plan(1)).toEqual({ kind: 'wait', ms: 1000 });
    c.advance(1000);
    expect(g.plan(12)).toEqual({ kind: 'digest', count: 12 });
    g.take();
    expect(g.plan(1)).toMatchObject({ kind: 'wait' });
  });

  it('Discord (30/min): a token every 2 s, capacity one', () => {
    const c = clock();
    const g = new RateGate(30, c.now);
    expect(g.capacity).toBe(1);
    g.take();
    expect(g.waitMs()).toBe(2000);
    c.advance(DIGEST_HORIZON_MS);
    expect(g.plan(2)).toEqual({ kind: 'single' });
    expect(g.plan(3)).toEqual({ kind: 'digest', count: 3 });
  });

  it('a digest stands for at most MAX_DIGEST_EVENTS', () => {
    const g = new RateGate(60, clock().now);
    expect(g.plan(10_000)).toEqual({ kind: 'digest', count: MAX_DIGEST_EVENTS });
  });

  it('honours Retry-After: closed until then, then the bucket refills from empty', () => {
    const c = clock();
    const g = new RateGate(600, c.now);
    g.retryAfter(5000);
    expect(g.plan(1)).toEqual({ kind: 'wait', ms: 5000 });
    c.advance(4999);
    expect(g.waitMs()).toBe(1);
    c.advance(1);
    expect(g.plan(1)).toEqual({ kind: 'single' });
  });

  it('refuses a rate that is no rate', () => {
    expect(() => new RateGate(0)).toThrow(RangeError);
  });
});
