// The outbox's acknowledgement journal: an append-only file beside the history database that makes
// an accepted event durable before the ingest answers 2xx, with ONE write() — where a SQLite commit
// of the same record costs a WAL transaction (about 18 system calls per event: page frames, shm
// locks; 50-110 µs on the 2-core benchmark machine). The records are written to the database in
// batches a little later (OutboxLog), and the journal is emptied after each such commit.
//
// What it promises is what the database with synchronous=NORMAL promised: once write() returned,
// the bytes are the operating system's, so a crash or SIGKILL of the app cannot lose them; a power
// cut may (neither fsyncs). Each line is one DeliveryRecord as JSON, newest version last. A line
// cut short (the app killed inside a write) is skipped when read: its event was never acknowledged.

import { closeSync, ftruncateSync, openSync, readFileSync, writeSync, constants } from 'node:fs';
import type { DeliveryRecord } from '../../../shared/delivery';

/** The journal's name beside the database file (not SQLite's own `-journal`, `-wal`, `-shm`). */
export const JOURNAL_SUFFIX = '.acks.jsonl';

/** Owner only, as the database: the records hold event payloads. */
const JOURNAL_MODE = 0o600;

/**
 * The line that says: every event the ingest thread accepted up to `mark` has its records in the
 * lines before it (see ingest/ingest-journal.ts). Written last in its write(), so a write cut short
 * loses the mark, never a record the mark vouches for.
 */
export function ingestMarkLine(mark: number): string {
  return `{"ingestMark":${mark}}\n`;
}

export class AckJournal {
  /** a write failed part-way: the next one first ends that torn line, so it cannot swallow a record */
  private torn = false;

  private constructor(
    readonly path: string,
    private fd: number | null,
  ) {}

  /** Opens (or creates) the journal; the error message when the file cannot be used. */
  static open(path: string): AckJournal | string {
    try {
      // O_APPEND: every write lands at the end, also right after the file was truncated.
      const fd = openSync(path, constants.O_RDWR | constants.O_CREAT | constants.O_APPEND, JOURNAL_MODE);
      return new AckJournal(path, fd);
    } catch (err) {
      return (err as Error).message;
    }
  }

  /**
   * Every whole record in the file, by id, the newest version of each (lines are in write order),
   * and the highest ingest mark written (see ingestMarkLine; 0 when none).
   */
  read(): { records: Map<number, DeliveryRecord>; ingestMark: number } {
    const records = new Map<number, DeliveryRecord>();
    let ingestMark = 0;
    const text = readFileSync(this.path, 'utf8');
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const parsed = JSON.parse(line) as DeliveryRecord | { ingestMark?: unknown };
        if ('id' in parsed && typeof parsed.id === 'number') records.set(parsed.id, parsed);
        else if ('ingestMark' in parsed && typeof parsed.ingestMark === 'number') ingestMark = Math.max(ingestMark, parsed.ingestMark);
      } catch {
        // A line cut short by a kill inside write(): that event was not acknowledged.
      }
    }
    return { records, ingestMark };
  }

  /** Appends the lines; returns once they are in the operating system's hands. Throws on failure. */
  append(text: string): void {
    const buf = Buffer.from(this.torn ? `\n${text}` : text, 'utf8');
    let at = 0;
    try {
      while (at < buf.length) at += writeSync(this.handle(), buf, at, buf.length - at);
      this.torn = false;
    } catch (err) {
      if (at > 0) this.torn = true;
      throw err;
    }
  }

  /** Empties the file: everything it held is in the database now. */
  clear(): void {
    ftruncateSync(this.handle());
    this.torn = false;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  private handle(): number {
    if (this.fd === null) throw new Error('the outbox journal is closed');
    return this.fd;
  }
}
