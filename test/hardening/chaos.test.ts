// Chaos run: the full core for CHAOS_SECONDS (default 60) — a fake daemon on a real Unix socket →
// the controller (real ingest, daemon link, dispatcher, egress guard) → a receiver that flaps,
// hangs, resets mid-answer and mixes 2xx/3xx/4xx/5xx — while the daemon is killed and restarted,
// events and garbage are also posted straight to the ingest, and delivery is paused now and then.
// At the end, after close: every event is accounted for exactly, the log agrees with the counters,
// whatever the log calls delivered really got a 2xx, every event the daemon got a 2xx for is in
// the log, nothing was unhandled, and memory is back where it was after warm-up.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createController, type Controller } from '../../src/main/core/controller';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { unaccounted, type DeliveryRecord, type Stats } from '../../src/shared/delivery';
import { rawRequest } from '../fixtures/chaos-http';
import { heapAfterGc, MiB, watchProcessFaults } from '../fixtures/chaos-process';
import { seededRandom, startChaosReceiver, type ChaosReceiver, type Weights } from '../fixtures/chaos-receiver';
import { watchOutgoingConnections } from '../fixtures/connection-tripwire';
import { startFakeDaemon, type FakeDaemon, type PostedEvent } from '../fixtures/fake-daemon';
import { waitUntil } from '../fixtures/receiver';

const SECONDS = Number(process.env.CHAOS_SECONDS ?? 60);
const SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 2 ** 31);
/** CHAOS_DURABLE=1: run over the durable outbox (history in the data folder) instead of the in-memory log. */
const DURABLE = process.env.CHAOS_DURABLE === '1';
/** Time for everything started to come up before the heap baseline is taken. */
const WARM_UP_MS = 5000;
/** How much heap (after GC) may remain above the warm-up baseline once everything is closed. */
const HEAP_SLACK_BYTES = 8 * MiB;
/** The log keeps this many records; the rates below keep a run's records under it, so the log can be compared whole. */
const RECORD_BUDGET = 4000;

/** Mostly healthy; a chaotic stretch now and then opens the breaker. */
const CALM: Weights = { 'ok-200': 70, 'ok-204': 10, 'slow-200': 8, 'server-503': 4, 'client-400': 2, 'redirect-302': 1, 'reset-mid-body': 2, hang: 1 };
const STORM: Weights = {
  'ok-200': 10,
  'server-500': 15,
  'server-503': 10,
  'throttle-429': 5,
  'client-400': 5,
  'client-410': 3,
  'redirect-302': 4,
  hang: 12,
  'reset-before-headers': 12,
  'reset-mid-body': 12,
  'slow-200': 12,
};
const TOPICS = ['conn.established', 'message.received', 'tunnel.rx_silence', 'handshake.pending', 'trust.changed', 'policy.custom'];

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Records per outcome, mapped onto the Stats counters they are counted under. */
function countsFromLog(records: DeliveryRecord[]): Omit<Stats, 'resumed' | 'retrying'> {
  const n: Omit<Stats, 'resumed' | 'retrying'> = { received: 0, delivered: 0, failed: 0, dropped: 0, circuitSkips: 0, abandoned: 0, unsent: 0, filtered: 0, queued: 0, rejected: 0, resent: 0 };
  for (const r of records) {
    // Test events are outside every count.
    if (r.source === 'test') continue;
    if (r.source === 'resend') n.resent++;
    if (r.outcome === 'rejected') {
      n.rejected++;
      continue;
    }
    n.received++;
    if (r.outcome === 'delivered') n.delivered++;
    else if (r.outcome === 'failed' || r.outcome === 'client_error' || r.outcome === 'redirect') n.failed++;
    else if (r.outcome === 'dropped') n.dropped++;
    else if (r.outcome === 'circuit_skipped') n.circuitSkips++;
    else if (r.outcome === 'abandoned') n.abandoned++;
    else if (r.outcome === 'no_url') n.unsent++;
    else if (r.outcome === 'filtered') n.filtered++;
    else if (r.outcome === 'queued') n.queued++;
  }
  return n;
}

const dir = mkdtempSync(join(tmpdir(), 'pwd-chaos-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('chaos run', () => {
  it(`loses nothing over ${SECONDS} s of a flapping receiver and a dying daemon (seed ${SEED})`, { timeout: (SECONDS + 90) * 1000 }, async () => {
    const random = seededRandom(SEED);
    const between = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo));
    const faults = watchProcessFaults();
    const tripwire = watchOutgoingConnections();
    const injected: Record<string, number> = {};
    const inject = (kind: string): void => void (injected[kind] = (injected[kind] ?? 0) + 1);
    const socketPath = join(dir, 'pilot.sock');
    const home = join(dir, 'home');

    const receiver: ChaosReceiver = await startChaosReceiver(random, CALM);
    const daemonPosts: PostedEvent[][] = [];
    let daemon: FakeDaemon | null = await startFakeDaemon({ socketPath, home, retryBackoffMs: 20, pushEveryMs: 50 });
    daemonPosts.push(daemon.posted);
    const opened = openConfStore(join(dir, 'data'));
    const settings = new SettingsService(opened.kv, opened.warnings);
    settings.update({ daemonUrlImported: true });
    let controller: Controller | null = await createController({
      settings,
      runOverrides: { url: receiver.url, timeoutMs: 300, retryBackoffMs: 20, circuitCooldownMs: 500, queueSize: 64, concurrency: 2 },
      daemon: { enabled: true, socketPath, healthIntervalMs: 100, reconnectMaxMs: 300 },
      pushIntervalMs: 50,
      ...(DURABLE ? { dataDir: join(dir, 'data') } : {}),
    });
    // Let go of at the end (with `controller`), so the heap check sees what the core left behind.
    let c: Controller | null = controller;
    const controllerRef = new WeakRef(controller);
    let pushes = 0;
    const unsubscribe = c!.subscribe('records', () => void pushes++);
    await waitUntil(() => c!.getState().daemon.connected, 'daemon linked');

    let peakRss = 0;
    let peakHeap = 0;
    const sampler = setInterval(() => {
      const m = process.memoryUsage();
      peakRss = Math.max(peakRss, m.rss);
      peakHeap = Math.max(peakHeap, m.heapUsed);
    }, 250);

    const runMs = SECONDS * 1000;
    const emitEveryMs = Math.max(25, Math.ceil(runMs / (RECORD_BUDGET * 0.6)));
    const injectEveryMs = Math.max(80, Math.ceil(runMs / (RECORD_BUDGET * 0.2)));
    let running = true;
    const started = Date.now();
    let heapWarm = 0;

    // The daemon's own events, as fast as the budget allows.
    const emitter = (async () => {
      let n = 0;
      while (running) {
        if (daemon) daemon.emit(TOPICS[n % TOPICS.length]!, { n: n++, peer: '0:0000.0000.0002' });
        await sleep(emitEveryMs);
      }
    })();

    // Straight to the ingest: valid events and garbage.
    let ingestOk = 0;
    let ingestRefused = 0;
    const injector = (async () => {
      while (running) {
        const garbage = random() < 0.3;
        const body = garbage
          ? [Buffer.from([0xff, 0xfe, 0x00]), '{"event":', '[]', '{"event":""}', '{"event":"x","node_id":-1}'][between(0, 5)]!
          : JSON.stringify({ event: 'direct.inject', node_id: 9, data: { at: Date.now() } });
        if (garbage) inject('ingest-garbage');
        const res = await rawRequest(c!.ingestUrl, { body, headers: { 'content-type': 'application/json' } }).catch(() => null);
        if (res?.status === 204) ingestOk++;
        else if (res && res.status >= 400 && res.status < 500) ingestRefused++;
        else throw new Error(`ingest answered ${res?.status ?? 'nothing'}: ${res?.body ?? ''}`);
        await sleep(injectEveryMs);
      }
    })();

    // The receiver: flaps, and switches between calm and storm.
    const flapper = (async () => {
      while (running) {
        await sleep(between(800, 3000));
        if (!running) break;
        const r = random();
        if (r < 0.4) {
          await receiver.down();
          await sleep(between(150, 1500));
          await receiver.up();
        } else if (r < 0.7) {
          inject('receiver-storm');
          receiver.setWeights(STORM);
          await sleep(between(500, 2500));
          receiver.setWeights(CALM);
        } else if (r < 0.85) {
          inject('pause');
          await c!.handlers.pause(undefined);
          // Long enough, at times, for the queue to overflow into drops.
          await sleep(between(100, 3000));
          await c!.handlers.resume(undefined);
        }
      }
    })();

    // The daemon: killed and started again on the same socket.
    const killer = (async () => {
      while (running) {
        await sleep(between(4000, 9000));
        if (!running) break;
        inject('daemon-kill');
        const d = daemon!;
        daemon = null;
        await d.stop();
        await sleep(between(200, 1500));
        daemon = await startFakeDaemon({ socketPath, home, retryBackoffMs: 20, pushEveryMs: 50 });
        daemonPosts.push(daemon.posted);
      }
    })();

    await sleep(WARM_UP_MS);
    heapWarm = await heapAfterGc();
    while (Date.now() - started < runMs) await sleep(100);
    running = false;
    await Promise.all([emitter, injector, flapper, killer]);

    // Wind down: receiver up and healthy, the last daemon's queue posted, the app's queue drained.
    await receiver.up();
    receiver.setWeights({ 'ok-200': 1 });
    await daemon!.drain();
    await waitUntil(() => c!.getState().stats.queued === 0, 'app queue drained', 20_000).catch(() => {
      // Whatever is still queued is abandoned by close() below and must be counted there.
    });
    // The durable history closes with the controller, so its records are read just before; with the
    // queue drained, close() has nothing left to change (checked below against the final counts).
    const recordsBeforeClose = DURABLE ? (await c!.handlers.getLog({ limit: 100_000 })).records : null;
    const statsBeforeClose = c!.getState().stats;
    await controller.close();
    const stats = c!.getState().stats;
    const records = recordsBeforeClose ?? (await c!.handlers.getLog({ limit: 100_000 })).records;
    if (DURABLE) expect(stats).toEqual(statsBeforeClose);
    unsubscribe();
    await daemon!.stop();
    await receiver.close();
    clearInterval(sampler);
    controller = null;
    c = null;
    daemon = null;
    const fromLog = countsFromLog(records);
    const daemonSent = daemonPosts.flat();
    const daemonLives = daemonPosts.length;
    const daemon2xx = daemonSent.filter((p) => p.status !== null && p.status < 300).length;
    const daemonUnknown = daemonSent.filter((p) => p.status === null).length;
    const fromDaemonOrIngest = records.filter((r) => r.source === 'daemon' && r.outcome !== 'rejected').length;
    const deliveredIds = records.filter((r) => r.outcome === 'delivered').map((r) => r.id);
    const notReallyDelivered = deliveredIds.filter((id) => !receiver.okEventIds.has(id));
    const allFaults = { ...receiver.faults, ...injected };
    const faultTotal = Object.entries(allFaults)
      .filter(([k]) => !k.startsWith('ok-'))
      .reduce((a, [, v]) => a + v, 0);

    // Only numbers are kept from here on: the records themselves must not count as heap at the end.
    const recordCount = records.length;
    records.length = 0;
    daemonPosts.length = 0;
    const heapEnd = await heapAfterGc();
    const controllerCollected = controllerRef.deref() === undefined;
    tripwire.dispose();
    faults.dispose();

    console.log(
      [
        `[hardening] chaos run: ${SECONDS} s, seed ${SEED}, ${DURABLE ? 'durable outbox' : 'in-memory log'}`,
        `  faults injected (${faultTotal}): ${JSON.stringify(allFaults)}`,
        `  events: ${JSON.stringify(stats)}`,
        `  unaccounted: ${unaccounted(stats)}`,
        `  daemon → app: ${daemonSent.length} POSTs by ${daemonLives} daemon lives (${daemon2xx} answered 2xx, ${daemonUnknown} cut off); direct to ingest: ${ingestOk} accepted, ${ingestRefused} refused`,
        `  log: ${recordCount} records, ${JSON.stringify(fromLog)}; record pushes: ${pushes}`,
        `  memory: controller collected after close: ${controllerCollected}; heap after warm-up ${(heapWarm / MiB).toFixed(1)} MiB, at end ${(heapEnd / MiB).toFixed(1)} MiB, peak heap ${(peakHeap / MiB).toFixed(1)} MiB, peak RSS ${(peakRss / MiB).toFixed(1)} MiB`,
      ].join('\n'),
    );

    // Exactly accounted, and settled: after close nothing is left queued.
    expect(unaccounted(stats)).toBe(0);
    expect(stats.queued).toBe(0);
    expect(stats.received).toBeGreaterThan(SECONDS * 10);
    // The log says the same as the counters, outcome for outcome.
    expect(recordCount).toBeLessThan(5000);
    const { resumed: _resumed, retrying: _retrying, ...counters } = stats;
    expect(fromLog).toEqual(counters);
    // Delivered means a receiver answered 2xx for that very event.
    expect(notReallyDelivered).toEqual([]);
    // The daemon → app hop: every POST the daemon saw a 2xx for is a record; the only extras are
    // POSTs cut off by a daemon kill after the app had accepted them.
    expect(fromDaemonOrIngest).toBeGreaterThanOrEqual(daemon2xx + ingestOk);
    expect(fromDaemonOrIngest).toBeLessThanOrEqual(daemon2xx + ingestOk + daemonUnknown);
    expect(stats.rejected).toBe(ingestRefused);
    // Chaos really happened.
    expect(injected['daemon-kill'] ?? 0).toBeGreaterThanOrEqual(Math.min(3, Math.floor(SECONDS / 12)));
    expect(receiver.faults.down ?? 0).toBeGreaterThan(0);
    expect(stats.delivered).toBeGreaterThan(0);
    expect(stats.failed + stats.circuitSkips).toBeGreaterThan(0);
    expect(daemonLives).toBeGreaterThan(1);
    // Nothing unhandled, nothing off loopback, memory back to the warm-up level.
    expect(faults.unhandledRejections).toEqual([]);
    expect(faults.uncaughtExceptions).toEqual([]);
    expect(tripwire.offLoopback).toEqual([]);
    expect(heapEnd - heapWarm).toBeLessThan(HEAP_SLACK_BYTES);
    // Closed and let go of, the controller is garbage: nothing (timer, socket, listener) holds it.
    expect(controllerCollected).toBe(true);
  });
});
