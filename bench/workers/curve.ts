// Warm-up curve worker: a fresh process's dispatcher delivers `--slices` slices of `--size` events
// to the receiver, one in flight, and reports CPU µs per event and events/s of each slice: how the
// cost falls as the engine optimises the delivery path. `--warm N` runs the app's start-up warm-up
// with N events first (0: none; `--rounds R` in R rounds, default the app's), `--tune 1` sets the
// hosts' V8 thresholds before anything (TUNE_FLAGS="--flag=N ...": those instead). Not part of
// `npm run bench`; run by hand:
//   node .cache/bench/curve.js --url http://127.0.0.1:PORT/hook --slices 20 --size 1000 --warm 5000 --tune 1

import { startWarmUp, WARM_UP_ROUNDS } from '../../src/main/core/delivery/delivery-warm-up';
import { tuneTiering } from '../../src/main/core/v8-tiering';
import { appDispatcher, flags, report, sampleEvent } from './common';

/** Events in the dispatcher at most, below its 1,024 queue (as the throughput worker). */
const HIGH_WATER = 1000;

const f = flags(process.argv.slice(2));
const url = f.str('url');
const slices = f.num('slices', 20);
const size = f.num('size', 1000);
const warm = f.num('warm', 0);
// `--tune 1`: the hosts' V8 thresholds first (TUNE_FLAGS=...: other flags instead).
if (f.num('tune', 0) === 1) {
  if (process.env.TUNE_FLAGS) (await import('node:v8')).setFlagsFromString(process.env.TUNE_FLAGS);
  else tuneTiering();
}
/** `--order before`: the app's dispatcher is built before the warm-up runs, as in the hosts (default: after). */
const before = f.str('order', 'after') === 'before';
/** `--rounds N`: the warm-up in N rounds (default the app's, WARM_UP_ROUNDS). */
const rounds = f.num('rounds', WARM_UP_ROUNDS);
/** `--mark 1`: a line on stdout at each phase, to find the phases in `--trace-opt/--trace-deopt` output. */
const mark = f.num('mark', 0) === 1 ? (what: string): void => void process.stdout.write(`=== ${what}\n`) : (): void => {};

mark('warm-up');
const early = before ? appDispatcher(url) : null;
const warmUp = warm > 0 ? await startWarmUp(warm, rounds).done : null;
const { d, log, close } = early ?? appDispatcher(url);
let submitted = 0;
let settled = 0;
let target = 0;
let sliceDone: () => void = () => {};
const feed = (): void => {
  while (submitted < target && submitted - settled < HIGH_WATER) d.submit(sampleEvent(++submitted), 'daemon');
};
log.onRecord((rec) => {
  if (rec.outcome === 'queued') return;
  settled++;
  if (settled === target) sliceDone();
  else if (submitted < target && submitted - settled <= HIGH_WATER / 2) setImmediate(feed);
});

const cpuUsPerEvent: number[] = [];
const eventsPerSec: number[] = [];
for (let i = 0; i < slices; i++) {
  mark(`slice ${i}`);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await new Promise<void>((resolve) => {
    target += size;
    sliceDone = resolve;
    feed();
  });
  const cpu = process.cpuUsage(cpu0);
  cpuUsPerEvent.push(Math.round((cpu.user + cpu.system) / size));
  eventsPerSec.push(Math.round((size / (performance.now() - t0)) * 1000));
}
await close();
report({ warmUp, size, cpuUsPerEvent, eventsPerSec });
