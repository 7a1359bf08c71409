import { describe, expect, it } from 'vitest';
import { HopCounters } from '../../src/main/core/daemon/hop-counters';

const health = (dropped: number, skips: number) => ({ status: 'ok', webhook_queue_dropped: dropped, webhook_circuit_skips: skips });

describe('daemon hop counters', () => {
  it('sum the daemon counters across SetWebhook resets and daemon restarts', () => {
    const hop = new HopCounters();
    hop.observe(health(3, 1));
    hop.observe(health(5, 2));
    expect(hop.totals()).toEqual({ dropped: 5, circuitSkips: 2 });
    // Re-linked: our SetWebhook rebuilt the daemon's client, its counters start again at 0.
    hop.clientRebuilt();
    hop.observe(health(0, 0));
    hop.observe(health(4, 0));
    expect(hop.totals()).toEqual({ dropped: 9, circuitSkips: 2 });
    // A daemon restart we did not see as a SetWebhook still shows as a drop in the reading.
    hop.observe(health(1, 7));
    expect(hop.totals()).toEqual({ dropped: 10, circuitSkips: 9 });
  });

  it('ignore missing or malformed counters', () => {
    const hop = new HopCounters();
    hop.observe({ status: 'ok' });
    hop.observe({ webhook_queue_dropped: 'many', webhook_circuit_skips: -1 });
    expect(hop.totals()).toEqual({ dropped: 0, circuitSkips: 0 });
  });
});
