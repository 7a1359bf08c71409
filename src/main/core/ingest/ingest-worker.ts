// The ingest thread: the daemon's ingest endpoint on a worker thread of its own. It parses and
// checks each POST, appends the event to its journal (one write(): durable) and answers 2xx at
// once, then hands the event to the main thread, which turns it into delivery records. The daemon
// posts serially, so every microsecond before the answer is a microsecond of its queue: here the
// answer no longer waits behind the main thread's deliveries (issue 17, the daemon's hop).
//
// Run by ingest-thread.ts (never imported by the main thread's code): bundled into one CommonJS
// source and evaluated as a worker, like the checkpoint worker.

import { parentPort, workerData } from 'node:worker_threads';
import { startIngestServer } from './ingest-server';
import { BoundedQueue } from '../delivery/queue';
import { IngestJournal } from './ingest-journal';
import type { IngestWorkerData, ToIngestWorker, FromIngestWorker } from './ingest-protocol';

const data = workerData as IngestWorkerData;
const port = parentPort!;
const send = (m: FromIngestWorker): void => port.postMessage(m);

/** An error the ingest answers with its own status (see ingest-server.ts's receive). */
function unavailable(message: string): Error {
  return Object.assign(new Error(message), { httpStatus: 503 });
}

let nextSeq = data.firstSeq;
/** An event handed to the main thread and not yet durable there: its number and JSON size. */
interface Handed {
  seq: number;
  bytes: number;
}
/** Those events, oldest first; full (by count or bytes) means the ingest answers 503. */
const backlog = new BoundedQueue<Handed>(data.maxBacklogEvents, data.maxBacklogBytes, (e) => e.bytes);
/** the main thread's outbox cannot store events: refuse (500) so the daemon sends them again */
let refusal: string | null = null;

let journal: IngestJournal | null = null;
if (data.journalBase !== null) {
  const opened = IngestJournal.open(data.journalBase, data.firstSegment);
  if (typeof opened === 'string') {
    send({ t: 'failed', message: `the ingest journal could not be opened (${opened})` });
    process.exit(1);
  }
  journal = opened;
}

port.on('message', (m: ToIngestWorker) => {
  if (m.t === 'done') {
    while ((backlog.peek()?.seq ?? Infinity) <= m.seq) backlog.shift();
    journal?.durableUpTo(m.seq);
  } else if (m.t === 'refuse') {
    refusal = m.message;
  } else if (m.t === 'close') {
    void server.then(async (s) => {
      await s.close();
      journal?.close();
      send({ t: 'closed' });
      port.close();
    });
  }
});

const server = startIngestServer(
  {
    onEvent: (ev) => {
      if (refusal !== null) throw new Error(refusal);
      const json = JSON.stringify(ev);
      const handed: Handed = { seq: nextSeq, bytes: json.length };
      if (!backlog.hasRoomFor(handed)) throw unavailable(`the app is ${backlog.size} events behind; send again in a moment`);
      const at = Date.now();
      // Durable first: a journal that cannot be written throws, and the daemon gets a 500.
      journal?.append(handed.seq, at, json);
      nextSeq++;
      backlog.push(handed);
      send({ t: 'event', seq: handed.seq, at, json });
    },
    onReject: (r) => send({ t: 'reject', r }),
  },
  data.server,
);

server.then(
  (s) => send({ t: 'ready', url: s.url, port: s.port, token: s.token, portTaken: s.portTaken, activated: s.activated }),
  (err: NodeJS.ErrnoException) => {
    send({ t: 'failed', message: err.message, ...(err.code !== undefined && { code: err.code }) });
    process.exit(1);
  },
);
