// The delivery path's warm-up at start, on real loopback sockets: it delivers its synthetic events
// to its own sink (a fresh one per round) and leaves nothing behind (no listening socket, no
// connection, no record, no counter); the first real event ends it and is delivered as always; a
// close ends it; the hosts' log line says how it went.

import { describe, expect, it } from 'vitest';
import { describeWarmUp, scheduleWarmUp, startWarmUp, WARM_UP_EVENTS } from '../../src/main/core/delivery/delivery-warm-up';
import { unaccounted } from '../../src/shared/delivery';
import { useCoreController } from '../fixtures/core-controller';
import { startReceiver, waitUntil } from '../fixtures/receiver';

/** TCP servers and sockets this process holds: what the warm-up must give back. */
function tcpHandles(): number {
  return process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap' || r === 'TCPSocketWrap').length;
}

const core = useCoreController('warm');

describe('startWarmUp', () => {
  it('delivers its events to its own loopback sink and closes sink, pool and connections', async () => {
    const before = tcpHandles();
    const outcome = await startWarmUp(700).done;
    expect(outcome).toMatchObject({ delivered: 700, stoppedBy: null });
    expect(outcome.ms).toBeGreaterThan(0);
    // A closed socket leaves the list once its close callback ran; one left open never does.
    await waitUntil(() => tcpHandles() === before, 'the sink and its connections closed');
  });

  it.each([
    [10, 3],
    [2, 5],
    [7, 1],
  ])('%i events in %i round(s): all delivered, each round\'s sink and pool closed', async (events, rounds) => {
    const before = tcpHandles();
    expect(await startWarmUp(events, rounds).done).toMatchObject({ delivered: events, stoppedBy: null });
    await waitUntil(() => tcpHandles() === before, 'every round closed its sink and connections');
  });

  it('a stop before the first batch delivers nothing and still closes everything', async () => {
    const before = tcpHandles();
    const w = startWarmUp(100_000);
    w.stop('event');
    w.stop('close'); // a second stop changes nothing
    expect(await w.done).toMatchObject({ delivered: 0, stoppedBy: 'event' });
    await waitUntil(() => tcpHandles() === before, 'the sink closed');
  });
});

describe('scheduleWarmUp', () => {
  it('a stop before the delay cancels it: no sink is ever opened', async () => {
    const before = tcpHandles();
    const s = scheduleWarmUp(60_000, 10);
    s.stop('close');
    expect(await s.done).toEqual({ delivered: 0, stoppedBy: 'close', ms: 0 });
    expect(tcpHandles()).toBe(before);
  });

  it('runs once the delay is over', async () => {
    const s = scheduleWarmUp(0, 40);
    expect(await s.done).toMatchObject({ delivered: 40, stoppedBy: null });
  });
});

describe('the controller with a warm-up', () => {
  it('runs the whole warm-up when no event comes, and none of it reaches the log or the counters', async () => {
    const rx = await startReceiver();
    core.cleanup(() => rx.close());
    const c = await core.start({ runOverrides: { url: rx.url }, warmUpAfterMs: 0 });
    expect(await c.warmUp).toMatchObject({ delivered: WARM_UP_EVENTS, stoppedBy: null });
    const s = c.getState().stats;
    expect(s.received).toBe(0);
    expect(s.delivered).toBe(0);
    const log = await c.handlers.getLog({ limit: 10 });
    expect(log.records).toEqual([]);
    expect(rx.requests).toHaveLength(0);
  });

  it('the first real event ends it, and is delivered and counted as always', async () => {
    const rx = await startReceiver();
    core.cleanup(() => rx.close());
    const c = await core.start({ runOverrides: { url: rx.url }, warmUpAfterMs: 0 });
    c.accept({ event: 'message.received', node_id: 7, timestamp: new Date().toISOString(), data: { n: 1 } }, 'daemon');
    expect(await c.warmUp).toMatchObject({ stoppedBy: 'event' });
    await rx.waitForRequests(1);
    await waitUntil(() => c.getState().stats.delivered === 1);
    const s = c.getState().stats;
    expect(s.received).toBe(1);
    expect(unaccounted(s)).toBe(0);
    expect((await c.handlers.getLog({ limit: 10 })).records).toHaveLength(1);
  });

  it('a close before the delay cancels it', async () => {
    const c = await core.start({ warmUpAfterMs: 60_000 });
    await core.stop();
    expect(await c.warmUp).toEqual({ delivered: 0, stoppedBy: 'close', ms: 0 });
  });

  it('without warmUpAfterMs there is none', async () => {
    const c = await core.start();
    expect(await c.warmUp).toBeNull();
  });
});

describe('describeWarmUp', () => {
  it.each([
    [null, null],
    [{ delivered: 5000, stoppedBy: null, ms: 812.4 }, 'delivery warm-up: 5000 synthetic deliveries to an own loopback sink in 812 ms'],
    [{ delivered: 500, stoppedBy: 'event' as const, ms: 90 }, 'delivery warm-up: 500 synthetic deliveries to an own loopback sink in 90 ms, ended by the first event'],
    [{ error: 'listen EADDRNOTAVAIL' }, 'delivery warm-up could not run (listen EADDRNOTAVAIL): the first events are delivered cold'],
  ])('%j', (outcome, line) => {
    expect(describeWarmUp(outcome)).toBe(line);
  });
});
