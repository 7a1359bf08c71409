// Latency worker: events submitted to the app's Dispatcher at a steady rate (default 1,000/s);
// for each delivered event, the time from enqueue (DeliveryRecord.receivedAt, taken first thing
// in submit()) to request start (attempts[0].startedAt, taken in sendAttempt() just before
// undici's request() is called). Both come from the dispatcher's `now` option, given here a
// sub-millisecond clock so a 2 ms target can be resolved. The first `--warmup-s` seconds are
// not counted (JIT, first connection).

import { unaccounted } from '../../src/shared/delivery';
import { appDispatcher, fail, flags, percentile, report, sampleEvent } from './common';

const f = flags(process.argv.slice(2));
const url = f.str('url');
const rate = f.num('rate', 1000);
const seconds = f.num('seconds', 10);
const warmupSeconds = f.num('warmup-s', 1);

const preciseNow = (): number => performance.timeOrigin + performance.now();
const { d, log, close } = appDispatcher(url, { now: preciseNow });

const total = Math.round(rate * (warmupSeconds + seconds));
const firstCounted = Math.round(rate * warmupSeconds) + 1;
const samples = new Float64Array(total);
/** each counted event's first attempt, start to answer: tells queueing apart from slow requests */
const roundTrips = new Float64Array(total);
let counted = 0;
let settled = 0;
log.onRecord((rec) => {
  if (rec.outcome === 'queued') return;
  settled++;
  const first = rec.attempts[0];
  if (rec.outcome === 'delivered' && first && rec.id >= firstCounted) {
    roundTrips[counted] = first.durationMs;
    samples[counted++] = first.startedAt - rec.receivedAt;
  }
});

// Event i is due at t0 + i/rate; each timer tick submits whatever is due, so the rate holds
// even when the timer fires late (then two events arrive together, as bursts really do).
const t0 = performance.now();
let submitted = 0;
await new Promise<void>((resolve) => {
  const tick = (): void => {
    const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
    while (submitted < due) d.submit(sampleEvent(++submitted), 'daemon');
    if (submitted < total) setTimeout(tick, 1);
    else resolve();
  };
  tick();
});
const elapsedS = (performance.now() - t0) / 1000;
while (settled < total) await new Promise((r) => setTimeout(r, 5));

const stats = d.stats();
await close();
// Drops are possible on a starved machine (delivery slower than 1,000/s for a while): reported,
// not an error. Losing track of an event is.
if (stats.received !== total || unaccounted(stats) !== 0 || stats.queued !== 0) fail(`latency accounting: ${JSON.stringify(stats)}`);
const sorted = samples.slice(0, counted).sort();
const trips = roundTrips.slice(0, counted).sort();
report({
  rate,
  achievedRate: total / elapsedS,
  events: counted,
  p50Ms: percentile(sorted, 50),
  p90Ms: percentile(sorted, 90),
  p99Ms: percentile(sorted, 99),
  maxMs: sorted[sorted.length - 1],
  dropped: stats.dropped,
  roundTripP50Ms: percentile(trips, 50),
  roundTripP99Ms: percentile(trips, 99),
  stats,
});
