// The history database: one SQLite file in the data folder that is both the outbox (rows whose
// outcome is 'queued' are pending delivery) and the delivery history (every other row).
//
// Durability: WAL journal with synchronous=NORMAL. A commit is then written to the WAL file before
// better-sqlite3 returns: a crash or SIGKILL of this process cannot lose it. (The ingest does not
// wait for a commit: the acknowledgement journal, ack-journal.ts, makes an event durable with the
// same promise in one write, and the records reach this file in batches.) What NORMAL gives up (against FULL) is
// an fsync per commit, so a power cut or kernel panic may roll back the last commits; FULL would
// make every ingest wait for the disk. The daemon re-sends what got no answer, and a desktop app's
// events are notifications, so a process crash is the failure worth paying for, not power loss.

import { ALL_TOPICS, parseTopicList } from '../../../shared/topic-patterns';
import { randomBytes } from 'node:crypto';
import { existsSync, renameSync } from 'node:fs';
import { basename } from 'node:path';
import Database, { type Database as Db, type Statement } from 'better-sqlite3';
import type { LogQuery } from '../../../shared/bridge';
import { UNNAMED_DESTINATION, type DeliveryRecord, type Outcome } from '../../../shared/delivery';
import { touchOwnerOnly } from '../data-folder';
import { migrate, SCHEMA_VERSION } from './schema';
import { WalCheckpointer, type WalCheckpointerOptions } from './wal-checkpointer';

/** The file's name inside the data folder. */
export const HISTORY_FILE = 'history.sqlite3';

/** How long a write waits for a lock before failing (only one connection writes, so rarely). */
const BUSY_TIMEOUT_MS = 5000;

/** Rows fetched per statement when paging through many (redelivery, export). */
export const PAGE_ROWS = 1000;

/** The SQLite files beside the database: a set-aside database takes them along. */
const SIDE_FILES = ['-wal', '-shm'];

/** Records a query returns when it names no limit: a screenful or two (as the in-memory log). */
export const DEFAULT_QUERY_LIMIT = 200;

export type OutboxOpen =
  | { ok: true; db: OutboxDb; warnings: string[] }
  | { ok: false; warnings: string[] };

interface Row {
  record: string;
}

/** A record to write: new (inserted) or changed (updated), with its JSON when already made. */
export interface StagedRow {
  rec: DeliveryRecord;
  isNew: boolean;
  json?: string;
}

/** The row of a record; `json` when the caller has the record serialised already. */
function toRow(rec: DeliveryRecord, json: string = JSON.stringify(rec)): [number, number, string, string, number | null, number, string] {
  return [rec.id, rec.receivedAt, rec.event, rec.outcome, rec.resentAs ?? null, json.length, json];
}

function fromRow(row: Row): DeliveryRecord {
  return JSON.parse(row.record) as DeliveryRecord;
}

/** `name.corrupt-<time>` beside the original, so nothing is ever deleted. */
function setAside(path: string, now: number): string {
  const stamp = new Date(now).toISOString().replace(/[:.]/g, '-');
  const aside = `${path}.corrupt-${stamp}`;
  renameSync(path, aside);
  for (const side of SIDE_FILES) {
    if (existsSync(path + side)) renameSync(path + side, aside + side);
  }
  return aside;
}

export class OutboxDb {
  /** every statement prepared once and kept (by its SQL): preparing costs more than running */
  private readonly statements = new Map<string, Statement>();
  private readonly insertStmt: Statement;
  /** the highest id ever written: kept when retention removes the newest rows too */
  private readonly setLastIdStmt: Statement;
  private readonly updateStmt: Statement;
  private readonly getStmt: Statement;
  private readonly writeMany: (recs: Iterable<StagedRow>, ingestMark: number) => void;
  /** random per database: keeps webhook-ids unique across databases yet stable across restarts */
  readonly instanceId: string;
  /** WAL checkpoints on a worker thread (checkpointOffThread); null: SQLite's own, in the commit */
  private checkpointer: WalCheckpointer | null = null;

  private constructor(
    readonly path: string,
    private readonly db: Db,
  ) {
    // A plain INSERT: a record id already taken is an error, never a silent overwrite of history.
    this.insertStmt = db.prepare(
      'INSERT INTO records (id, received_at, event, outcome, resent_as, bytes, record) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    this.setLastIdStmt = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('last_id', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value " +
        'WHERE CAST(excluded.value AS INTEGER) > CAST(meta.value AS INTEGER)',
    );
    this.updateStmt = db.prepare(
      'UPDATE records SET received_at = ?, event = ?, outcome = ?, resent_as = ?, bytes = ?, record = ? WHERE id = ?',
    );
    this.getStmt = db.prepare('SELECT record FROM records WHERE id = ?');
    // Same rule as last_id: the mark only ever moves up.
    const setIngestMarkStmt = db.prepare(
      "INSERT INTO meta (key, value) VALUES ('ingest_mark', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value " +
        'WHERE CAST(excluded.value AS INTEGER) > CAST(meta.value AS INTEGER)',
    );
    this.writeMany = db.transaction((recs: Iterable<StagedRow>, ingestMark: number) => {
      let highest = 0;
      for (const { rec, isNew, json } of recs) {
        const row = toRow(rec, json);
        if (isNew) {
          this.insertStmt.run(...row);
          if (rec.id > highest) highest = rec.id;
        } else {
          const [id, ...rest] = row;
          this.updateStmt.run(...rest, id);
        }
      }
      if (highest > 0) this.setLastIdStmt.run(String(highest));
      if (ingestMark > 0) setIngestMarkStmt.run(String(ingestMark));
    });
    this.instanceId = this.meta('instance') ?? this.setMeta('instance', randomBytes(6).toString('hex'));
  }

  /**
   * Opens (or creates) the database. A file SQLite cannot read is set aside (renamed, never
   * deleted) and a fresh one started, with a warning; a file from a newer app version is left
   * alone and the app runs without a durable history, also with a warning.
   */
  static open(path: string, now: () => number = Date.now): OutboxOpen {
    const warnings: string[] = [];
    const first = OutboxDb.tryOpen(path);
    if (first.ok) return { ok: true, db: first.db, warnings };
    if (first.newer) return { ok: false, warnings: [first.message] };
    if (!existsSync(path)) {
      return { ok: false, warnings: [`The history database ${path} could not be created (${first.message}); the history is kept in memory only for this run.`] };
    }
    let aside: string;
    try {
      aside = setAside(path, now());
    } catch (err) {
      return {
        ok: false,
        warnings: [`The history database ${path} is unreadable (${first.message}) and could not be set aside (${(err as Error).message}); the history is kept in memory only for this run.`],
      };
    }
    const second = OutboxDb.tryOpen(path);
    if (!second.ok) {
      return { ok: false, warnings: [`A new history database could not be started (${second.message}); the history is kept in memory only for this run.`] };
    }
    warnings.push(
      `The history database was unreadable (${first.message}). It was set aside as ${basename(aside)} and a new, empty history started; events pending in the old file are not resumed.`,
    );
    return { ok: true, db: second.db, warnings };
  }

  private static tryOpen(path: string): { ok: true; db: OutboxDb } | { ok: false; newer: boolean; message: string } {
    let db: Db | null = null;
    try {
      // Owner-only before SQLite creates it: the -wal and -shm files then get the same mode.
      touchOwnerOnly(path);
      db = new Database(path, { timeout: BUSY_TIMEOUT_MS });
      // Only takes effect on a new file (before the first table): lets retention give space back.
      db.pragma('auto_vacuum = INCREMENTAL');
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = NORMAL');
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') throw new Error(`integrity check: ${String(check)}`);
      const version = db.pragma('user_version', { simple: true }) as number;
      if (version > SCHEMA_VERSION) {
        db.close();
        return {
          ok: false,
          newer: true,
          message: `The history database ${path} was written by a newer version of the app (schema ${version}, this one knows ${SCHEMA_VERSION}); it is left untouched and the history is kept in memory only for this run.`,
        };
      }
      migrate(db);
      return { ok: true, db: new OutboxDb(path, db) };
    } catch (err) {
      try {
        db?.close();
      } catch {
        // Closing a broken handle may fail too; the file is set aside next.
      }
      return { ok: false, newer: false, message: (err as Error).message };
    }
  }

  insert(rec: DeliveryRecord): void {
    this.write([{ rec, isNew: true }]);
  }

  /**
   * Writes new and changed records in one transaction: one WAL commit for all of them. With
   * `ingestMark`, the same transaction says the ingest thread's events up to it have their
   * records (see ingest/ingest-journal.ts).
   */
  write(recs: Iterable<StagedRow>, ingestMark = 0): void {
    this.writeMany(recs, ingestMark);
    this.checkpointer?.written();
  }

  /**
   * Moves the WAL checkpoints to a worker thread with its own connection (see wal-checkpointer.ts):
   * no commit of this connection copies the WAL into the file and fsyncs any more.
   */
  checkpointOffThread(opts: WalCheckpointerOptions = {}): WalCheckpointer {
    this.checkpointer ??= new WalCheckpointer(
      {
        path: this.path,
        setAutoCheckpoint: (pages) => {
          if (this.db.open) this.db.pragma(`wal_autocheckpoint = ${Math.trunc(pages)}`);
        },
        checkpointHere: () => {
          this.db.pragma('wal_checkpoint(PASSIVE)');
        },
      },
      opts,
    );
    return this.checkpointer;
  }

  /** This connection's wal_autocheckpoint (pages; 0 = off). */
  autoCheckpointPages(): number {
    return this.db.pragma('wal_autocheckpoint', { simple: true }) as number;
  }

  get(id: number): DeliveryRecord | undefined {
    const row = this.getStmt.get(id) as Row | undefined;
    return row ? fromRow(row) : undefined;
  }

  /**
   * The highest record id this database ever held, removed or not: new ids continue after it, so
   * an id (and the webhook-id built from it) is never given twice, even after retention emptied
   * the table. Only the process holding the data folder's lock allocates from it.
   */
  maxId(): number {
    const inTable = (this.stmt('SELECT max(id) AS m FROM records').get() as { m: number | null }).m ?? 0;
    return Math.max(inTable, Number(this.meta('last_id') ?? 0));
  }

  count(): number {
    return (this.stmt('SELECT count(*) AS n FROM records').get() as { n: number }).n;
  }

  /** Ids of the outbox (pending delivery), in order of acceptance. */
  pendingIds(): number[] {
    return this.stmt("SELECT id FROM records WHERE outcome = 'queued' ORDER BY id", true).all() as number[];
  }

  /**
   * The outbox with each event's attempt state, in order of acceptance: the next-attempt time of
   * one waiting for a later attempt (its attempt count is in the record itself), so a restart
   * continues the schedule instead of starting it again.
   */
  pendingEntries(): { id: number; nextAttemptAt: number | null; destinationId: string | null }[] {
    // The destination too: each pending record resumes on its own destination after a restart.
    return this.db
      .prepare(
        "SELECT id, json_extract(record, '$.nextAttemptAt') AS nextAttemptAt, json_extract(record, '$.destinationId') AS destinationId FROM records WHERE outcome = 'queued' ORDER BY id",
      )
      .all() as { id: number; nextAttemptAt: number | null; destinationId: string | null }[];
  }

  /** How many records the database holds per outcome: the accounting invariant recomputed. */
  countByOutcome(): Partial<Record<Outcome, number>> {
    const rows = this.stmt('SELECT outcome, count(*) AS n FROM records GROUP BY outcome').all() as { outcome: Outcome; n: number }[];
    return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
  }

  /** Matching records, newest first (LogQuery semantics of the in-memory log). */
  query(q: LogQuery, maxLimit: number): DeliveryRecord[] {
    const where: string[] = [];
    const params: (number | string)[] = [];
    if (q.before !== undefined) {
      where.push('id < ?');
      params.push(q.before);
    }
    if (q.since !== undefined) {
      where.push('received_at >= ?');
      params.push(q.since);
    }
    if (q.outcome !== undefined) {
      where.push('outcome = ?');
      params.push(q.outcome);
    }
    if (q.destination !== undefined) {
      // Records from before destinations existed name none: they are the primary's.
      where.push(`coalesce(json_extract(record, '$.destinationId'), '${UNNAMED_DESTINATION}') = ?`);
      params.push(q.destination);
    }
    // The topic query is a pattern list (`tunnel.*, conn.fin`): any of them matches.
    const patterns = q.topic === undefined ? [] : parseTopicList(q.topic);
    if (patterns.length > 0 && !patterns.includes(ALL_TOPICS)) {
      const any: string[] = [];
      for (const pattern of patterns) {
        if (pattern.endsWith('.*')) {
          // A prefix compared exactly (LIKE would ignore case and treat _ and % as wildcards).
          const prefix = pattern.slice(0, -1);
          any.push('substr(event, 1, ?) = ?');
          params.push(prefix.length, prefix);
        } else {
          any.push('event = ?');
          params.push(pattern);
        }
      }
      where.push(`(${any.join(' OR ')})`);
    }
    const limit = Math.max(0, Math.min(q.limit ?? DEFAULT_QUERY_LIMIT, maxLimit));
    const sql = `SELECT record FROM records ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ?`;
    return (this.stmt(sql).all(...params, limit) as Row[]).map(fromRow);
  }

  /**
   * Ids of records to send again: received at or after `since`, with one of `outcomes`, not
   * already sent again; in order of acceptance.
   */
  redeliverable(since: number, outcomes: readonly Outcome[]): number[] {
    if (outcomes.length === 0) return [];
    const marks = outcomes.map(() => '?').join(', ');
    return this.stmt(`SELECT id FROM records WHERE received_at >= ? AND outcome IN (${marks}) AND resent_as IS NULL ORDER BY id`, true).all(
      since,
      ...outcomes,
    ) as number[];
  }

  /** One page of records in order of acceptance, after `afterId` (for export). */
  page(afterId: number, limit = PAGE_ROWS): DeliveryRecord[] {
    return (this.stmt('SELECT record FROM records WHERE id > ? ORDER BY id LIMIT ?').all(afterId, limit) as Row[]).map(fromRow);
  }

  /**
   * Retention: removes records received before `olderThan`, then the oldest until the stored
   * records take at most `maxBytes`. Pending ones (the outbox) are never removed: they are not
   * history yet. Returns how many were removed.
   */
  prune(olderThan: number, maxBytes: number): number {
    const removed = this.pruneMany(olderThan, maxBytes);
    this.checkpointer?.written();
    return removed;
  }

  private pruneMany(olderThan: number, maxBytes: number): number {
    return this.db.transaction(() => {
      let removed = this.stmt("DELETE FROM records WHERE received_at < ? AND outcome != 'queued'").run(olderThan).changes;
      const total = (this.stmt('SELECT coalesce(sum(bytes), 0) AS b FROM records').get() as { b: number }).b;
      let excess = total - maxBytes;
      if (excess > 0) {
        // Walk from the oldest, adding up sizes until the excess is covered; delete up to there.
        const rows = this.stmt("SELECT id, bytes FROM records WHERE outcome != 'queued' ORDER BY id").iterate() as IterableIterator<{ id: number; bytes: number }>;
        let cutoff = 0;
        for (const row of rows) {
          cutoff = row.id;
          excess -= row.bytes;
          if (excess <= 0) break;
        }
        if (cutoff > 0) removed += this.stmt("DELETE FROM records WHERE id <= ? AND outcome != 'queued'").run(cutoff).changes;
      }
      return removed;
    })();
  }

  /** Gives the pages retention freed back to the file system (auto_vacuum = INCREMENTAL). */
  reclaim(): void {
    this.db.pragma('incremental_vacuum');
  }

  /** The highest ingest sequence number whose records are stored (0: none). */
  ingestMark(): number {
    return Number(this.meta('ingest_mark') ?? 0);
  }

  meta(key: string): string | null {
    const row = this.stmt('SELECT value FROM meta WHERE key = ?').get(key) as { value: string } | undefined;
    return row?.value ?? null;
  }

  setMeta(key: string, value: string): string {
    this.stmt('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)').run(key, value);
    return value;
  }

  close(): void {
    // The worker closes its own connection; whichever closes last checkpoints and removes the WAL.
    this.checkpointer?.close();
    if (this.db.open) this.db.close();
  }

  /**
   * The statement for `sql`, prepared on first use and kept. `pluck` statements are kept apart
   * (pluck() changes the statement). The queries built from filters have a few shapes only, so
   * the map stays small.
   */
  private stmt(sql: string, pluck = false): Statement {
    const key = pluck ? `pluck:${sql}` : sql;
    let st = this.statements.get(key);
    if (!st) {
      st = this.db.prepare(sql);
      if (pluck) st.pluck();
      this.statements.set(key, st);
    }
    return st;
  }
}
