// The main thread's side of the ingest thread (ingest-worker.ts): starts it, takes the events it
// accepted in the order it accepted them, tells it how far the outbox has made them durable, and
// starts it again if it dies. The same IngestServer as an ingest on this thread, plus the calls
// the controller needs for the hand-over.

import { Worker } from 'node:worker_threads';
import type { AcceptedEvent } from '../../../shared/events';
import { nextIngestSegment, readIngestJournal } from './ingest-journal';
import type { FromIngestWorker, IngestWorkerData, ToIngestWorker } from './ingest-protocol';
import type { IngestRejection, IngestServer, IngestServerOptions } from './ingest-server';

/**
 * Events (and bytes) accepted but not yet durable in the outbox past which the ingest answers
 * 503 and the daemon sends them again a little later: a bound on the memory between the threads
 * when the main thread falls behind. The bytes count twice over: a message is copied into the main
 * thread's heap as soon as it arrives, taken over or not (at 64 MiB, a host run with a 128 MiB
 * heap ran out of memory with 1 MiB events). 16 MiB is 16 of those, or some 50,000 daemon events.
 */
export const MAX_INGEST_BACKLOG_EVENTS = 100_000;
export const MAX_INGEST_BACKLOG_BYTES = 16 * 1_048_576;
/**
 * How long the outbox's progress may wait to be told to the ingest thread: one message per few
 * milliseconds instead of one per event (a message costs both threads some µs). Its backlog bound
 * and its journal's clean-up are all it needs it for; neither is in a hurry.
 */
export const DONE_POST_MS = 5;
/**
 * How much the main thread takes over per turn of its event loop when the ingest has run ahead:
 * the records, their journal write and the deliveries of one turn stay this small (a turn that took
 * two hundred 1 MiB events at once ran a 128 MiB heap out of memory), and timers, the window's API
 * and the outbox's writes get their turn between.
 */
export const HANDOVER_EVENTS_PER_TURN = 256;
export const HANDOVER_BYTES_PER_TURN = 4 * 1_048_576;
/** How long a dead ingest thread waits before it is started again (its port is kept). */
export const INGEST_RESTART_MS = 1000;

/**
 * The worker, bundled: defined by every build that holds the controller (the hosts, the bench's
 * workers, the test runner's configs), all through scripts/ingest-worker-define.mjs.
 */
declare const __INGEST_WORKER_SOURCE__: string | undefined;

/** The worker's code; a clear error from a build that left it out. */
function workerSource(): string {
  if (typeof __INGEST_WORKER_SOURCE__ === 'string') return __INGEST_WORKER_SOURCE__;
  throw new Error("the ingest thread's code is not in this bundle: build it with the define of scripts/ingest-worker-define.mjs");
}

export interface IngestThreadHandlers {
  /** One accepted event (already acknowledged: durable in the ingest journal when there is one). */
  onEvent(seq: number, at: number, ev: AcceptedEvent): void;
  onReject(reason: IngestRejection): void;
  /** The thread died (and is started again) or came back: null once it is back. */
  onProblem?(message: string | null): void;
}

export interface IngestThreadOptions extends IngestServerOptions {
  /** the ingest journal's base path; null: no durable outbox */
  journalBase: string | null;
  /** above every sequence number the journal or the outbox has seen */
  firstSeq: number;
  maxBacklogEvents?: number;
  maxBacklogBytes?: number;
}

export interface IngestThread extends IngestServer {
  /** Starts handing events to onEvent (they wait until then: the controller resumes the outbox first). */
  accept(): void;
  /** The events up to `seq` are durable in the outbox. */
  done(seq: number): void;
  /** The outbox cannot store events (or can again: null): the ingest refuses them meanwhile. */
  refuse(message: string | null): void;
  /** the highest sequence number handed over so far */
  readonly lastSeq: number;
  /** for tests: the worker dies as if it had crashed */
  crashForTest(): Promise<void>;
}

export function startIngestThread(h: IngestThreadHandlers, opts: IngestThreadOptions): Promise<IngestThread> {
  const { journalBase, firstSeq, maxBacklogEvents, maxBacklogBytes, ...server } = opts;
  let worker: Worker | null = null;
  let lastSeq = firstSeq - 1;
  /** the highest sequence number the thread sent, handed over or held */
  let seenSeq = firstSeq - 1;
  let doneSeq = firstSeq - 1;
  let refusal: string | null = null;
  let accepting = false;
  /** what the thread sent and the main thread has not taken over yet, from `queueHead` on */
  let queue: FromIngestWorker[] = [];
  let queueHead = 0;
  let draining: NodeJS.Immediate | null = null;
  let closing = false;
  let restartTimer: NodeJS.Timeout | null = null;
  let doneTimer: NodeJS.Timeout | null = null;
  let closed: (() => void) | null = null;

  const post = (m: ToIngestWorker): void => worker?.postMessage(m);

  const take = (m: FromIngestWorker): void => {
    if (m.t === 'event') seenSeq = Math.max(seenSeq, m.seq);
    queue.push(m);
    if (accepting) draining ??= setImmediate(drain);
  };

  /** Takes over one turn's worth (HANDOVER_*_PER_TURN), in order; the rest in the next turn. */
  const drain = (): void => {
    draining = null;
    let events = 0;
    let bytes = 0;
    while (queueHead < queue.length) {
      if (events >= HANDOVER_EVENTS_PER_TURN || bytes >= HANDOVER_BYTES_PER_TURN) {
        draining = setImmediate(drain);
        break;
      }
      const m = queue[queueHead++]!;
      if (m.t === 'event') {
        events++;
        bytes += m.json.length;
      }
      handle(m);
    }
    if (queueHead >= queue.length) {
      queue = [];
      queueHead = 0;
    } else if (queueHead > 4096) {
      queue = queue.slice(queueHead);
      queueHead = 0;
    }
  };

  const handle = (m: FromIngestWorker): void => {
    if (m.t === 'event') {
      lastSeq = m.seq;
      h.onEvent(m.seq, m.at, JSON.parse(m.json) as AcceptedEvent);
    } else if (m.t === 'reject') {
      h.onReject(m.r);
    }
  };

  /** Starts a worker on `port` (and the token); resolves with its ready message. */
  const spawn = (port: number | undefined, token: string | undefined): Promise<Extract<FromIngestWorker, { t: 'ready' }>> =>
    new Promise((resolve, reject) => {
      const data: IngestWorkerData = {
        server: { ...server, ...(port !== undefined && { port }), ...(token !== undefined && { token }) },
        journalBase,
        firstSeq: seenSeq + 1,
        firstSegment: journalBase === null ? 0 : nextIngestSegment(journalBase),
        maxBacklogEvents: maxBacklogEvents ?? MAX_INGEST_BACKLOG_EVENTS,
        maxBacklogBytes: maxBacklogBytes ?? MAX_INGEST_BACKLOG_BYTES,
      };
      const w = new Worker(workerSource(), { eval: true, workerData: data });
      worker = w;
      let ready = false;
      w.on('message', (m: FromIngestWorker) => {
        if (m.t === 'ready') {
          ready = true;
          resolve(m);
        } else if (m.t === 'failed') {
          reject(Object.assign(new Error(m.message), m.code !== undefined && { code: m.code }));
        } else if (m.t === 'closed') {
          closed?.();
        } else {
          take(m);
        }
      });
      w.on('error', (err: unknown) => {
        if (!ready) reject(err instanceof Error ? err : new Error(String(err)));
      });
      w.on('exit', () => {
        if (worker === w) worker = null;
        if (!ready) reject(new Error('the ingest thread stopped before it listened'));
        else if (!closing) restartLater();
      });
    });

  let first: Extract<FromIngestWorker, { t: 'ready' }>;
  const restartLater = (): void => {
    // What the dead thread journaled (and so acknowledged) but could not send any more.
    if (journalBase !== null) {
      for (const e of readIngestJournal(journalBase, seenSeq).events) take({ t: 'event', seq: e.seq, at: e.at, json: JSON.stringify(e.ev) });
    }
    h.onProblem?.('The ingest thread stopped unexpectedly; it is being started again on the same port.');
    restartTimer = setTimeout(() => {
      restartTimer = null;
      if (closing) return;
      spawn(first.port, first.token).then(
        () => {
          // The new thread knows nothing of the old one: tell it where the outbox is.
          post({ t: 'done', seq: doneSeq });
          if (refusal !== null) post({ t: 'refuse', message: refusal });
          h.onProblem?.(null);
        },
        () => restartLater(),
      );
    }, INGEST_RESTART_MS);
    restartTimer.unref();
  };

  return spawn(server.port, server.token).then((ready) => {
    first = ready;
    return {
      url: ready.url,
      port: ready.port,
      token: ready.token,
      portTaken: ready.portTaken,
      activated: ready.activated,
      get lastSeq() {
        return lastSeq;
      },
      accept() {
        accepting = true;
        draining ??= setImmediate(drain);
      },
      done(seq) {
        if (seq <= doneSeq) return;
        doneSeq = seq;
        doneTimer ??= setTimeout(() => {
          doneTimer = null;
          post({ t: 'done', seq: doneSeq });
        }, DONE_POST_MS);
      },
      refuse(message) {
        if (message === refusal) return;
        refusal = message;
        post({ t: 'refuse', message });
      },
      async crashForTest() {
        const w = worker;
        if (!w) return;
        const gone = new Promise((r) => w.once('exit', r));
        await w.terminate();
        await gone;
      },
      close: async () => {
        closing = true;
        if (restartTimer) clearTimeout(restartTimer);
        if (doneTimer) clearTimeout(doneTimer);
        const w = worker;
        if (w) {
          // Every event the thread sent comes before its 'closed'.
          const gone = new Promise<void>((r) => w.once('exit', () => r()));
          await new Promise<void>((r) => {
            closed = r;
            w.once('exit', () => r());
            post({ t: 'close' });
          });
          await gone;
        }
        // All of it is taken over now, in one go: nothing else runs any more. (Not accepted yet — a
        // refused start — it stays in the journal and is recovered at the next start.)
        if (draining) clearImmediate(draining);
        draining = null;
        if (accepting) while (queueHead < queue.length) handle(queue[queueHead++]!);
      },
    };
  });
}
