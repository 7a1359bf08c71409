import { describe, expect, it } from 'vitest';
import { CIRCUIT_COOLDOWN_MS, CIRCUIT_OPEN_THRESHOLD, CircuitBreaker } from '../../src/main/core/delivery/breaker';

/** A breaker on a hand-turned clock. */
function breakerAt(start = 1_000_000) {
  const clock = { t: start };
  const breaker = new CircuitBreaker({ threshold: 3, cooldownMs: 100, now: () => clock.t });
  return { breaker, clock };
}

function exhaust(b: CircuitBreaker, n: number) {
  for (let i = 0; i < n; i++) {
    expect(b.admit()).toBe('send');
    b.recordExhausted(false);
  }
}

describe('CircuitBreaker', () => {
  it('has the reference defaults: 5 exhausted events, 30 s cool-down', () => {
    expect(CIRCUIT_OPEN_THRESHOLD).toBe(5);
    expect(CIRCUIT_COOLDOWN_MS).toBe(30_000);
    let t = 0;
    const b = new CircuitBreaker({ now: () => t });
    for (let i = 0; i < 4; i++) b.recordExhausted(false);
    expect(b.state).toBe('closed');
    b.recordExhausted(false);
    expect(b.view()).toMatchObject({ state: 'open', openUntil: 30_000, consecutiveFailures: 5 });
    t = 29_999;
    expect(b.admit()).toBe('skip');
    t = 30_000;
    expect(b.admit()).toBe('probe');
  });

  it('opens after the threshold of consecutive exhausted events, not before', () => {
    const { breaker, clock } = breakerAt();
    exhaust(breaker, 2);
    expect(breaker.view()).toMatchObject({ state: 'closed', openUntil: null, consecutiveFailures: 2 });
    exhaust(breaker, 1);
    expect(breaker.view()).toMatchObject({ state: 'open', openUntil: clock.t + 100, consecutiveFailures: 3 });
    expect(breaker.admit()).toBe('skip');
  });

  it('a success in between resets the count', () => {
    const { breaker } = breakerAt();
    exhaust(breaker, 2);
    breaker.admit();
    breaker.recordSuccess(false);
    exhaust(breaker, 2);
    expect(breaker.state).toBe('closed');
    expect(breaker.view().consecutiveFailures).toBe(2);
  });

  it('neutral outcomes (4xx, 3xx, blocked) neither count nor reset', () => {
    const { breaker } = breakerAt();
    exhaust(breaker, 2);
    breaker.admit();
    breaker.recordNeutral(false);
    expect(breaker.view().consecutiveFailures).toBe(2);
    exhaust(breaker, 1);
    expect(breaker.state).toBe('open');
  });

  it('is half-open from the end of the cool-down; a successful probe closes it', () => {
    const { breaker, clock } = breakerAt();
    exhaust(breaker, 3);
    clock.t += 100;
    expect(breaker.view()).toMatchObject({ state: 'half-open', openUntil: null, consecutiveFailures: 3 });
    expect(breaker.admit()).toBe('probe');
    expect(breaker.state).toBe('half-open');
    // Only one probe at a time: another worker must wait for its outcome.
    expect(breaker.admit()).toBe('wait');
    breaker.recordSuccess(true);
    expect(breaker.view()).toMatchObject({ state: 'closed', openUntil: null, consecutiveFailures: 0 });
    expect(breaker.admit()).toBe('send');
  });

  it('a failed probe reopens it for another cool-down', () => {
    const { breaker, clock } = breakerAt();
    exhaust(breaker, 3);
    clock.t += 150;
    expect(breaker.admit()).toBe('probe');
    breaker.recordExhausted(true);
    expect(breaker.view()).toMatchObject({ state: 'open', openUntil: clock.t + 100, consecutiveFailures: 4 });
    expect(breaker.admit()).toBe('skip');
  });

  it('a neutral probe leaves it half-open and the next event probes again', () => {
    const { breaker, clock } = breakerAt();
    exhaust(breaker, 3);
    clock.t += 100;
    expect(breaker.admit()).toBe('probe');
    breaker.recordNeutral(true);
    expect(breaker.state).toBe('half-open');
    expect(breaker.admit()).toBe('probe');
    breaker.recordExhausted(true);
    expect(breaker.state).toBe('open');
  });

  it('a late success of an event sent before it opened does not close it', () => {
    const { breaker } = breakerAt();
    exhaust(breaker, 3);
    breaker.recordSuccess(false);
    expect(breaker.state).toBe('open');
    expect(breaker.view().consecutiveFailures).toBe(0);
  });
});
