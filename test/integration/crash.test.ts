// The crash test: the real headless host (dist/main/headless.js) takes a burst of 10,000 events
// on its ingest over a few parallel keep-alive connections and is killed with SIGKILL mid-burst,
// then restarted on the same data folder. Every event whose POST got a 2xx must end delivered
// (the receiver is up), the receiver must hold each at least once, and the accounting must add up
// both in the new process and recomputed from the database. Duplicates (at-least-once across a
// crash) are measured and printed.

import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { Agent, request } from 'undici';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppState } from '../../src/shared/bridge';
import { unaccounted } from '../../src/shared/delivery';
import { JOURNAL_SUFFIX } from '../../src/main/core/outbox/ack-journal';
import { HISTORY_FILE } from '../../src/main/core/outbox/outbox-db';
import { buildOnce, HEADLESS, ROOT } from '../e2e/helpers/host';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { stopChild, whenListening } from '../fixtures/host-listening';

const BURST = 10_000;
/** Parallel keep-alive connections posting the burst, as a busy daemon and a script might. */
const CONNECTIONS = 4;
/** Acknowledged events after which the host is killed: well inside the burst. */
const KILL_AFTER = 3_000;
const TOKEN = 'crash-test-token';
/** A clean stop drains, writes and closes in well under this; past it the host is killed (and the test fails). */
const STOP_KILL_AFTER_MS = 30_000;

interface Host {
  child: ChildProcess;
  origin: string;
  exited: Promise<void>;
  exitCode: Promise<number | null>;
}

let dir: string;
let receiver: Receiver;
let hosts: Host[] = [];

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-crash-'));
  receiver = await startReceiver();
  hosts = [];
});

afterEach(async () => {
  for (const h of hosts) {
    if (h.child.exitCode === null && h.child.signalCode === null) h.child.kill('SIGKILL');
    await h.exited;
  }
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

async function startHost(): Promise<Host> {
  const child = spawn(
    process.execPath,
    [HEADLESS, '--no-daemon', '--port', '0', '--token', TOKEN, '--data-dir', join(dir, 'data'), '--url', receiver.url,
      '--retry-backoff-ms', '20', '--timeout-ms', '5000'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const started = whenListening(child);
  const { exited, exitCode } = started;
  const origin = await started.origin;
  const host = { child, origin, exited, exitCode };
  hosts.push(host);
  return host;
}

/** Stops the host as a service manager would (SIGTERM: drain, write, close); it must exit cleanly. */
async function stopHost(h: Host): Promise<void> {
  expect(await stopChild(h.child, h.exitCode, 'SIGTERM', STOP_KILL_AFTER_MS)).toBe(0);
}

async function state(h: Host): Promise<AppState> {
  const res = await fetch(`${h.origin}/api/state`, { headers: { authorization: `Bearer ${TOKEN}` } });
  return (await res.json()) as AppState;
}

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Posts events `seqs` to the ingest over CONNECTIONS keep-alive connections. Returns the seqs
 * that were answered 2xx; a connection that breaks (the kill) ends its worker.
 */
async function burst(ingestUrl: string, seqs: number[], onAck?: (acked: number) => void): Promise<Set<number>> {
  const agent = new Agent({ connections: CONNECTIONS, pipelining: 1, keepAliveTimeout: 10_000 });
  const acked = new Set<number>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < seqs.length) {
      const seq = seqs[next++]!;
      try {
        const res = await request(ingestUrl, {
          method: 'POST',
          dispatcher: agent,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ event_id: seq, event: 'tunnel.established', node_id: 7, timestamp: new Date().toISOString(), data: { seq } }),
        });
        await res.body.dump();
        if (res.statusCode >= 200 && res.statusCode < 300) {
          acked.add(seq);
          onAck?.(acked.size);
        }
      } catch {
        return; // the host is gone: everything after this was never acknowledged
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  await agent.close().catch(() => undefined);
  return acked;
}

describe('crash: SIGKILL in the middle of a burst', () => {
  it('every acknowledged event is delivered after the restart; nothing unaccounted, checked from the database', async () => {
    await buildOnce();
    const first = await startHost();
    const ingest1 = (await state(first)).ingest.url!;
    const all = Array.from({ length: BURST }, (_, i) => i + 1);

    let killed = false;
    const ackedBefore = await burst(ingest1, all, (n) => {
      if (n >= KILL_AFTER && !killed) {
        killed = true;
        first.child.kill('SIGKILL');
      }
    });
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');
    expect(ackedBefore.size).toBeGreaterThanOrEqual(KILL_AFTER);
    expect(ackedBefore.size).toBeLessThan(BURST);

    // Restart on the same data folder; the rest of the burst goes to the new ingest.
    const second = await startHost();
    const s0 = await state(second);
    expect(s0.history.durable).toBe(true);
    const rest = all.filter((seq) => !ackedBefore.has(seq));
    const ackedAfter = await burst(s0.ingest.url!, rest);
    expect(ackedAfter.size).toBe(rest.length);

    await until('the outbox to empty', async () => (await state(second)).stats.queued === 0);
    const s = await state(second);
    expect(unaccounted(s.stats)).toBe(0);
    expect(s.stats.failed + s.stats.dropped + s.stats.circuitSkips + s.stats.abandoned).toBe(0);

    // The receiver holds every acknowledged event at least once.
    const seen = new Map<number, number>();
    for (const r of receiver.requests) {
      const seq = (r.json() as { data: { seq: number } }).data.seq;
      seen.set(seq, (seen.get(seq) ?? 0) + 1);
    }
    const acked = new Set([...ackedBefore, ...ackedAfter]);
    const missing = [...acked].filter((seq) => !seen.has(seq));
    expect(missing).toStrictEqual([]);
    const duplicates = [...seen.values()].reduce((n, k) => n + (k - 1), 0);

    // From the database: each acknowledged event is stored, delivered; nothing left pending.
    // Read once the host has stopped, not while it runs: a running host writes its changes to the
    // database in batches a little later (DB_WRITE_MS; they are durable in the journal meanwhile),
    // so a reader of the file beside it sees the last outcomes still 'queued' — under CPU load
    // for well over DB_WRITE_MS. Its clean stop writes everything and empties the journal.
    await stopHost(second);
    expect(statSync(join(dir, 'data', HISTORY_FILE + JOURNAL_SUFFIX)).size).toBe(0);
    const db = new Database(join(dir, 'data', HISTORY_FILE), { readonly: true });
    try {
      const byOutcome = Object.fromEntries(
        (db.prepare('SELECT outcome, count(*) AS n FROM records GROUP BY outcome').all() as { outcome: string; n: number }[]).map((r) => [r.outcome, r.n]),
      );
      const storedSeqs = new Map<number, string>();
      for (const row of db.prepare('SELECT outcome, record FROM records').iterate() as Iterable<{ outcome: string; record: string }>) {
        const seq = (JSON.parse((JSON.parse(row.record) as { payload: string }).payload) as { data: { seq: number } }).data.seq;
        storedSeqs.set(seq, row.outcome);
      }
      const notDelivered = [...acked].filter((seq) => storedSeqs.get(seq) !== 'delivered');
      expect(notDelivered).toStrictEqual([]);
      expect(byOutcome.queued ?? 0).toBe(0);
      const rows = Object.values(byOutcome).reduce((n, k) => n + k, 0);
      // Stored = acknowledged + at most the few accepted whose 2xx the kill cut off.
      expect(rows).toBeGreaterThanOrEqual(acked.size);
      expect(rows - acked.size).toBeLessThanOrEqual(CONNECTIONS);
      // This run counted what it resumed plus what it received; the rest was settled before the kill.
      expect(s.stats.received).toBe(s.stats.resumed + ackedAfter.size);
      console.log(
        `crash test: ${ackedBefore.size} acknowledged before SIGKILL, ${s.stats.resumed} resumed after restart, ` +
          `${ackedAfter.size} after; ${rows} stored; receiver saw ${receiver.requests.length} requests for ${seen.size} events ` +
          `(${duplicates} duplicate${duplicates === 1 ? '' : 's'}, at-least-once across the crash)`,
      );
      expect(duplicates).toBeLessThanOrEqual(CONNECTIONS); // at most the ones in flight at the kill
    } finally {
      db.close();
    }
  }, 120_000);

  it('SIGKILL right after the acknowledgements, before the batch reached the database: every acknowledged event is resumed', async () => {
    // Acknowledged events are made durable by one journal write each and written to the database
    // in batches a little later; killed in between, the journal is what holds them.
    await buildOnce();
    const first = await startHost();
    const s1 = await state(first);
    const paused = await fetch(`${first.origin}/api/pause`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(paused.ok).toBe(true);
    const seqs = Array.from({ length: 200 }, (_, i) => i + 1);
    const acked = await burst(s1.ingest.url!, seqs);
    expect(acked.size).toBe(seqs.length);
    const journal = join(dir, 'data', HISTORY_FILE + JOURNAL_SUFFIX);
    const journaledAtKill = statSync(journal).size;
    first.child.kill('SIGKILL');
    await first.exited;
    expect(first.child.signalCode).toBe('SIGKILL');

    const second = await startHost();
    await until('the resumed events to be delivered', async () => (await state(second)).stats.queued === 0);
    const s = await state(second);
    expect(s.stats).toMatchObject({ resumed: seqs.length, delivered: seqs.length });
    expect(unaccounted(s.stats)).toBe(0);
    const seen = new Set(receiver.requests.map((r) => (r.json() as { data: { seq: number } }).data.seq));
    expect([...acked].filter((seq) => !seen.has(seq))).toStrictEqual([]);
    console.log(`crash test (journal window): ${acked.size} acknowledged while paused, ${journaledAtKill} journal bytes not yet in the database at the kill; all resumed`);
  }, 120_000);
});
