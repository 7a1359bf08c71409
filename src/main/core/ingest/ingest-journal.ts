// The ingest thread's journal: every event it accepts is appended here, with ONE write(), before it
// answers 2xx — so the answer never waits for the main thread (which turns events into delivery
// records and is busy delivering). The main thread's outbox notes, in its own journal and then its
// database, the highest sequence number whose records are durable (its "ingest mark"); everything
// up to the mark may go from here, and at the next start whatever is above it is turned into
// records once (recovery).
//
// Same promise as the outbox's acknowledgement journal: once write() returned, the bytes are the
// operating system's, so a crash or SIGKILL of the app cannot lose an acknowledged event (a power
// cut may; nothing fsyncs). Each line is `{"s":seq,"t":acceptedAt,"e":event}`; a line cut short
// by a kill inside write() is skipped when read (that event was never acknowledged).
//
// The file is a list of segments, `<base>.<n>.jsonl`. The current one is emptied (ftruncate) as
// soon as the main thread has caught up with it — every few events on a serial sender — and when
// the main thread lags behind a long burst it is closed at SEGMENT_MAX_BYTES and a new one begun;
// closed segments are removed once the mark passes their last event.

import { closeSync, constants, ftruncateSync, openSync, readdirSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import type { AcceptedEvent } from '../../../shared/events';

/** The journal's name beside the history database: `<db>.ingest.<n>.jsonl`. */
export const INGEST_JOURNAL_SUFFIX = '.ingest';
/**
 * A segment the main thread has not caught up with is closed at this size and a new one begun,
 * so a long burst's events can be removed segment by segment as the main thread passes them.
 */
export const SEGMENT_MAX_BYTES = 8 * 1_048_576;

/** Owner only, as the database: the lines hold event payloads. */
const JOURNAL_MODE = 0o600;

/** One accepted event as journaled: its sequence number and when it was accepted. */
export interface JournaledEvent {
  seq: number;
  at: number;
  ev: AcceptedEvent;
}

interface Segment {
  n: number;
  path: string;
  /** the last sequence number written to it (0: nothing) */
  lastSeq: number;
}

/** The segments that exist for this base, oldest first. */
function segmentFiles(base: string): { n: number; path: string }[] {
  const dir = dirname(base);
  const prefix = `${basename(base)}.`;
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  const found: { n: number; path: string }[] = [];
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith('.jsonl')) continue;
    const n = Number(name.slice(prefix.length, -'.jsonl'.length));
    if (Number.isSafeInteger(n) && n >= 0) found.push({ n, path: join(dir, name) });
  }
  return found.sort((a, b) => a.n - b.n);
}

/** Every whole event in the journal above `mark`, in sequence order, and the highest segment number. */
export function readIngestJournal(base: string, mark: number): { events: JournaledEvent[]; lastSegment: number } {
  const files = segmentFiles(base);
  const bySeq = new Map<number, JournaledEvent>();
  for (const f of files) {
    let text: string;
    try {
      text = readFileSync(f.path, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      if (line === '') continue;
      let parsed: { s?: unknown; t?: unknown; e?: unknown };
      try {
        parsed = JSON.parse(line) as typeof parsed;
      } catch {
        continue; // cut short by a kill inside write(): never acknowledged
      }
      const { s, t, e } = parsed;
      if (typeof s !== 'number' || s <= mark || typeof t !== 'number' || typeof e !== 'object' || e === null) continue;
      bySeq.set(s, { seq: s, at: t, ev: e as AcceptedEvent });
    }
  }
  return { events: [...bySeq.values()].sort((a, b) => a.seq - b.seq), lastSegment: files.at(-1)?.n ?? -1 };
}

/** The number for a new segment: above every existing one. */
export function nextIngestSegment(base: string): number {
  return (segmentFiles(base).at(-1)?.n ?? -1) + 1;
}

/** Removes the segments numbered up to `upTo` (everything in them is in the outbox now). */
export function removeIngestSegments(base: string, upTo = Infinity): void {
  for (const f of segmentFiles(base)) {
    if (f.n > upTo) continue;
    try {
      unlinkSync(f.path);
    } catch {
      // Already gone; one left behind is read again and skipped by the mark.
    }
  }
}

/** The writer: used by the ingest thread only. */
export class IngestJournal {
  private current: Segment & { fd: number; bytes: number };
  /** closed segments still holding events above the mark */
  private readonly closed: Segment[] = [];
  /** a write failed part-way: the next one first ends that torn line */
  private torn = false;

  private constructor(
    private readonly base: string,
    firstSegment: number,
  ) {
    this.current = this.openSegment(firstSegment);
  }

  /** Opens a new segment numbered `firstSegment` (above every existing one); the error message when it cannot. */
  static open(base: string, firstSegment: number): IngestJournal | string {
    try {
      return new IngestJournal(base, firstSegment);
    } catch (err) {
      return (err as Error).message;
    }
  }

  /** Appends one event (as JSON); returns once it is in the operating system's hands. Throws on failure. */
  append(seq: number, at: number, eventJson: string): number {
    const line = `${this.torn ? '\n' : ''}{"s":${seq},"t":${at},"e":${eventJson}}\n`;
    const buf = Buffer.from(line, 'utf8');
    let written = 0;
    try {
      while (written < buf.length) written += writeSync(this.current.fd, buf, written, buf.length - written);
      this.torn = false;
    } catch (err) {
      if (written > 0) this.torn = true;
      throw err;
    }
    this.current.lastSeq = seq;
    this.current.bytes += buf.length;
    if (this.current.bytes >= SEGMENT_MAX_BYTES) this.rotate();
    return buf.length;
  }

  /** The main thread's mark moved: what is at or below it can go. */
  durableUpTo(mark: number): void {
    while (this.closed.length > 0 && this.closed[0]!.lastSeq <= mark) {
      const done = this.closed.shift()!;
      try {
        unlinkSync(done.path);
      } catch {
        // Read again at the next start and skipped by the mark.
      }
    }
    if (this.current.bytes > 0 && this.current.lastSeq <= mark) {
      // O_APPEND: the next line lands at the start of the emptied file.
      ftruncateSync(this.current.fd);
      this.current.bytes = 0;
      this.torn = false;
    }
  }

  close(): void {
    closeSync(this.current.fd);
  }

  /** Closes the current segment (the main thread is behind it) and begins the next one. */
  private rotate(): void {
    const { n, path, lastSeq, fd } = this.current;
    try {
      this.current = this.openSegment(n + 1);
    } catch {
      return; // the event is written: keep appending to this segment rather than refuse it
    }
    closeSync(fd);
    this.closed.push({ n, path, lastSeq });
  }

  private openSegment(n: number): Segment & { fd: number; bytes: number } {
    const path = `${this.base}.${n}.jsonl`;
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_TRUNC, JOURNAL_MODE);
    return { n, path, lastSeq: 0, fd, bytes: 0 };
  }
}
