import { describe, expect, it } from 'vitest';
import { describeRetryPlan } from '../../src/renderer/retry-plan';

describe('the retry plan sentence of the Setup panel', () => {
  it('names the schedule and the maximum age in durable mode', () => {
    const text = describeRetryPlan({ mode: 'durable', schedule: '10s,1m,5m', maxEventAge: '24h', suspended: false });
    expect(text).toContain('retries at 10s, 1m, 5m');
    expect(text).toContain('for up to 24h');
    expect(text).not.toContain('paused');
  });

  it('says when there are no later retries, and when attempts are paused', () => {
    const text = describeRetryPlan({ mode: 'durable', schedule: 'none', maxEventAge: '2h', suspended: true });
    expect(text).toContain('no later retries');
    expect(text).toContain('paused now');
  });

  it("describes reference mode as the plugin's skip-and-fail", () => {
    expect(describeRetryPlan({ mode: 'reference', schedule: 'none', maxEventAge: '24h', suspended: false })).toMatch(/^Reference mode .*skipped\.$/);
  });

  it('is empty before the state says anything', () => {
    expect(describeRetryPlan(undefined)).toBe('');
  });
});
