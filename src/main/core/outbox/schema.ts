// The history database's schema, as a list of migrations. `PRAGMA user_version` records how many
// have run; opening a file runs the rest in order, each in its own transaction, so a file from
// any earlier version is brought up to date and a crash mid-migration leaves the last good one.

import type { Database } from 'better-sqlite3';

export interface Migration {
  /** the user_version the file has once this migration has run */
  version: number;
  describe: string;
  up(db: Database): void;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    describe: 'records (the outbox and the history in one table) and meta',
    up: (db) =>
      db.exec(`
        CREATE TABLE records (
          id          INTEGER PRIMARY KEY,  -- the log id, also the event_id the app sends
          received_at INTEGER NOT NULL,     -- epoch ms the app accepted it
          event       TEXT    NOT NULL,     -- topic, for the topic query
          outcome     TEXT    NOT NULL,     -- 'queued' rows are the outbox: pending delivery
          resent_as   INTEGER,              -- id of the newer record that sent it again
          bytes       INTEGER NOT NULL,     -- length of "record", for the size limit
          record      TEXT    NOT NULL      -- the DeliveryRecord as JSON
        );
        CREATE INDEX records_by_outcome ON records (outcome, id);
        CREATE INDEX records_by_time ON records (received_at);
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
      `),
  },
];

/** The version this build writes; a file with a higher one was written by a newer app. */
export const SCHEMA_VERSION = MIGRATIONS[MIGRATIONS.length - 1]!.version;

/** Runs every migration the file has not had yet; returns the versions applied. */
export function migrate(db: Database): number[] {
  const current = db.pragma('user_version', { simple: true }) as number;
  const applied: number[] = [];
  for (const m of MIGRATIONS) {
    if (m.version <= current) continue;
    db.transaction(() => {
      m.up(db);
      // PRAGMA takes no bound parameters; the version is our own integer constant.
      db.pragma(`user_version = ${m.version}`);
    })();
    applied.push(m.version);
  }
  return applied;
}
