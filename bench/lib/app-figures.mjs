// Issue 17's figures measured on the real headless host (dist/main/headless.js, durable outbox on):
//   slow:      a receiver answering after 100 ms, the host at --concurrency 1 (default) and 8,
//              alternated; order per destination checked at 1 (the receiver counts event_ids that
//              did not go up), reported at 8;
//   endToEnd:  a serial sender on one connection (as the daemon) at 100 and 1,000 events/s;
//              sent_ns stamped just before each POST to the ingest, read by the receiver when the
//              delivered body arrives: what the app adds between the daemon and the receiver
//              (the sender's own loopback write, tens of µs, included); the same sender straight
//              into the receiver beside it (the floor without the app);
//   footprint: idle CPU over 60 s with a linked (fake) daemon, RSS at idle and after 100,000
//              events, and RSS with 1 MiB events against a receiver that never answers.
// Every figure comes from /proc of the host's own process (Linux).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startHost, startReceiver, runWorker } from './processes.mjs';

/** Slow receivers: the chat-service delay of the issue. */
const SLOW_MS = 100;
/** How long the runs wait for the host to deliver what it accepted. */
const DELIVER_WAIT_MS = 120_000;
/** Linux clock ticks per second for /proc/<pid>/stat (getconf CLK_TCK; 100 on every mainstream kernel). */
const CLK_TCK = 100;
/** A 1 MiB event: the ingest's limit is 1,048,576 bytes of body, the envelope takes the rest. */
const BIG_EVENT_PAD = 1_048_576 - 512;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function waitDelivered(host, target) {
  const deadline = Date.now() + DELIVER_WAIT_MS;
  for (;;) {
    const s = (await host.state()).stats;
    if (s.delivered + s.failed + s.abandoned >= target || Date.now() > deadline) return s;
    await sleep(20);
  }
}

export function cpuTicks(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of the line; here (after "pid (comm) ") 12 and 13.
  return Number(fields[11]) + Number(fields[12]);
}

export function rssMB(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : null;
}

export async function measureSlow({ headless, receiverScript, out, events, rounds, parallel, log }) {
  const receiver = await startReceiver(receiverScript, ['--delay-ms', String(SLOW_MS), '--inspect']);
  const runs = { serial: [], parallel: [] };
  const order = { serialOutOfOrder: 0, parallelOutOfOrder: 0 };
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const [name, concurrency, n] of [['serial', 1, events], ['parallel', parallel, events * parallel]]) {
        const host = await startHost(headless, { url: receiver.url, args: ['--concurrency', String(concurrency)] });
        try {
          const ingestUrl = (await host.state()).ingest.url;
          await receiver.stats();
          await runWorker(out, 'ingest-load', ['--url', ingestUrl, '--count', String(n), '--connections', '1']);
          const stats = await waitDelivered(host, n);
          const seen = await receiver.stats();
          // Delivery time as the receiver saw it: first request in to the last one answered, so
          // neither the sender's start-up nor the polling counts.
          const seconds = Number(BigInt(seen.lastNs) - BigInt(seen.firstNs)) / 1e9 + SLOW_MS / 1000;
          if (stats.delivered !== n) throw new Error(`slow run: ${n} accepted, ${JSON.stringify(stats)}`);
          runs[name].push(n / seconds);
          order[`${name}OutOfOrder`] += seen.outOfOrder;
          log(`slow receiver (${SLOW_MS} ms), concurrency ${concurrency}: ${(n / seconds).toFixed(1)} events/s, ${seen.outOfOrder} out of order`);
        } finally {
          await host.stop();
        }
      }
    }
  } finally {
    await receiver.stop();
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const serial = median(runs.serial);
  const par = median(runs.parallel);
  return { delayMs: SLOW_MS, concurrency: parallel, serial, parallel: par, ratio: par / serial, ...order, runs };
}

export async function measureEndToEnd({ headless, receiverScript, out, rates, seconds, warmup, log }) {
  const receiver = await startReceiver(receiverScript, ['--inspect']);
  const host = await startHost(headless, { url: receiver.url });
  const result = {};
  try {
    const ingestUrl = (await host.state()).ingest.url;
    // Warm-up: the JIT, the connections and the database's first pages, then an idle app.
    await runWorker(out, 'ingest-load', ['--url', ingestUrl, '--count', String(warmup), '--connections', '1']);
    await waitDelivered(host, warmup);
    await runWorker(out, 'ingest-load', ['--url', receiver.url, '--count', String(warmup), '--connections', '1']);
    for (const rate of rates) {
      for (const [name, url] of [['app', ingestUrl], ['direct', receiver.url]]) {
        await receiver.stats();
        const before = (await host.state()).stats.delivered;
        const load = await runWorker(out, 'ingest-load', ['--url', url, '--seconds', String(seconds), '--connections', '1', '--rate', String(rate), '--stamp', '1']);
        if (name === 'app') await waitDelivered(host, before + load.accepted);
        const seen = await receiver.stats();
        (result[rate] ??= {})[name] = {
          p50Ms: seen.p50Ms, p99Ms: seen.p99Ms, maxMs: seen.maxMs, samples: seen.latencySamples, accepted: load.accepted,
          achievedRate: load.accepted / load.seconds,
        };
        log(`end to end @ ${rate}/s ${name}: p50 ${seen.p50Ms?.toFixed(3)} ms, p99 ${seen.p99Ms?.toFixed(3)} ms (${seen.latencySamples} events)`);
      }
    }
  } finally {
    await host.stop();
    await receiver.stop();
  }
  return result;
}

export async function measureFootprint({ headless, receiverScript, out, fakeDaemon, idleS, events, bigEvents, settleS, log }) {
  const dir = mkdtempSync(join(tmpdir(), 'pilot-bench-daemon-'));
  const socket = join(dir, 'pilot.sock');
  const daemon = spawn(process.execPath, [fakeDaemon, '--socket', socket, '--rate', '0', '--home', dir], { stdio: ['ignore', 'pipe', 'pipe'] });
  const receiver = await startReceiver(receiverScript);
  const result = {};
  try {
    await new Promise((resolve, reject) => {
      let seen = '';
      daemon.stdout.setEncoding('utf8').on('data', (d) => {
        seen += d;
        if (seen.includes('home ')) resolve();
      });
      daemon.once('exit', (code) => reject(new Error(`fake daemon exited ${code}`)));
    });
    const host = await startHost(headless, { url: receiver.url, args: ['--daemon-socket', socket] });
    try {
      const deadline = Date.now() + 20_000;
      while (!(await host.state()).daemon.connected && Date.now() < deadline) await sleep(100);
      result.daemonLinked = (await host.state()).daemon.connected;
      // The start-up warm-up (a second or so of CPU, 2 s after start) is not idle time.
      result.warmUp = await host.warmedUp();
      // Settle after start-up, then measure the idle process (its pushes and the daemon's polls).
      await sleep(settleS * 1000);
      result.idleRssMB = rssMB(host.pid);
      if (idleS > 0) {
        log(`footprint: idle for ${idleS} s with a linked (fake) daemon`);
        const t0 = cpuTicks(host.pid);
        await sleep(idleS * 1000);
        result.idleCpuPercent = ((cpuTicks(host.pid) - t0) / CLK_TCK / idleS) * 100;
        result.idleSeconds = idleS;
        result.idleRssAfterMB = rssMB(host.pid);
      } else {
        result.idleCpuPercent = null;
      }
      if (events > 0) {
        log(`footprint: ${events} events through the ingest`);
        const ingestUrl = (await host.state()).ingest.url;
        await runWorker(out, 'ingest-load', ['--url', ingestUrl, '--count', String(events), '--connections', '4']);
        await waitDelivered(host, events);
        await sleep(settleS * 1000);
        result.rssAfter100kMB = rssMB(host.pid);
        result.eventsForRss = events;
      } else {
        result.rssAfter100kMB = null;
      }
    } finally {
      await host.stop();
    }
  } finally {
    daemon.kill('SIGTERM');
    await receiver.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  // 1 MiB events against a receiver that holds every request: what the queue costs in memory.
  const hanging = await startReceiver(receiverScript, ['--hang']);
  const host = await startHost(headless, { url: hanging.url });
  try {
    const ingestUrl = (await host.state()).ingest.url;
    const before = rssMB(host.pid);
    let peak = before;
    const watch = setInterval(() => (peak = Math.max(peak, rssMB(host.pid) ?? 0)), 100);
    log(`footprint: ${bigEvents} events of 1 MiB against a hanging receiver`);
    const load = await runWorker(out, 'ingest-load', ['--url', ingestUrl, '--count', String(bigEvents), '--connections', '1', '--pad', String(BIG_EVENT_PAD)]);
    await sleep(settleS * 1000);
    clearInterval(watch);
    const after = rssMB(host.pid);
    result.bigEvents = { events: bigEvents, accepted: load.accepted, eventBytes: BIG_EVENT_PAD + 512, rssBeforeMB: before, rssAfterMB: after, rssPeakMB: Math.max(peak, after), queued: (await host.state()).stats.queued };
  } finally {
    await host.stop();
    await hanging.stop();
  }
  return result;
}
