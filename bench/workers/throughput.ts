// Throughput worker: times N events delivered one way to the receiver and reports events/s.
//   --mode dispatcher  the app's Dispatcher (--concurrency 1 = the reference: one in flight, in order)
//   --mode undici      a bare undici request() loop, keep-alive Agent: the limit (--concurrency 1:
//                      one at a time; N: N loops at once, the limit for the parallel run)
//   --mode dispatch    the same loop on undici's lower-level dispatch() with a minimal handler (no
//                      response stream, no abort signal, no timeout): the floor of any Node sender
//                      on undici, since the dispatcher itself sends through dispatch()
// All build each event's JSON body and send the same headers. A warm-up (not timed) runs first
// so the JIT and the keep-alive connection are in place. The dispatcher runs the app's own
// start-up warm-up before that (`--app-warm-up 0`: not, a cold process). Exit 1 on any lost or
// failed event.

import { Agent, request } from 'undici';
import { toOutgoingBody } from '../../src/shared/events';
import { unaccounted } from '../../src/shared/delivery';
import { USER_AGENT } from '../../src/main/core/delivery/delivery-client';
import { startWarmUp } from '../../src/main/core/delivery/delivery-warm-up';
import { tuneTiering } from '../../src/main/core/v8-tiering';
import { appDispatcher, fail, flags, report, sampleEvent } from './common';

/** Events in the dispatcher at most (waiting + in flight): below its 1024 queue, so none is dropped. */
const HIGH_WATER = 1000;
/** Refill once this few are left: the queue never runs dry while the feeder waits its turn. */
const LOW_WATER = 512;

const f = flags(process.argv.slice(2));
const mode = f.str('mode');
const url = f.str('url');
const n = f.num('n', 50_000);
const warmup = f.num('warmup', 1000);
const concurrency = f.num('concurrency', 1);
/** 1: the app's start-up (V8's thresholds, then the warm-up) first, as the hosts do; 0: a cold process. */
const appWarmUp = f.num('app-warm-up', 1) === 1;

async function viaDispatcher(): Promise<void> {
  // As the hosts start: V8's thresholds for this process, then the warm-up.
  if (appWarmUp) tuneTiering();
  const warmed = appWarmUp ? await startWarmUp().done : null;
  const { d, log, close } = appDispatcher(url, { concurrency });
  let submitted = 0;
  let settled = 0;
  let target = 0;
  let feeding = false;
  let phaseDone: () => void = () => {};
  let cpu0 = process.cpuUsage();

  const feed = (): void => {
    feeding = false;
    while (submitted < target && submitted - settled < HIGH_WATER) d.submit(sampleEvent(++submitted), 'daemon');
  };
  log.onRecord((rec) => {
    if (rec.outcome === 'queued') return;
    settled++;
    if (settled === target) phaseDone();
    else if (!feeding && submitted < target && submitted - settled <= LOW_WATER) {
      feeding = true;
      setImmediate(feed);
    }
  });
  const phase = (count: number): Promise<number> =>
    new Promise((resolve) => {
      // No event, no record to wait for (`--warmup 0`).
      if (count === 0) return resolve(0);
      const t0 = performance.now();
      target += count;
      cpu0 = process.cpuUsage();
      phaseDone = () => resolve(performance.now() - t0);
      feed();
    });

  await phase(warmup);
  const ms = await phase(n);
  const cpuUsPerEvent = cpuPerEvent(cpu0, n);
  const stats = d.stats();
  await close();
  if (stats.delivered !== warmup + n || unaccounted(stats) !== 0) {
    fail(`dispatcher accounting: ${JSON.stringify(stats)}, unaccounted ${unaccounted(stats)}`);
  }
  report({ mode, concurrency, appWarmUp: warmed, events: n, ms, eventsPerSec: (n / ms) * 1000, cpuUsPerEvent, stats });
}

/** User+system CPU of this process since `from`, per event, in µs (what a loaded machine disturbs least). */
function cpuPerEvent(from: NodeJS.CpuUsage, events: number): number {
  const d = process.cpuUsage(from);
  return (d.user + d.system) / events;
}

/** What the dispatcher sends without a secret, so the bare loops carry the same headers. */
function sentHeaders(i: number): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': USER_AGENT,
    'webhook-id': `msg_bench_${i}`,
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
  };
}

async function viaUndici(): Promise<void> {
  const agent = new Agent();
  let i = 0;
  const one = async (): Promise<void> => {
    i++;
    const body = JSON.stringify(toOutgoingBody(i, sampleEvent(i)));
    const res = await request(url, {
      method: 'POST',
      headers: sentHeaders(i),
      body,
      dispatcher: agent,
    });
    await res.body.dump();
    if (res.statusCode !== 200) fail(`undici loop: HTTP ${res.statusCode}`);
  };
  // `concurrency` loops share the count, so exactly `count` requests are made.
  const run = async (count: number): Promise<void> => {
    let left = count;
    const loop = async (): Promise<void> => {
      while (left > 0) {
        left--;
        await one();
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
  };
  await run(warmup);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await run(n);
  const ms = performance.now() - t0;
  const cpuUsPerEvent = cpuPerEvent(cpu0, n);
  await agent.close();
  report({ mode, concurrency, events: n, ms, eventsPerSec: (n / ms) * 1000, cpuUsPerEvent });
}

async function viaDispatch(): Promise<void> {
  const agent = new Agent();
  const { origin, pathname } = new URL(url);
  let i = 0;
  const one = (): Promise<void> =>
    new Promise((resolve, reject) => {
      i++;
      const body = JSON.stringify(toOutgoingBody(i, sampleEvent(i)));
      let status = 0;
      agent.dispatch(
        {
          origin,
          path: pathname,
          method: 'POST',
          headers: sentHeaders(i),
          body,
        },
        {
          // undici tells its handler styles apart by this method: without it, the legacy one.
          onRequestStart: () => {},
          onResponseStart: (_c, statusCode) => {
            status = statusCode;
          },
          onResponseEnd: () => (status === 200 ? resolve() : reject(new Error(`dispatch loop: HTTP ${status}`))),
          onResponseError: (_c, err) => reject(err),
        },
      );
    });
  // As the dispatcher does: let undici hand the connection back to its pool before the next one.
  const turn = (): Promise<void> => new Promise((r) => setImmediate(r));
  for (let k = 0; k < warmup; k++) await one().then(turn);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  for (let k = 0; k < n; k++) await one().then(turn);
  const ms = performance.now() - t0;
  const cpuUsPerEvent = cpuPerEvent(cpu0, n);
  await agent.close();
  report({ mode, events: n, ms, eventsPerSec: (n / ms) * 1000, cpuUsPerEvent });
}

if (mode === 'dispatcher') await viaDispatcher();
else if (mode === 'undici') await viaUndici();
else if (mode === 'dispatch') await viaDispatch();
else fail(`unknown --mode ${mode}`);
