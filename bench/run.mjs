// `npm run bench [-- --quick]`: the delivery benchmark of issue 7 and the window load of issue 5.
// Every figure is measured in this one run, side by side, against one local receiver; the ratios
// are what carry over to other machines. Prints a table and writes bench/results.json.
// Exits non-zero only on a crash or an accounting error, never because something was slow.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { bundleForBench, HEADLESS as BUILT_HEADLESS, OUT, RECEIVER, ROOT, workerSource } from './lib/bundle.mjs';
import { runJson, runWorker, startHost, startReceiver } from './lib/processes.mjs';
import { measureWindow } from './lib/window.mjs';
import { measureHop } from './lib/hop.mjs';
import { measureEndToEnd, measureFootprint, measureSlow } from './lib/app-figures.mjs';
import { printTable } from './lib/table.mjs';
import { measureFleet } from './fleet.mjs';

/** BENCH_HEADLESS=<path>: another build of the host (an alternated before/after of a change). */
const HEADLESS = process.env.BENCH_HEADLESS ?? BUILT_HEADLESS;
const GO_BIN = join(OUT, 'go-standin');
const FAKE_DAEMON = join(ROOT, 'dist/fixtures/fake-daemon.js');
const GO_LABEL = "Go reference stand-in (re-implemented from the plugin's semantics; the module itself is not downloadable here)";
const quick = process.argv.includes('--quick');
/** `--only hop,slow`: just those sections, printed as JSON (results.json is left alone). */
const onlyArg = process.argv.indexOf('--only');
const only = onlyArg > 0 ? new Set(process.argv[onlyArg + 1].split(',')) : null;

/** Sizes per mode: quick is CI's smoke run (well under 2 minutes), full is the reported one. */
const SIZE = quick
  ? { events: 5_000, rounds: 3, latencyS: 3, ingestS: 2, memoryEvents: 100_000, startups: 3, windowS: 3, hopS: 1, hopSteps: 4, hopProbe: 2_000, hopDrainMs: 5_000,
      slowEvents: 10, slowRounds: 1, e2eS: 3, e2eWarmup: 500, idleS: 0, footprintEvents: 0, bigEvents: 8, settleS: 1 }
  : { events: 50_000, rounds: 3, latencyS: 10, ingestS: 5, memoryEvents: 1_000_000, startups: 5, windowS: 10, hopS: 10, hopSteps: 5, hopProbe: 20_000, hopDrainMs: 30_000,
      slowEvents: 50, slowRounds: 2, e2eS: 10, e2eWarmup: 3_000, idleS: 60, footprintEvents: 100_000, bigEvents: 128, settleS: 2 };
/** Events in flight for the parallel run (the dispatcher's `concurrency` option). */
const PARALLEL = 8;
/** Keep-alive client connections posting to the ingest (the daemon uses one; several show the limit). */
const INGEST_CONNECTIONS = 4;
/** Issue 5: events per second injected while the window is watched. */
const WINDOW_RATE = 2000;
/** How long the ingest run's host may take to deliver or drop what is still queued. */
const DRAIN_WAIT_MS = 30_000;

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const unaccounted = (s) =>
  s.received - (s.delivered + s.failed + s.dropped + s.circuitSkips + s.abandoned + s.unsent + s.filtered + s.queued);
const T0 = performance.now();
const step = (what) => process.stderr.write(`bench [${((performance.now() - T0) / 1000).toFixed(0)} s]: ${what}\n`);

async function bundleWorkers() {
  await bundleForBench(['throughput', 'latency', 'memory', 'ingest-load', 'curve'].map(workerSource));
}

/** Builds the Go stand-in offline (no third-party modules); null with the reason when it cannot. */
function buildGo() {
  const env = { ...process.env, GOTOOLCHAIN: 'local', GOPROXY: 'off', GOFLAGS: '-mod=mod' };
  const r = spawnSync('go', ['build', '-o', GO_BIN, '.'], { cwd: join(ROOT, 'bench/go'), env, encoding: 'utf8' });
  if (r.error) return `go not available (${r.error.message})`;
  if (r.status !== 0) throw new Error(`go build failed:\n${r.stderr}`);
  const v = spawnSync('go', ['version'], { encoding: 'utf8' });
  return { version: v.stdout.trim() };
}

async function throughput(receiverUrl, go) {
  const args = ['--url', receiverUrl, '--n', String(SIZE.events)];
  const runs = { dispatcher: [], dispatcherCold: [], undici: [], dispatch: [], go: [], parallel: [], undiciParallel: [] };
  /** CPU µs per event of the serial contenders (user + system of the sender's process) */
  const cpu = { dispatcher: [], dispatcherCold: [], undici: [], dispatch: [], go: [] };
  const take = (name, r) => {
    runs[name].push(r.eventsPerSec);
    if (cpu[name] && r.cpuUsPerEvent !== undefined) cpu[name].push(r.cpuUsPerEvent);
  };
  // Alternated a, a cold, b, c, parallel, bare parallel, a, b, … so drift and noise hit every contender alike.
  for (let round = 1; round <= SIZE.rounds; round++) {
    step(`throughput round ${round}/${SIZE.rounds} (${SIZE.events} events each)`);
    take('dispatcher', await runWorker(OUT, 'throughput', ['--mode', 'dispatcher', ...args]));
    // The same without the app's start-up warm-up: what a fresh process does before it.
    take('dispatcherCold', await runWorker(OUT, 'throughput', ['--mode', 'dispatcher', '--app-warm-up', '0', ...args]));
    take('undici', await runWorker(OUT, 'throughput', ['--mode', 'undici', ...args]));
    take('dispatch', await runWorker(OUT, 'throughput', ['--mode', 'dispatch', ...args]));
    if (go.version) take('go', await runJson(GO_BIN, ['-url', receiverUrl, '-n', String(SIZE.events)]));
    take('parallel', await runWorker(OUT, 'throughput', ['--mode', 'dispatcher', '--concurrency', String(PARALLEL), ...args]));
    // The same bare loop with PARALLEL requests in flight: what parallelism can gain on this
    // machine at all, sender and receiver sharing its cores.
    take('undiciParallel', await runWorker(OUT, 'throughput', ['--mode', 'undici', '--concurrency', String(PARALLEL), ...args]));
  }
  const cpuUsPerEvent = Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, v.length ? median(v) : null]));
  return {
    events: SIZE.events,
    rounds: SIZE.rounds,
    dispatcher: median(runs.dispatcher),
    dispatcherCold: median(runs.dispatcherCold),
    undici: median(runs.undici),
    dispatch: median(runs.dispatch),
    go: go.version ? median(runs.go) : null,
    goLabel: GO_LABEL,
    parallel: median(runs.parallel),
    undiciParallel: median(runs.undiciParallel),
    parallelConcurrency: PARALLEL,
    cpuUsPerEvent,
    cpuRuns: cpu,
    runs,
  };
}

async function ingest(receiverUrl) {
  step(`ingest: ${INGEST_CONNECTIONS} keep-alive connections for ${SIZE.ingestS} s while delivering`);
  const host = await startHost(HEADLESS, { url: receiverUrl });
  try {
    const ingestUrl = (await host.state()).ingest.url;
    const load = await runWorker(OUT, 'ingest-load', [
      '--url', ingestUrl, '--seconds', String(SIZE.ingestS), '--connections', String(INGEST_CONNECTIONS),
    ]);
    const during = (await host.state()).stats;
    const deadline = Date.now() + DRAIN_WAIT_MS;
    let stats = during;
    while (stats.queued > 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      stats = (await host.state()).stats;
    }
    // Still queued after the wait is slowness (reported); a count that does not add up is an error.
    if (stats.received !== load.accepted || unaccounted(stats) !== 0) {
      throw new Error(`ingest accounting: accepted ${load.accepted}, stats ${JSON.stringify(stats)}`);
    }
    return {
      perSecond: load.perSecond,
      accepted: load.accepted,
      connections: INGEST_CONNECTIONS,
      seconds: load.seconds,
      deliveredPerSecond: during.delivered / load.seconds,
      stats,
    };
  } finally {
    await host.stop();
  }
}

async function hop(receiverUrl, go) {
  if (!go.version) return { skipped: go.skipped };
  step(`hop: Go stand-in at a fixed rate, one connection, ${SIZE.hopS} s per trial, into the bare receiver and the ingest (outbox)`);
  const host = await startHost(HEADLESS, { url: receiverUrl });
  try {
    const r = await measureHop({
      goBin: GO_BIN, receiverUrl, host, runJson, seconds: SIZE.hopS, steps: SIZE.hopSteps, probeEvents: SIZE.hopProbe, drainMs: SIZE.hopDrainMs, log: step,
    });
    const stats = (await host.state()).stats;
    if (unaccounted(stats) !== 0) throw new Error(`hop accounting: ${JSON.stringify(stats)}`);
    return { ...r, stats };
  } finally {
    await host.stop();
  }
}

/** End-to-end latency through the app: at both rates of the issue. */
const E2E_RATES = [100, 1000];

const slow = () => {
  step(`slow receiver: ${SIZE.slowEvents} events at concurrency 1, ${SIZE.slowEvents * PARALLEL} at ${PARALLEL} (${SIZE.slowRounds} round(s))`);
  return measureSlow({ headless: HEADLESS, receiverScript: RECEIVER, out: OUT, events: SIZE.slowEvents, rounds: SIZE.slowRounds, parallel: PARALLEL, log: step });
};
const endToEnd = () => {
  step(`end to end: ${E2E_RATES.join(' and ')} events/s for ${SIZE.e2eS} s each, one connection, outbox on`);
  return measureEndToEnd({ headless: HEADLESS, receiverScript: RECEIVER, out: OUT, rates: E2E_RATES, seconds: SIZE.e2eS, warmup: SIZE.e2eWarmup, log: step });
};
const footprint = () =>
  measureFootprint({
    headless: HEADLESS, receiverScript: RECEIVER, out: OUT, fakeDaemon: FAKE_DAEMON,
    idleS: SIZE.idleS, events: SIZE.footprintEvents, bigEvents: SIZE.bigEvents, settleS: SIZE.settleS, log: step,
  });

async function startup() {
  const times = [];
  for (let i = 0; i < SIZE.startups; i++) {
    const host = await startHost(HEADLESS);
    times.push(host.readyMs);
    await host.stop();
  }
  return { medianMs: median(times), runsMs: times };
}

async function windowLoad(receiverUrl) {
  const host = await startHost(HEADLESS, { url: receiverUrl });
  try {
    const ingestUrl = (await host.state()).ingest.url;
    const inject = ({ rate, seconds }) =>
      runWorker(OUT, 'ingest-load', [
        '--url', ingestUrl, '--seconds', String(seconds), '--connections', String(INGEST_CONNECTIONS), '--rate', String(rate),
      ]);
    return await measureWindow({ host, inject, rate: WINDOW_RATE, seconds: SIZE.windowS });
  } finally {
    await host.stop();
  }
}

async function main() {
  step(`${quick ? 'quick' : 'full'} run; bundling workers`);
  await bundleWorkers();
  const goBuild = buildGo();
  const go = typeof goBuild === 'string' ? { skipped: goBuild } : goBuild;
  const receiver = await startReceiver(RECEIVER);
  const results = {
    mode: quick ? 'quick' : 'full',
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model, node: process.version, go: go.version ?? go.skipped },
    receiver: 'node:http on 127.0.0.1, own process, 200 with an empty body',
  };
  if (only) {
    try {
      const out = {};
      if (only.has('throughput')) out.throughput = await throughput(receiver.url, go);
      if (only.has('hop')) out.hop = await hop(receiver.url, go);
      if (only.has('slow')) out.slow = await slow();
      if (only.has('e2e')) out.endToEnd = await endToEnd();
      if (only.has('footprint')) out.footprint = await footprint();
      process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
    } finally {
      await receiver.stop();
    }
    return;
  }
  try {
    results.throughput = await throughput(receiver.url, go);
    step(`latency: ${SIZE.latencyS} s at 1,000 events/s`);
    results.latency = await runWorker(OUT, 'latency', ['--url', receiver.url, '--rate', '1000', '--seconds', String(SIZE.latencyS)]);
    const e2e = await endToEnd();
    results.latency.endToEnd = e2e;
    results.latency.endToEndP50Ms = e2e[1000].app.p50Ms;
    results.latency.endToEndP99Ms = e2e[1000].app.p99Ms;
    results.ingest = await ingest(receiver.url);
    results.hop = await hop(receiver.url, go);
    results.slow = await slow();
    results.footprint = await footprint();
    step(`memory: ${SIZE.memoryEvents} events, receiver down`);
    results.memory = await runWorker(OUT, 'memory', ['--events', String(SIZE.memoryEvents)], ['--expose-gc']);
    step(`start-up: ${SIZE.startups} spawns`);
    const up = await startup();
    results.startupMs = up.medianMs;
    results.startupRunsMs = up.runsMs;
    step(`window: ${WINDOW_RATE} events/s for ${SIZE.windowS} s in Chromium`);
    results.window = await windowLoad(receiver.url);
    // Fleet mode (issue 18): its own 3-server NATS cluster and receiver; full mode only.
    if (!quick) results.fleet = await measureFleet();
  } finally {
    results.receiverCounts = await receiver.stop();
  }
  const t = results.throughput;
  results.ratios = {
    dispatcherOverUndici: t.dispatcher / t.undici,
    dispatcherOverDispatch: t.dispatcher / t.dispatch,
    dispatcherOverGo: t.go ? t.dispatcher / t.go : null,
    /** the same without the app's start-up warm-up (a process right after start) */
    dispatcherColdOverGo: t.go ? t.dispatcherCold / t.go : null,
    parallelOverDispatcher: t.parallel / t.dispatcher,
    undiciParallelOverUndici: t.undiciParallel / t.undici,
    /** below 1: the dispatcher spends less CPU per event than the Go stand-in */
    dispatcherCpuOverGo: t.cpuUsPerEvent.go ? t.cpuUsPerEvent.dispatcher / t.cpuUsPerEvent.go : null,
  };
  writeFileSync(join(ROOT, 'bench/results.json'), `${JSON.stringify(results, null, 2)}\n`);
  printTable(results);
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
