// The benchmark's receiver: a minimal node:http server on 127.0.0.1 answering every request
// 200 with an empty body once the request body has arrived. Run as its own process so it never
// shares an event loop with the code being measured. Prints `{"port":N}` when ready, then on
// SIGTERM prints `{"requests":N,"connections":M}` and exits.
//
// Options:
//   --delay-ms N  answer N ms after the body arrived (a slow chat service; issue 17 goal 3)
//   --hang        never answer (the memory run against a receiver that holds every request)
//   --inspect     parse every body for the figures below (off for the throughput runs, so the
//                 receiver does as little as it can there)
// Control path (not counted): GET /_stats answers and resets what was seen since the last call:
//   requests, firstNs/lastNs (when the first and the last body arrived); with --inspect, outOfOrder (bodies whose event_id was not above the previous one, per URL path);
//   and, for bodies whose data carries `sent_ns` (process.hrtime.bigint() of the sender, the same
//   monotonic clock in every process of this machine), the latency sent → body here, p50/p99/max.
import http from 'node:http';

const argv = process.argv.slice(2);
const delayMs = argv.includes('--delay-ms') ? Number(argv[argv.indexOf('--delay-ms') + 1]) : 0;
const hang = argv.includes('--hang');
const inspect = argv.includes('--inspect');

let requests = 0;
let connections = 0;
const window = { requests: 0, outOfOrder: 0, latenciesMs: [], firstNs: null, lastNs: null };
const lastIdByPath = new Map();

/** Reads what ordering and latency need from a body; bodies that are not JSON are just counted. */
function look(path, body) {
  let ev;
  try {
    ev = JSON.parse(body);
  } catch {
    return;
  }
  if (typeof ev?.event_id === 'number') {
    const last = lastIdByPath.get(path);
    if (last !== undefined && ev.event_id <= last) window.outOfOrder++;
    lastIdByPath.set(path, ev.event_id);
  }
  const sent = ev?.data?.sent_ns;
  if (typeof sent === 'string') window.latenciesMs.push(Number(process.hrtime.bigint() - BigInt(sent)) / 1e6);
}

function stats() {
  const xs = window.latenciesMs.sort((a, b) => a - b);
  const at = (p) => (xs.length ? xs[Math.min(xs.length - 1, Math.max(0, Math.ceil((p / 100) * xs.length) - 1))] : null);
  const out = {
    requests: window.requests, outOfOrder: window.outOfOrder, latencySamples: xs.length, p50Ms: at(50), p99Ms: at(99), maxMs: xs.length ? xs[xs.length - 1] : null,
    // first and last body of the window, as strings of process.hrtime.bigint() (ns)
    firstNs: window.firstNs === null ? null : String(window.firstNs), lastNs: window.lastNs === null ? null : String(window.lastNs),
  };
  window.firstNs = null;
  window.lastNs = null;
  window.requests = 0;
  window.outOfOrder = 0;
  window.latenciesMs = [];
  lastIdByPath.clear();
  return out;
}

const server = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/_stats') {
    const body = JSON.stringify(stats());
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
    return;
  }
  const chunks = [];
  if (inspect) req.on('data', (c) => chunks.push(c));
  else req.resume();
  req.on('end', () => {
    requests++;
    window.requests++;
    window.lastNs = process.hrtime.bigint();
    window.firstNs ??= window.lastNs;
    if (inspect) look(req.url, Buffer.concat(chunks).toString('utf8'));
    if (hang) return;
    const answer = () => {
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    };
    if (delayMs > 0) setTimeout(answer, delayMs);
    else answer();
  });
});
server.on('connection', () => connections++);
// Keep-alive sockets outlive a whole benchmark phase: the senders reuse them as the daemon would.
server.keepAliveTimeout = 60_000;
// A hanging receiver holds requests for as long as the sender waits.
server.requestTimeout = 0;

function finish() {
  process.stdout.write(`${JSON.stringify({ requests, connections })}\n`);
  server.closeAllConnections();
  server.close(() => process.exit(0));
}
process.on('SIGTERM', finish);

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
