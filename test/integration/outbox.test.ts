// The durable outbox and history (history.sqlite3 in a real temp data folder) under the real
// controller: stored before the ingest answers, resumed in order after a restart, parked instead
// of dropped, queried from the database, pruned by retention, exported, and a corrupt file set
// aside with a warning.

import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createController, type Controller, type ControllerOptions } from '../../src/main/core/controller';
import { INGEST_JOURNAL_SUFFIX, readIngestJournal } from '../../src/main/core/ingest/ingest-journal';
import { JOURNAL_SUFFIX } from '../../src/main/core/outbox/ack-journal';
import { HISTORY_FILE, OutboxDb } from '../../src/main/core/outbox/outbox-db';
import { writeJsonLines } from '../../src/main/core/outbox/history-export';
import { SCHEMA_VERSION } from '../../src/main/core/outbox/schema';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { unaccounted, type DeliveryRecord, type Outcome, type Stats } from '../../src/shared/delivery';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

let dir: string;
let dataDir: string;
let receiver: Receiver;
let controller: Controller | null;

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-outbox-'));
  dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  receiver = await startReceiver();
  controller = null;
});

afterEach(async () => {
  await controller?.close();
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(opts: Partial<ControllerOptions> = {}, overrides: ControllerOptions['runOverrides'] = {}): Promise<Controller> {
  const o = openConfStore(dataDir);
  controller = await createController({
    settings: new SettingsService(o.kv, o.warnings),
    runOverrides: { url: receiver.url, retryBackoffMs: 20, timeoutMs: 2000, circuitCooldownMs: 300, ...overrides },
    daemon: { enabled: false, socketPath: null },
    pushIntervalMs: 10,
    dataDir,
    ...opts,
  });
  return controller;
}

async function restart(opts: Partial<ControllerOptions> = {}, overrides: ControllerOptions['runOverrides'] = {}): Promise<Controller> {
  await controller?.close();
  controller = null;
  return start(opts, overrides);
}

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

/** The accounting invariant recomputed from what the database holds (rejected bodies are not events). */
function storedTotals(c: Controller): { rows: number; byOutcome: Partial<Record<Outcome, number>> } {
  const byOutcome = c.storedOutcomes();
  const rows = Object.entries(byOutcome)
    .filter(([o]) => o !== 'rejected')
    .reduce((n, [, k]) => n + (k ?? 0), 0);
  return { rows, byOutcome };
}

function seqs(rx: Receiver): number[] {
  return rx.requests.map((r) => ((r.json() as { data: { seq: number } }).data.seq));
}

function quiet(c: Controller): boolean {
  return c.getState().stats.queued === 0;
}

describe('durable outbox', () => {
  it('an event is durable before the ingest answers 2xx (read from the files by a second reader)', async () => {
    const c = await start();
    await c.handlers.pause(undefined);
    const res = await post(c.ingestUrl, { event: 'tunnel.established', data: { seq: 1 } });
    expect(res.status).toBe(204);
    // The moment the answer came back, the event is on disk: in the ingest thread's journal (one
    // write per acknowledgement), or already as a record in the outbox's journal or database.
    const ingestJournal = join(dataDir, HISTORY_FILE + INGEST_JOURNAL_SUFFIX);
    const inIngestJournal = readIngestJournal(ingestJournal, 0).events.map((e) => e.ev);
    const journal = join(dataDir, HISTORY_FILE + JOURNAL_SUFFIX);
    const readRow = (): { event: string; outcome: string; record: string } | undefined => {
      const reader = new Database(join(dataDir, HISTORY_FILE), { readonly: true });
      try {
        return reader.prepare('SELECT event, outcome, record FROM records').get() as { event: string; outcome: string; record: string } | undefined;
      } finally {
        reader.close();
      }
    };
    const journaled = readFileSync(journal, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as DeliveryRecord | { ingestMark: number })
      .filter((l): l is DeliveryRecord => 'id' in l);
    const stored = readRow();
    expect(inIngestJournal.length > 0 || journaled.length > 0 || stored !== undefined).toBe(true);
    if (inIngestJournal.length > 0) expect(inIngestJournal[0]).toMatchObject({ event: 'tunnel.established', data: { seq: 1 } });
    if (journaled.length > 0) expect(journaled[journaled.length - 1]).toMatchObject({ event: 'tunnel.established', outcome: 'queued', source: 'daemon' });
    // Then the batch reaches the database, and the journal is emptied.
    await waitUntil(() => readRow() !== undefined, 'the record written to the database');
    const row = readRow()!;
    expect(row).toMatchObject({ event: 'tunnel.established', outcome: 'queued' });
    expect(JSON.parse(row.record)).toMatchObject({ source: 'daemon' });
    expect(readFileSync(journal, 'utf8')).toBe('');
    expect((statSync(journal).mode & 0o777).toString(8)).toBe('600');
    // The ingest thread's journal lets the event go once its record is durable.
    await waitUntil(() => readIngestJournal(ingestJournal, 0).events.length === 0, 'the ingest journal emptied');
    const reader = new Database(join(dataDir, HISTORY_FILE), { readonly: true });
    try {
      expect(reader.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(reader.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      reader.close();
    }
    expect(c.getState().history).toMatchObject({ durable: true, path: join(dataDir, HISTORY_FILE), days: 30, maxMB: 100 });
  });

  it('what was pending when the app stopped resumes at the next start, in order, counted as resumed', async () => {
    let c = await start();
    await c.handlers.pause(undefined);
    for (let seq = 1; seq <= 20; seq++) c.accept({ event: 'conn.established', data: { seq } }, 'api');
    expect(c.getState().stats).toMatchObject({ received: 20, queued: 20 });
    await c.close();
    expect(receiver.requests).toHaveLength(0);

    c = await restart();
    await waitUntil(() => quiet(c) && receiver.requests.length === 20, 'resumed events delivered');
    expect(seqs(receiver)).toStrictEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const stats = c.getState().stats;
    expect(stats).toMatchObject({ received: 20, resumed: 20, delivered: 20, queued: 0 });
    expect(unaccounted(stats)).toBe(0);
    expect(storedTotals(c)).toStrictEqual({ rows: 20, byOutcome: { delivered: 20 } });
    // The same event keeps its webhook-id across the restart (the prefix lives in the database).
    const ids = receiver.requests.map((r) => String(r.headers['webhook-id']));
    expect(new Set(ids).size).toBe(20);
    expect(ids[0]).toMatch(/^msg_[0-9a-f]{12}_1$/);
  });

  it('events the ingest acknowledged but the last run never recorded are recovered at the next start, once, after what was pending', async () => {
    // A run ends (killed) right after its ingest thread journaled events 3-5 and before the main
    // thread recorded them; 1-2 had their records (the outbox's mark says so) and one was pending.
    let c = await start();
    await c.handlers.pause(undefined);
    for (let seq = 1; seq <= 2; seq++) expect((await post(c.ingestUrl, { event: 'conn.established', data: { seq } })).status).toBe(204);
    await waitUntil(() => c.getState().stats.received === 2, 'two recorded');
    await c.close();
    controller = null;
    const base = join(dataDir, HISTORY_FILE + INGEST_JOURNAL_SUFFIX);
    const line = (s: number, seq: number): string => JSON.stringify({ s, t: Date.now(), e: { event: 'conn.established', data: { seq } } });
    // A stale segment below the mark (must not deliver twice) and one above it.
    writeFileSync(`${base}.7.jsonl`, `${line(1, 1)}\n${line(2, 2)}\n`);
    writeFileSync(`${base}.8.jsonl`, `${line(3, 3)}\n${line(4, 4)}\n${line(5, 5)}\n{"s":6,"t":1,"e":{"ev`);

    c = await start();
    await waitUntil(() => quiet(c) && receiver.requests.length === 5, 'pending and recovered events delivered');
    expect(seqs(receiver)).toStrictEqual([1, 2, 3, 4, 5]);
    const stats = c.getState().stats;
    expect(stats).toMatchObject({ received: 5, resumed: 5, delivered: 5, queued: 0 });
    expect(unaccounted(stats)).toBe(0);
    expect(storedTotals(c)).toStrictEqual({ rows: 5, byOutcome: { delivered: 5 } });
    // The recovered events are in the outbox now: the old segments are gone, and the next event
    // the ingest takes continues the sequence.
    expect(readdirSync(dataDir).filter((f) => f.endsWith('.jsonl') && f.includes('.ingest.') && /\.(7|8)\.jsonl$/.test(f))).toStrictEqual([]);
    expect((await post(c.ingestUrl, { event: 'conn.established', data: { seq: 6 } })).status).toBe(204);
    await waitUntil(() => receiver.requests.length === 6, 'a new event delivered');
    await c.close();
    controller = null;
    expect(readdirSync(dataDir).filter((f) => f.includes('.ingest.'))).toStrictEqual([]);
    c = await start();
    await new Promise((r) => setTimeout(r, 100));
    expect(c.getState().stats).toMatchObject({ received: 0, resumed: 0 });
    expect(receiver.requests).toHaveLength(6);
  });

  it('a full queue parks events in the outbox instead of dropping them', async () => {
    const c = await start({}, { queueSize: 2 });
    await c.handlers.pause(undefined);
    for (let seq = 1; seq <= 50; seq++) c.accept({ event: 'conn.fin', data: { seq } }, 'api');
    expect(c.getState().stats).toMatchObject({ received: 50, queued: 50, dropped: 0 });
    expect(c.getState().client.dropped).toBe(0);
    await c.handlers.resume(undefined);
    await waitUntil(() => quiet(c) && receiver.requests.length === 50, 'all 50 delivered');
    expect(seqs(receiver)).toStrictEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(unaccounted(c.getState().stats)).toBe(0);
    expect(storedTotals(c).byOutcome).toStrictEqual({ delivered: 50 });
  });

  it('the log is read from the database, with since / outcome / topic filters, across restarts', async () => {
    let c = await start();
    receiver.reply((req) => ((req.json() as { event: string }).event === 'conn.rst' ? { status: 400 } : { status: 200 }));
    c.accept({ event: 'tunnel.established', data: { seq: 1 } }, 'api');
    c.accept({ event: 'conn.rst', data: { seq: 2 } }, 'api');
    await waitUntil(() => quiet(c), 'first two settled');
    const mid = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 5));
    c.accept({ event: 'tunnel.rx_silence', data: { seq: 3 } }, 'api');
    await waitUntil(() => quiet(c), 'third settled');

    c = await restart();
    const all = (await c.handlers.getLog({})).records;
    expect(all.map((r) => r.event)).toStrictEqual(['tunnel.rx_silence', 'conn.rst', 'tunnel.established']);
    expect((await c.handlers.getLog({ topic: 'tunnel.*' })).records.map((r) => r.event)).toStrictEqual(['tunnel.rx_silence', 'tunnel.established']);
    // The same pattern language as the filters: a comma list, from the database too.
    expect((await c.handlers.getLog({ topic: 'conn.rst, tunnel.established' })).records.map((r) => r.event)).toStrictEqual(['conn.rst', 'tunnel.established']);
    expect((await c.handlers.getLog({ outcome: 'client_error' })).records.map((r) => r.event)).toStrictEqual(['conn.rst']);
    expect((await c.handlers.getLog({ since: mid })).records.map((r) => r.event)).toStrictEqual(['tunnel.rx_silence']);
    expect((await c.handlers.getLog({ limit: 1, before: all[0]!.id })).records.map((r) => r.event)).toStrictEqual(['conn.rst']);
    // Ids continue after the restart: a new event never reuses a stored id.
    const next = c.accept({ event: 'conn.fin', data: { seq: 4 } }, 'api');
    expect(next.id).toBeGreaterThan(all[0]!.id);
  });

  it('topic filters: other topics are recorded as filtered, counted, kept across restarts', async () => {
    let c = await start();
    expect(await c.handlers.setTopicFilters({ filters: [' tunnel.* ', 'handshake.*', 'tunnel.*'] })).toStrictEqual({
      ok: true,
      value: { filters: ['tunnel.*', 'handshake.*'] },
    });
    expect(await c.handlers.setTopicFilters({ filters: ['bad*pattern'] })).toMatchObject({ ok: false, error: { code: 'bad_topic_filter' } });
    // A pattern that matches no topic the daemon publishes would silently filter everything.
    for (const filters of [['tunnel'], ['Tunnel.*']]) {
      expect(await c.handlers.setTopicFilters({ filters })).toMatchObject({ ok: false, error: { code: 'bad_topic_filter', message: expect.stringMatching(/did you mean tunnel\.\*/) } });
    }
    for (const event of ['tunnel.established', 'conn.fin', 'handshake.request', 'message.received']) c.accept({ event, data: {} }, 'api');
    await waitUntil(() => quiet(c), 'settled');
    expect(receiver.requests.map((r) => (r.json() as { event: string }).event)).toStrictEqual(['tunnel.established', 'handshake.request']);
    const s = c.getState();
    expect(s.stats).toMatchObject({ received: 4, delivered: 2, filtered: 2 });
    expect(unaccounted(s.stats)).toBe(0);
    expect(s.topicFilters).toStrictEqual(['tunnel.*', 'handshake.*']);
    const filtered = (await c.handlers.getLog({ outcome: 'filtered' })).records;
    expect(filtered.map((r) => r.event)).toStrictEqual(['message.received', 'conn.fin']);
    expect(filtered[0]!.detail).toMatch(/topic filters \(tunnel\.\*, handshake\.\*\)/);

    c = await restart();
    expect(c.getState().topicFilters).toStrictEqual(['tunnel.*', 'handshake.*']);
    await c.handlers.setTopicFilters({ filters: [] });
    c.accept({ event: 'conn.fin', data: {} }, 'api');
    await waitUntil(() => receiver.requests.length === 3, 'unfiltered again');
  });

  it('retention removes the oldest records by age and by size, never pending ones, and says how many', async () => {
    const path = join(dataDir, HISTORY_FILE);
    const opened = OutboxDb.open(path);
    if (!opened.ok) throw new Error(opened.warnings.join('; '));
    const day = 86_400_000;
    const old = Date.now() - 40 * day;
    const rec = (id: number, receivedAt: number, outcome: Outcome, payload = '{}'): DeliveryRecord => ({
      id, event: 'conn.fin', receivedAt, outcome, url: null, attempts: [], payload, source: 'daemon',
    });
    for (let id = 1; id <= 5; id++) opened.db.insert(rec(id, old, 'delivered'));
    opened.db.insert(rec(6, old, 'queued')); // pending: the outbox, never pruned
    opened.db.insert(rec(7, Date.now(), 'failed'));
    opened.db.close();

    const c = await start({}, { url: undefined });
    // Started without a URL: the pending one is resumed and recorded no_url.
    expect(c.getState().history.retentionRemoved).toBe(5);
    expect(c.storedOutcomes()).toStrictEqual({ no_url: 1, failed: 1 });

    // By size: records of ~0.4 MB each against a 1 MB limit keep only the newest two.
    await c.close();
    controller = null;
    const again = OutboxDb.open(path);
    if (!again.ok) throw new Error('reopen');
    const big = 'x'.repeat(400_000);
    for (let id = 10; id < 15; id++) again.db.insert(rec(id, Date.now(), 'delivered', big));
    const before = again.db.count();
    expect(again.db.prune(Date.now() - 30 * day, 1_048_576)).toBe(before - 2);
    expect(again.db.page(0).map((r) => r.id)).toStrictEqual([13, 14]);
    again.db.close();
  });

  it('exports the whole history as JSON Lines, oldest first', async () => {
    const c = await start();
    for (let seq = 1; seq <= 3; seq++) c.accept({ event: 'conn.fin', data: { seq } }, 'api');
    await waitUntil(() => quiet(c), 'settled');
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (b: Buffer) => chunks.push(b));
    expect(await writeJsonLines(out, c.historyPages())).toBe(3);
    out.end();
    const lines = Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
    const records = lines.map((l) => JSON.parse(l) as DeliveryRecord);
    expect(records.map((r) => JSON.parse(r.payload).data.seq)).toStrictEqual([1, 2, 3]);
    expect(records.every((r) => r.outcome === 'delivered' && r.attempts.length === 1)).toBe(true);
  });

  it('a corrupt database is set aside with a warning and a fresh one started', async () => {
    writeFileSync(join(dataDir, HISTORY_FILE), 'this is not an SQLite database, just text that was here'.repeat(100));
    const c = await start();
    const s = c.getState();
    expect(s.history.durable).toBe(true);
    expect(s.warnings.join('\n')).toMatch(/history database was unreadable .*set aside as history\.sqlite3\.corrupt-/);
    const aside = readdirSync(dataDir).filter((f) => f.startsWith(`${HISTORY_FILE}.corrupt-`));
    expect(aside).toHaveLength(1);
    c.accept({ event: 'conn.fin', data: {} }, 'api');
    await waitUntil(() => quiet(c) && receiver.requests.length === 1, 'delivered with the fresh database');
    expect(c.storedOutcomes()).toStrictEqual({ delivered: 1 });
  });

  it('a database from a newer schema is left alone: in-memory history with a warning', async () => {
    const path = join(dataDir, HISTORY_FILE);
    const db = new Database(path);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    const c = await start();
    expect(c.getState().history).toMatchObject({ durable: false, path: null });
    expect(c.getState().warnings.join('\n')).toMatch(/written by a newer version/);
    expect(existsSync(path)).toBe(true);
    c.accept({ event: 'conn.fin', data: {} }, 'api');
    await waitUntil(() => receiver.requests.length === 1, 'still delivers');
  });

  it('outbox: false keeps the in-memory log (no file)', async () => {
    const c = await start({ outbox: false });
    expect(c.getState().history.durable).toBe(false);
    c.accept({ event: 'conn.fin', data: {} }, 'api');
    await waitUntil(() => quiet(c), 'settled');
    expect(existsSync(join(dataDir, HISTORY_FILE))).toBe(false);
    const stats: Stats = c.getState().stats;
    expect(unaccounted(stats)).toBe(0);
  });
});
