// Ingest load: daemon-format POSTs to an ingest URL over several keep-alive connections.
//   as fast as possible: --url U --seconds S --connections C
//   paced:               --url U --seconds S --connections C --rate R   (R events/s in all)
//   a fixed number:      --url U --count N --connections C              (as fast as answers come)
// --stamp 1 puts `sent_ns` (process.hrtime.bigint(), one monotonic clock for every process of the
// machine) in each event's data just before it is posted: the receiver measures end to end.
// --pad B adds a string of B bytes to each event's data (the memory run's 1 MiB events).
// Reports the bodies accepted (2xx) and refused, and accepted/s.

import { Pool } from 'undici';
import { fail, flags, report } from './common';

const f = flags(process.argv.slice(2));
const url = new URL(f.str('url'));
const seconds = f.num('seconds', 5);
const connections = f.num('connections', 4);
const rate = f.num('rate', 0);
const count = f.num('count', 0);
const stamp = f.num('stamp', 0) === 1;
const pad = f.num('pad', 0);
const padding = pad > 0 ? 'x'.repeat(pad) : undefined;

const pool = new Pool(url.origin, { connections, pipelining: 1 });
let eventId = 0;
let accepted = 0;
let refused = 0;

async function post(): Promise<void> {
  const id = ++eventId;
  const body = JSON.stringify({
    event_id: id,
    event: 'message.received',
    node_id: 7,
    timestamp: new Date().toISOString(),
    data: {
      from: '0:0000.0000.0002',
      message_id: `load-${id}`,
      size: 128,
      type: 'TEXT',
      ...(padding && { padding }),
      ...(stamp && { sent_ns: String(process.hrtime.bigint()) }),
    },
  });
  const res = await pool.request({
    path: url.pathname,
    method: 'POST',
    headers: { 'content-type': 'application/json', 'user-agent': 'Go-http-client/1.1' },
    body,
  });
  await res.body.dump();
  if (res.statusCode >= 200 && res.statusCode < 300) accepted++;
  else refused++;
}

const t0 = performance.now();
const endAt = t0 + seconds * 1000;
if (rate > 0) {
  // Paced: event i is due at t0 + i/rate; each tick sends what is due. Stamped (end-to-end
  // latency), one request per connection at a time, as the daemon posts: the stamp is then taken
  // as the request goes out, never while it waits in the pool behind others.
  const maxInFlight = stamp ? connections : connections * 4;
  let inFlight = 0;
  let sent = 0;
  const total = Math.round(rate * seconds);
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      while (sent < due && inFlight < maxInFlight) {
        sent++;
        inFlight++;
        void post().finally(() => {
          inFlight--;
          if (sent === total && inFlight === 0) resolve();
        });
      }
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
} else if (count > 0) {
  const loop = async (): Promise<void> => {
    while (eventId < count) await post();
  };
  await Promise.all(Array.from({ length: connections }, loop));
} else {
  const loop = async (): Promise<void> => {
    while (performance.now() < endAt) await post();
  };
  await Promise.all(Array.from({ length: connections }, loop));
}
const elapsedS = (performance.now() - t0) / 1000;
await pool.close();
if (refused > 0) fail(`ingest refused ${refused} well-formed bodies`);
report({ accepted, refused, seconds: elapsedS, perSecond: accepted / elapsedS, connections, rate });
