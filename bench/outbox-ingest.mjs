#!/usr/bin/env node
// Ingest throughput with the durable outbox on, against the in-memory log, side by side in one
// run: the real headless host (dist/main/headless.js; build first with
// `node scripts/build.mjs --quiet`) receives a burst on its ingest over a few parallel keep-alive
// connections. Two scenarios, each in both modes:
//   ingest-only: delivery paused, so only the ingest path (check, store, queue) is timed;
//   delivering:  the host delivers to a local receiver while the burst arrives.
// The in-memory host gets a queue large enough to hold the whole burst, so it drops nothing and
// both modes do the same work. Prints events acknowledged per second and the ratio per scenario.
// Usage: node bench/outbox-ingest.mjs [events] [connections] [rounds]

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { HEADLESS } from './lib/bundle.mjs';
const EVENTS = Number(process.argv[2] ?? 20_000);
const CONNECTIONS = Number(process.argv[3] ?? 4);
/** Each mode runs this many times, alternating, and the best round counts (less noise). */
const ROUNDS = Number(process.argv[4] ?? 3);
/** Events sent first and not timed: JIT and SQLite page cache warm up. */
const WARMUP = 1_000;
const TOKEN = 'bench-token';

function startReceiver() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.statusCode = 204;
      res.end();
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

async function startHost(url, extra) {
  const dataDir = mkdtempSync(join(tmpdir(), 'pwd-bench-'));
  const child = spawn(process.execPath, [HEADLESS, '--no-daemon', '--port', '0', '--token', TOKEN, '--data-dir', dataDir, '--url', url, ...extra], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const origin = await new Promise((resolve, reject) => {
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => {
      out += d;
      const m = /^listening (http:\/\/127\.0\.0\.1:\d+)\/$/m.exec(out);
      if (m) resolve(m[1]);
    });
    child.once('exit', (code) => reject(new Error(`host exited (${code})`)));
  });
  const state = async () => (await (await fetch(`${origin}/api/state`, { headers: { authorization: `Bearer ${TOKEN}` } })).json());
  const ingest = (await state()).ingest.url;
  const stop = async () => {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { origin, ingest, state, stop };
}

async function post(ingest, count, offset) {
  const agent = new Agent({ connections: CONNECTIONS, keepAliveTimeout: 10_000 });
  let next = 0;
  let acked = 0;
  const worker = async () => {
    while (next < count) {
      const seq = offset + next++;
      const res = await request(ingest, {
        method: 'POST',
        dispatcher: agent,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ event_id: seq, event: 'tunnel.established', node_id: 7, timestamp: new Date().toISOString(), data: { seq, peer: '0:0000.0000.0002' } }),
      });
      await res.body.dump();
      if (res.statusCode < 300) acked++;
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  await agent.close();
  return acked;
}

async function measure(receiverUrl, extra, paused) {
  const host = await startHost(receiverUrl, extra);
  try {
    if (paused) await fetch(`${host.origin}/api/pause`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    await post(host.ingest, WARMUP, 0);
    const t0 = process.hrtime.bigint();
    const acked = await post(host.ingest, EVENTS, WARMUP);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const s = (await host.state()).stats;
    return { perSecond: acked / seconds, acked, seconds, dropped: s.dropped, durable: (await host.state()).history.durable };
  } finally {
    await host.stop();
  }
}

const receiver = await startReceiver();
const url = `http://127.0.0.1:${receiver.address().port}/hook`;
const queue = ['--queue-size', String(EVENTS + WARMUP)];
const result = { events: EVENTS, connections: CONNECTIONS };
for (const [scenario, paused] of [['ingestOnly', true], ['delivering', false]]) {
  const best = { memory: null, outbox: null };
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [mode, extra] of [['memory', ['--no-outbox', ...queue]], ['outbox', queue]]) {
      const r = await measure(url, extra, paused);
      process.stderr.write(`${scenario} round ${round} ${mode.padEnd(6)}: ${Math.round(r.perSecond)} events/s (${r.acked} in ${r.seconds.toFixed(2)} s, dropped ${r.dropped}, durable ${r.durable})\n`);
      if (!best[mode] || r.perSecond > best[mode].perSecond) best[mode] = r;
    }
  }
  const ratio = best.memory.perSecond / best.outbox.perSecond;
  result[scenario] = {
    inMemoryPerSecond: Math.round(best.memory.perSecond),
    outboxPerSecond: Math.round(best.outbox.perSecond),
    slowdown: Number(ratio.toFixed(2)),
    withinTwoX: ratio <= 2,
  };
}
receiver.close();
console.log(JSON.stringify(result));
