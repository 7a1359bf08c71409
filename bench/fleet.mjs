// Fleet mode's benchmark (issue 18), on a 3-server nats-server cluster on loopback started here
// (the test fixture test/fixtures/nats-cluster.ts, bundled), side by side in one run:
//   1. delivery: one vs two deliver processes draining the same backlog into the same receiver
//      (each a fresh fleet on the same cluster, so both start from the same state);
//   2. ingest: events/s the ingest acknowledges with JetStream (role ingest: 2xx after the
//      publish ack, replicated to 3 servers) vs the embedded SQLite outbox (2xx after the commit).
// `npm run bench` runs it in full mode (not --quick); alone: `node bench/fleet.mjs [--events N]`
// prints its JSON. Exits non-zero only on a crash or a lost event, never because something was slow.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleForBench, HEADLESS, OUT, RECEIVER, ROOT, workerSource } from './lib/bundle.mjs';
import { runWorker, startHost, startReceiver } from './lib/processes.mjs';


/** Events in each delivery backlog. */
const DEFAULT_EVENTS = 4000;
/**
 * The receiver answers after this long: a webhook is rarely nearer than a few ms. With a 0 ms
 * receiver on two cores the figure would measure CPU contention between the processes instead.
 */
const RECEIVER_DELAY_MS = 5;
/** Deliveries in flight per deliver process (--concurrency). */
const DELIVER_CONCURRENCY = 4;
/** Keep-alive connections posting to the ingest, and for how long, in the ingest comparison. */
const INGEST_CONNECTIONS = 4;
const INGEST_SECONDS = 5;
/** How long a backlog may take to drain before the run is called broken. */
const DRAIN_TIMEOUT_MS = 180_000;

const step = (what) => process.stderr.write(`bench fleet: ${what}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

async function bundle() {
  await bundleForBench({ 'nats-cluster': join(ROOT, 'test/fixtures/nats-cluster.ts'), 'ingest-load': workerSource('ingest-load') });
  return import(pathToFileURL(join(OUT, 'nats-cluster.js')).href);
}

async function call(host, method, path, body) {
  const res = await fetch(`${host.origin}${path}`, {
    method,
    headers: { authorization: `Bearer ${host.token}`, ...(body && { 'content-type': 'application/json' }) },
    ...(body && { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new Error(`${method} ${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

async function until(what, read, ok, timeoutMs = 60_000, everyMs = 100) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let v;
    try {
      v = await read();
      if (ok(v)) return v;
    } catch {
      // not answering yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not reached in ${timeoutMs} ms (last ${JSON.stringify(v)?.slice(0, 500)})`);
    await sleep(everyMs);
  }
}

const fleetArgs = (cluster, keyFile, fleet, role, extra = []) => ['--nats', cluster.urls.join(','), '--fleet-key-file', keyFile, '--fleet', fleet, '--role', role, ...extra];

/** A backlog of `events` in a fresh fleet, then `deliverers` processes drain it: events/s. */
async function drain({ cluster, keyFile, receiverUrl, events, deliverers }) {
  const fleet = `bench${deliverers}_${randomBytes(3).toString('hex')}`;
  const ingest = await startHost(HEADLESS, { args: fleetArgs(cluster, keyFile, fleet, 'ingest') });
  const hosts = [ingest];
  try {
    await until('ingest connected', () => ingest.state(), (s) => s.fleet?.connected && s.fleet.error === null, 30_000);
    await call(ingest, 'PUT', '/api/url', { url: receiverUrl });
    step(`${deliverers} deliver process(es): loading a backlog of ${events} events`);
    const load = await runWorker(OUT, 'ingest-load', ['--url', (await ingest.state()).ingest.url, '--count', String(events), '--connections', String(INGEST_CONNECTIONS)]);
    if (load.accepted !== events) throw new Error(`backlog: ${load.accepted} of ${events} accepted`);
    for (let i = 0; i < deliverers; i++) {
      hosts.push(await startHost(HEADLESS, { args: fleetArgs(cluster, keyFile, fleet, 'deliver', ['--concurrency', String(DELIVER_CONCURRENCY), '--timeout-ms', '5000']) }));
    }
    const workers = hosts.slice(1);
    const delivered = async () => (await Promise.all(workers.map((h) => h.state()))).reduce((n, s) => n + s.stats.delivered, 0);
    // The clock starts when the first delivery has happened (every process connected and pulling).
    await until('first deliveries', delivered, (n) => n > 0, 60_000, 20);
    const t0 = performance.now();
    const first = await delivered();
    const total = await until('the backlog drained', delivered, (n) => n >= events, DRAIN_TIMEOUT_MS, 50);
    const seconds = (performance.now() - t0) / 1000;
    const states = await Promise.all(workers.map((h) => h.state()));
    const shares = states.map((s) => s.stats.delivered);
    return { deliverers, events, eventsPerSec: (total - first) / seconds, seconds, shares, backlogLoadedPerSec: load.perSecond };
  } finally {
    await Promise.all(hosts.map((h) => h.stop()));
  }
}

/** Acknowledged events/s at the ingest: JetStream (role ingest) vs the SQLite outbox, no delivery in either. */
async function ingestSideBySide({ cluster, keyFile }) {
  const out = {};
  const fleet = `benchingest_${randomBytes(3).toString('hex')}`;
  const js = await startHost(HEADLESS, { args: fleetArgs(cluster, keyFile, fleet, 'ingest') });
  try {
    await until('ingest connected', () => js.state(), (s) => s.fleet?.connected && s.fleet.error === null, 30_000);
    step(`ingest: JetStream (R${(await js.state()).fleet.replicas}), ${INGEST_CONNECTIONS} connections for ${INGEST_SECONDS} s`);
    out.jetstream = await runWorker(OUT, 'ingest-load', ['--url', (await js.state()).ingest.url, '--seconds', String(INGEST_SECONDS), '--connections', String(INGEST_CONNECTIONS)]);
    const s = await js.state();
    if (s.fleet.published !== out.jetstream.accepted) throw new Error(`JetStream ingest: ${out.jetstream.accepted} acknowledged, ${s.fleet.published} published`);
  } finally {
    await js.stop();
  }
  // The embedded default without a URL: every event committed to the outbox (recorded no_url).
  const sqlite = await startHost(HEADLESS);
  try {
    step(`ingest: SQLite outbox, ${INGEST_CONNECTIONS} connections for ${INGEST_SECONDS} s`);
    out.sqlite = await runWorker(OUT, 'ingest-load', ['--url', (await sqlite.state()).ingest.url, '--seconds', String(INGEST_SECONDS), '--connections', String(INGEST_CONNECTIONS)]);
  } finally {
    await sqlite.stop();
  }
  return { connections: INGEST_CONNECTIONS, seconds: INGEST_SECONDS, jetstreamPerSec: out.jetstream.perSecond, sqlitePerSec: out.sqlite.perSecond };
}

/** The whole fleet benchmark; `log` gets progress lines. */
export async function measureFleet({ events = DEFAULT_EVENTS } = {}) {
  const { startNatsCluster } = await bundle();
  const dir = mkdtempSync(join(tmpdir(), 'pilot-bench-fleet-'));
  const keyFile = join(dir, 'fleet.key');
  writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  step('starting a 3-server nats-server cluster on loopback');
  const cluster = await startNatsCluster();
  const receiver = await startReceiver(RECEIVER, ['--delay-ms', String(RECEIVER_DELAY_MS)]);
  try {
    const one = await drain({ cluster, keyFile, receiverUrl: receiver.url, events, deliverers: 1 });
    const two = await drain({ cluster, keyFile, receiverUrl: receiver.url, events, deliverers: 2 });
    const ingest = await ingestSideBySide({ cluster, keyFile });
    return {
      cluster: '3 × nats-server on 127.0.0.1, streams R3',
      receiver: `bench/receiver.mjs, answers after ${RECEIVER_DELAY_MS} ms`,
      deliverConcurrency: DELIVER_CONCURRENCY,
      one,
      two,
      ingest,
      ratios: {
        twoOverOneDeliverers: two.eventsPerSec / one.eventsPerSec,
        jetstreamOverSqliteIngest: ingest.jetstreamPerSec / ingest.sqlitePerSec,
      },
    };
  } finally {
    await receiver.stop();
    await cluster.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const at = process.argv.indexOf('--events');
  measureFleet({ events: at > 0 ? Number(process.argv[at + 1]) : DEFAULT_EVENTS }).then(
    (r) => {
      process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
      process.exit(0);
    },
    (err) => {
      process.stderr.write(`bench fleet failed: ${err.stack ?? err}\n`);
      process.exit(1);
    },
  );
}
