// How long the outbox's batched database write blocks the event loop (issue 17, goal 4): the
// OutboxLog on real files in a temp folder, 50 events per batch (what 50 ms bring at 1,000/s),
// each added, journaled, then settled, then one flush() timed; N batches.
//   --checkpoints worker|auto   WAL checkpoints on the worker thread (the app's) or SQLite's own
//                               auto-checkpoint inside the commit (before issue 17's change)
//   --batches N                 (default 400)
// Reports the flush's p50/p99/max and, apart, the database write and the journal's truncation.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckJournal, JOURNAL_SUFFIX } from '../../src/main/core/outbox/ack-journal';
import { HISTORY_FILE, OutboxDb } from '../../src/main/core/outbox/outbox-db';
import { OutboxLog } from '../../src/main/core/outbox/outbox-log';
import type { DeliveryRecord } from '../../src/shared/delivery';
import { fail, flags, report } from './common';

const f = flags(process.argv.slice(2));
const checkpoints = f.str('checkpoints', 'worker');
const batches = f.num('batches', 400);
/** Events per batch: the outbox writes every 50 ms, so 50 at 1,000 events/s. */
const PER_BATCH = 50;
/** A pause between batches, as the 50 ms between writes give the worker time to checkpoint. */
const GAP_MS = 5;

const dir = mkdtempSync(join(tmpdir(), 'pwd-bench-flush-'));
const opened = OutboxDb.open(join(dir, HISTORY_FILE));
if (!opened.ok) fail(opened.warnings.join('; '));
const db = opened.db;
if (checkpoints === 'worker') db.checkpointOffThread();
const journal = AckJournal.open(db.path + JOURNAL_SUFFIX);
if (typeof journal === 'string') fail(journal);
const log = new OutboxLog(db, journal);

const timed = (into: number[], fn: () => void): void => {
  const t = performance.now();
  fn();
  into.push(performance.now() - t);
};
const flushMs: number[] = [];
const writeMs: number[] = [];
const clearMs: number[] = [];
const write = db.write.bind(db);
db.write = (recs) => timed(writeMs, () => write(recs));
const clear = journal.clear.bind(journal);
journal.clear = () => timed(clearMs, clear);

const payload = JSON.stringify({ event_id: 1, event: 'message.received', node_id: 7, timestamp: new Date().toISOString(), data: { from: '0:0000.0000.0002', size: 128, type: 'TEXT' } });
for (let b = 0; b < batches; b++) {
  for (let k = 0; k < PER_BATCH; k++) {
    const rec: DeliveryRecord = { id: log.nextId(), event: 'message.received', receivedAt: Date.now(), outcome: 'queued', url: 'http://127.0.0.1:9/hook', attempts: [], payload, source: 'daemon', detail: 'queued' };
    log.add(rec);
    log.commitNow();
    rec.attempts.push({ startedAt: Date.now(), durationMs: 0.3, status: 200 });
    rec.outcome = 'delivered';
    rec.detail = 'delivered';
    log.update(rec);
  }
  log.commitNow();
  timed(flushMs, () => log.flush());
  await new Promise((r) => setTimeout(r, GAP_MS));
}
log.close();
rmSync(dir, { recursive: true, force: true });

const summary = (xs: number[]): { p50Ms: number; p99Ms: number; maxMs: number } => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number): number => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: s[s.length - 1]! };
};
report({ checkpoints, batches, perBatch: PER_BATCH, flush: summary(flushMs), dbWrite: summary(writeMs), journalClear: summary(clearMs) });
