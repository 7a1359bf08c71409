// The delivery path's warm-up at start. A fresh process delivers its first few thousand events at
// about half its steady speed: V8 interprets the path (dispatcher, client, sender, undici, the
// log) until each function has run often enough to be optimised, which takes some 5,000-10,000
// events (bench/README.md, "a warm-up"). A daemon burst right after start would meet that cold path
// and the daemon's queue would overflow sooner. So once the app is up and idle it delivers
// synthetic events, through the same Dispatcher code, to a sink of its own on loopback, and then
// throws everything away: no record, counter or connection of the warm-up outlives it.
//
// It stops early when the app gets its first real event (the real events warm the path then, and
// must not share the thread with synthetic ones) or when the app closes.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AcceptedEvent } from '../../../shared/events';
import { Dispatcher } from './dispatcher';
import { DeliveryLog } from './delivery-log';
import { createEgressAgent } from '../egress-guard';
import { UrlPolicy } from '../url-policy';

/**
 * Synthetic events delivered. Measured with the bench's throughput worker: CPU per event falls from
 * ~4x its steady cost in the first thousand events to ~1.5x after 4,000 and about 1x after 8,000;
 * 5,000 cost 1.4-1.7 s of CPU once, at start, in the headless host on this loaded 2-core machine.
 */
export const WARM_UP_EVENTS = 5000;
/** How long after start the hosts begin it: start-up, the window's first paint and the daemon link come first. */
export const WARM_UP_DELAY_MS = 2000;
/** Records the warm-up's log keeps (it is read by nobody). */
const WARM_UP_LOG_CAPACITY = 100;
/** Events in the warm-up dispatcher at once: below its 1,024 queue, so none is dropped. */
const WARM_UP_BATCH = 500;

export interface WarmUpResult {
  /** synthetic events delivered before the warm-up ended */
  delivered: number;
  /** why it ended before WARM_UP_EVENTS, if it did */
  stoppedBy: 'event' | 'close' | null;
  ms: number;
}

export interface WarmUp {
  /** ends the warm-up early (a real event came, or the app closes); idempotent */
  stop(reason: 'event' | 'close'): void;
  /** settles once the sink is closed and the dispatcher and its pool are gone */
  readonly done: Promise<WarmUpResult>;
}

/** A message.received event like the daemon's most frequent one, about 200 bytes of JSON. */
function syntheticEvent(i: number): AcceptedEvent {
  return {
    event: 'message.received',
    node_id: 0,
    timestamp: new Date().toISOString(),
    data: { from: '0:0000.0000.0000', message_id: `warm-up-${i}`, size: 128, type: 'TEXT' },
  };
}

function listenOnLoopback(): Promise<Server> {
  const sink = createServer((req, res) => {
    req.resume();
    req.once('end', () => res.writeHead(200, { 'content-length': '0' }).end());
  });
  return new Promise((resolve, reject) => {
    sink.once('error', reject);
    sink.listen(0, '127.0.0.1', () => resolve(sink));
  });
}

/** How a warm-up ended: its result, or why it could not run (the app works the same, only cold). */
export type WarmUpOutcome = WarmUpResult | { error: string };

/**
 * Starts the warm-up after `delayMs`, so the app's start-up, the window's first paint and the
 * daemon link go first. A stop before then cancels it.
 */
export function scheduleWarmUp(delayMs: number, events = WARM_UP_EVENTS): { stop: WarmUp['stop']; readonly done: Promise<WarmUpOutcome> } {
  let running: WarmUp | null = null;
  let cancel: (reason: 'event' | 'close') => void = () => {};
  const done = new Promise<WarmUpResult>((resolve) => {
    const timer = setTimeout(() => {
      running = startWarmUp(events);
      resolve(running.done);
    }, delayMs);
    timer.unref();
    cancel = (reason) => {
      clearTimeout(timer);
      resolve({ delivered: 0, stoppedBy: reason, ms: 0 });
    };
  });
  return {
    // Before the timer fired, a stop cancels it (a second one settles nothing more).
    stop: (reason) => (running ? running.stop(reason) : cancel(reason)),
    done: done.catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) })),
  };
}

/** Starts the warm-up now; `events` is for tests and the benchmark (default WARM_UP_EVENTS). */
export function startWarmUp(events = WARM_UP_EVENTS): WarmUp {
  let stoppedBy: WarmUpResult['stoppedBy'] = null;
  let wake: () => void = () => {};
  const t0 = performance.now();

  const run = async (): Promise<WarmUpResult> => {
    const sink = await listenOnLoopback();
    const url = `http://127.0.0.1:${(sink.address() as AddressInfo).port}/warm-up`;
    // The app's kind of pool and log, so the same code paths warm up. The log is small (its
    // records die young) but still evicts, as the app's does. The process is some 50-60 MB bigger
    // afterwards (RSS 93 -> 150 MB in the headless host), but so it is after its first hundred
    // real deliveries without a warm-up: loading undici, its parser's wasm, the compiled code.
    // Its own policy (the sink is on loopback, which strict mode refuses): the app's per-event
    // check, kept verdict included, as the controller wires it.
    const policy = new UrlPolicy({ strict: false });
    const agent = createEgressAgent({ strict: policy.strict, ownPorts: policy.ownPorts });
    const log = new DeliveryLog({ capacity: WARM_UP_LOG_CAPACITY });
    const d = new Dispatcher({ url, agent, checkUrl: policy.check }, log);
    let submitted = 0;
    let settled = 0;
    const unsub = log.onRecord((rec) => {
      if (rec.outcome === 'queued') return;
      settled++;
      if (settled === submitted) wake();
    });
    try {
      while (stoppedBy === null && submitted < events) {
        const batchEnd = Math.min(events, submitted + WARM_UP_BATCH);
        const drained = new Promise<void>((r) => (wake = r));
        while (submitted < batchEnd) d.submit(syntheticEvent(++submitted), 'daemon');
        await drained;
      }
      return { delivered: d.stats().delivered, stoppedBy, ms: performance.now() - t0 };
    } finally {
      unsub();
      await d.close();
      await agent.close();
      sink.closeAllConnections();
      await new Promise((r) => sink.close(r));
    }
  };

  const done = run();
  return {
    stop: (reason) => {
      if (stoppedBy !== null) return;
      stoppedBy = reason;
      // The batch in flight still ends (its events are on loopback, a few ms); none is started.
    },
    done,
  };
}

/** One line for the host's log saying how the warm-up went (null: there was none). */
export function describeWarmUp(outcome: WarmUpOutcome | null): string | null {
  if (outcome === null) return null;
  if ('error' in outcome) return `delivery warm-up could not run (${outcome.error}): the first events are delivered cold`;
  const why = outcome.stoppedBy === 'event' ? ', ended by the first event' : outcome.stoppedBy === 'close' ? ', ended by the close' : '';
  return `delivery warm-up: ${outcome.delivered} synthetic deliveries to an own loopback sink in ${Math.round(outcome.ms)} ms${why}`;
}
