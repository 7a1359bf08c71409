// The delivery path's warm-up at start. A fresh process delivers its first few thousand events at
// about half its steady speed: V8 interprets the path (dispatcher, client, sender, undici, the
// log) until each function has run often enough to be optimised, which takes some 5,000-10,000
// events (bench/README.md, "a warm-up"). A daemon burst right after start would meet that cold path
// and the daemon's queue would overflow sooner. So once the app is up and idle it delivers
// synthetic events, through the same Dispatcher code, to a sink of its own on loopback, and then
// throws everything away: no record, counter or connection of the warm-up outlives it.
//
// Two things make what it teaches the engine carry over to the real events (bench/README.md, the
// dispatcher's third pass, measured with `--trace-deopt`):
// - its events are made as the ingest makes them (a daemon body through JSON.parse and
//   checkEventBody), so they and their records have the hidden classes real events have. Object
//   literals have other ones, and every function optimised for those deoptimised ("wrong map")
//   at the first real events;
// - it runs in rounds, each with its own sink, pool, log and dispatcher, closed at the round's end.
//   The first close changes fields that had never changed (the dispatcher's `closing`, the pool's
//   and sockets' state), and V8 throws away the ~100 optimised functions that assumed they never
//   would; without a later round, that happened just before the first real events, which then
//   ran half-deoptimised for 1,000-2,000 events. The later rounds re-optimise the path with those
//   assumptions already given up, and their closes invalidate (nearly) nothing.
//
// It stops early when the app gets its first real event (the real events warm the path then, and
// must not share the thread with synthetic ones) or when the app closes.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkEventBody, type AcceptedEvent } from '../../../shared/events';
import { Dispatcher } from './dispatcher';
import { DeliveryLog } from './delivery-log';
import { createEgressAgent } from '../egress-guard';
import { UrlPolicy } from '../url-policy';

/**
 * Synthetic events delivered. Measured with the bench's throughput worker: CPU per event falls from
 * ~4x its steady cost in the first thousand events to ~1.5x after 4,000 and about 1x after 8,000.
 * Cost, once, at start, in the headless host (`/proc`, load ~3): 0.75-0.81 s of CPU in 3 rounds
 * (0.63-0.72 s in one), RSS 108 -> 161 MB (the same in one round); 1.4-1.7 s of CPU at load ~10.
 */
export const WARM_UP_EVENTS = 5000;
/**
 * Rounds the events are split into, each with its own sink, pool, log and dispatcher (see the top
 * of this file). Curve worker, CPU µs per event of the first two slices of 250 events after the
 * warm-up (medians of 6 alternated runs; 35-45 once steady): 1 round 196 and 125, 2 rounds 78 and
 * 64, 3 rounds 63 and 56, 4 rounds 60 and 67.
 */
export const WARM_UP_ROUNDS = 3;
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

/**
 * A message.received event like the daemon's most frequent one (about 200 bytes of JSON), made as
 * the ingest makes an event from the daemon's POST: its body through JSON.parse and checkEventBody,
 * so the objects have the hidden classes of real events (an object literal's differ).
 */
function syntheticEvent(i: number): AcceptedEvent {
  const body = `{"event_id":${i},"event":"message.received","node_id":0,"timestamp":"${new Date().toISOString()}","data":{"from":"0:0000.0000.0000","message_id":"warm-up-${i}","size":128,"type":"TEXT"}}`;
  const check = checkEventBody(JSON.parse(body));
  if (!check.ok) throw new Error(`warm-up event refused: ${check.message}`);
  return check.event;
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

/** Starts the warm-up now; `events` and `rounds` are for tests and the benchmark (defaults WARM_UP_EVENTS, WARM_UP_ROUNDS). */
export function startWarmUp(events = WARM_UP_EVENTS, rounds = WARM_UP_ROUNDS): WarmUp {
  let stoppedBy: WarmUpResult['stoppedBy'] = null;
  let wake: () => void = () => {};
  let delivered = 0;
  const t0 = performance.now();

  /** One round: `count` events through a sink, pool, log and dispatcher of its own, all closed at its end. */
  const round = async (count: number): Promise<void> => {
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
      while (stoppedBy === null && submitted < count) {
        const batchEnd = Math.min(count, submitted + WARM_UP_BATCH);
        const drained = new Promise<void>((r) => (wake = r));
        while (submitted < batchEnd) d.submit(syntheticEvent(delivered + ++submitted), 'daemon');
        await drained;
      }
    } finally {
      delivered += d.stats().delivered;
      unsub();
      await d.close();
      await agent.close();
      sink.closeAllConnections();
      await new Promise((r) => sink.close(r));
    }
  };

  const run = async (): Promise<WarmUpResult> => {
    const n = Math.max(1, Math.min(rounds, events));
    for (let r = 0; r < n && stoppedBy === null; r++) {
      // The events split as evenly as they go: the first rounds get the remainder.
      await round(Math.floor(events / n) + (r < events % n ? 1 : 0));
    }
    return { delivered, stoppedBy, ms: performance.now() - t0 };
  };

  const done = run();
  return {
    stop: (reason) => {
      if (stoppedBy !== null) return;
      stoppedBy = reason;
      // The batch in flight still ends (its events are on loopback, a few ms); none is started,
      // nor any later round.
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
