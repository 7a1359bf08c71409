// The messages between the main thread (ingest-thread.ts) and the ingest thread (ingest-worker.ts).

import type { IngestRejection, IngestServerOptions } from './ingest-server';

export interface IngestWorkerData {
  server: IngestServerOptions;
  /** the journal's base path (ingest-journal.ts); null: no durable outbox, nothing journaled */
  journalBase: string | null;
  /** the sequence number of the first event this thread accepts (above every journaled one) */
  firstSeq: number;
  /** the journal segment it starts (above every existing one) */
  firstSegment: number;
  /** events, and their bytes, handed over and not yet durable past which the ingest answers 503 */
  maxBacklogEvents: number;
  maxBacklogBytes: number;
}

export type FromIngestWorker =
  | { t: 'ready'; url: string; port: number; token: string; portTaken: number | null; activated: boolean }
  | { t: 'failed'; message: string; code?: string }
  /** an accepted, journaled, acknowledged event: `json` is its AcceptedEvent */
  | { t: 'event'; seq: number; at: number; json: string }
  | { t: 'reject'; r: IngestRejection }
  | { t: 'closed' };

export type ToIngestWorker =
  /** the events up to `seq` have durable records: the journal may let them go */
  | { t: 'done'; seq: number }
  /** the outbox's problem (events are refused with 500 meanwhile), or null when it is over */
  | { t: 'refuse'; message: string | null }
  | { t: 'close' };
