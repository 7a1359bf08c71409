// The warm-up curves side by side (issue 17, the dispatcher vs the Go stand-in): CPU µs per event
// of consecutive slices of events right after a process's start-up, for several builds or settings,
// run alternated (a, b, c, a, b, c, …) against one receiver so the machine's drift hits them alike.
// CPU per event is the figure load disturbs least (waiting for a core costs wall time, not CPU).
//
//   node bench/warm-up-curves.mjs dispatcher [--runs 6] [--size 250] [--slices 28] [LABEL=CURVE_JS[,ARG…] …]
//     the curve worker (bench/workers/curve.ts): the app's dispatcher after the start-up warm-up.
//     Without LABEL=…: this tree's worker (bundled now) with `--warm 5000 --tune 1`, as the hosts
//     start. ARGs are the worker's flags, comma-separated: `new=.cache/bench/curve.js,--warm,5000,--tune,1,--rounds,1`.
//     Prints per label the median of each slice and the mean over events 1,001-6,000 of each run:
//     the events the --quick throughput run times (after its 1,000 untimed ones).
//   node bench/warm-up-curves.mjs host [--runs 3] [--size 1000] [--slices 6] LABEL=HEADLESS_JS …
//     the headless host (`<build>/dist/main/headless.js`, outbox on) once its start-up warm-up has
//     ended: the Go stand-in (.cache/bench/go-standin) posts SIZE events serially into its ingest,
//     SLICES times; CPU of the whole host process per event (/proc, 10 ms ticks) for each slice.
//
// Waits while /work/.bench-quiet exists. Exits non-zero on a worker's failure.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { bundleForBench, OUT, RECEIVER, workerSource } from './lib/bundle.mjs';
import { runJson, startHost, startReceiver } from './lib/processes.mjs';

const [mode, ...rest] = process.argv.slice(2);
const opts = { runs: mode === 'host' ? 3 : 6, size: mode === 'host' ? 1000 : 250, slices: mode === 'host' ? 6 : 28 };
const labels = [];
for (let i = 0; i < rest.length; i++) {
  const m = /^--(runs|size|slices)$/.exec(rest[i]);
  if (m) opts[m[1]] = Number(rest[++i]);
  else labels.push(rest[i]);
}
if (mode !== 'dispatcher' && mode !== 'host') {
  process.stderr.write('usage: node bench/warm-up-curves.mjs dispatcher|host [--runs N] [--size N] [--slices N] [LABEL=PATH[,ARG…] …]\n');
  process.exit(2);
}
if (mode === 'host' && labels.length === 0) {
  process.stderr.write('host mode needs LABEL=<build>/dist/main/headless.js …\n');
  process.exit(2);
}
if (mode === 'dispatcher' && labels.length === 0) {
  await bundleForBench([workerSource('curve')]);
  labels.push(`this=${join(OUT, 'curve.js')},--warm,5000,--tune,1`);
}

const QUIET = '/work/.bench-quiet';
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const cpuUs = (pid) => {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime and stime (fields 14 and 15), in ticks of 10 ms.
  return (Number(f[11]) + Number(f[12])) * 10_000;
};

async function dispatcherCurve(receiverUrl, spec) {
  const [file, ...args] = spec.split(',');
  const r = await runJson(process.execPath, [file, '--url', receiverUrl, ...args, '--size', String(opts.size), '--slices', String(opts.slices)]);
  return { perSlice: r.cpuUsPerEvent, note: r.warmUp ? `warm-up ${Math.round(r.warmUp.ms)} ms` : 'no warm-up' };
}

async function hostCurve(receiverUrl, headless) {
  const host = await startHost(headless, { url: receiverUrl });
  try {
    const note = (await host.warmedUp(30_000)) ?? 'no warm-up line';
    const ingestUrl = (await host.state()).ingest.url;
    const perSlice = [];
    for (let i = 0; i < opts.slices; i++) {
      const c0 = cpuUs(host.pid);
      await runJson(join(OUT, 'go-standin'), ['-url', ingestUrl, '-n', String(opts.size), '-warmup', '0']);
      while ((await host.state()).stats.queued > 0) await new Promise((r) => setTimeout(r, 20));
      perSlice.push(Math.round((cpuUs(host.pid) - c0) / opts.size));
    }
    return { perSlice, note };
  } finally {
    await host.stop();
  }
}

if (mode === 'host' && !existsSync(join(OUT, 'go-standin'))) {
  process.stderr.write('needs .cache/bench/go-standin: run `npm run bench -- --quick --only hop` once\n');
  process.exit(2);
}
const receiver = await startReceiver(RECEIVER);
const results = new Map();
try {
  for (let run = 0; run < opts.runs; run++) {
    while (existsSync(QUIET)) await new Promise((r) => setTimeout(r, 15_000));
    for (const entry of labels) {
      const at = entry.indexOf('=');
      const label = entry.slice(0, at);
      const r = mode === 'host' ? await hostCurve(receiver.url, entry.slice(at + 1)) : await dispatcherCurve(receiver.url, entry.slice(at + 1));
      if (!results.has(label)) results.set(label, []);
      results.get(label).push(r.perSlice);
      process.stderr.write(`run ${run + 1} ${label}: ${r.perSlice.join(' ')} (${r.note})\n`);
    }
  }
} finally {
  await receiver.stop();
}
// The --quick throughput run times events 1,001-6,000 after its own 1,000 untimed ones.
const from = Math.round(1000 / opts.size);
const to = Math.round(6000 / opts.size);
for (const [label, runs] of results) {
  const slices = runs[0].map((_, i) => median(runs.map((r) => r[i])));
  const line = [`${label}: median per slice of ${opts.size}: ${slices.join(' ')}`];
  if (mode === 'dispatcher' && to <= slices.length) {
    const windows = runs.map((r) => r.slice(from, to).reduce((a, b) => a + b, 0) / (to - from));
    line.push(`  events 1,001-6,000: median ${median(windows).toFixed(1)} [${windows.map((w) => w.toFixed(0)).join(' ')}]`);
  }
  process.stdout.write(`${line.join('\n')}\n`);
}
