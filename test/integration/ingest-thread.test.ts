// The ingest on its own worker thread (real thread, real HTTP on loopback, real journal files):
// the answer comes once the event is journaled, the events reach the main thread in order, the
// journal lets them go once they are durable, and the thread refuses, sheds load and comes back
// as it says.

import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readIngestJournal } from '../../src/main/core/ingest/ingest-journal';
import { HANDOVER_EVENTS_PER_TURN, startIngestThread, type IngestThread, type IngestThreadOptions } from '../../src/main/core/ingest/ingest-thread';
import type { IngestRejection } from '../../src/main/core/ingest/ingest-server';
import type { AcceptedEvent } from '../../src/shared/events';
import { waitUntil } from '../fixtures/receiver';

let dir: string;
let base: string;
let thread: IngestThread | null;
let got: { seq: number; at: number; ev: AcceptedEvent }[];
let rejected: IngestRejection[];
let problems: (string | null)[];

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-ingest-thread-'));
  base = join(dir, 'history.sqlite3.ingest');
  thread = null;
  got = [];
  rejected = [];
  problems = [];
});
afterEach(async () => {
  await thread?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function start(opts: Partial<IngestThreadOptions> = {}): Promise<IngestThread> {
  thread = await startIngestThread(
    {
      onEvent: (seq, at, ev) => got.push({ seq, at, ev }),
      onReject: (r) => rejected.push(r),
      onProblem: (m) => problems.push(m),
    },
    { journalBase: base, firstSeq: 1, ...opts },
  );
  return thread;
}

const post = (t: IngestThread, body: unknown): Promise<Response> =>
  fetch(t.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const journalBytes = (): number => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

describe('ingest thread', () => {
  it('answers 204 once the event is journaled and hands the events over in order, from firstSeq on', async () => {
    const t = await start({ firstSeq: 41 });
    for (let i = 0; i < 5; i++) expect((await post(t, { event: 'message.received', event_id: i, data: { i } })).status).toBe(204);
    // Acknowledged, journaled — and held until the main thread is ready for them.
    expect(readIngestJournal(base, 0).events.map((e) => e.seq)).toStrictEqual([41, 42, 43, 44, 45]);
    expect(got).toHaveLength(0);
    t.accept();
    await waitUntil(() => got.length === 5, 'events handed over');
    expect(got.map((g) => g.seq)).toStrictEqual([41, 42, 43, 44, 45]);
    expect(got.map((g) => (g.ev.data as { i: number }).i)).toStrictEqual([0, 1, 2, 3, 4]);
    expect(got[0]!.ev.daemonEventId).toBe(0);
    expect(t.lastSeq).toBe(45);
  });

  it('keeps the journal until the outbox says the events are durable, then empties it', async () => {
    const t = await start();
    t.accept();
    for (let i = 0; i < 3; i++) await post(t, { event: 'agent.heartbeat' });
    await waitUntil(() => got.length === 3, 'events handed over');
    expect(journalBytes()).toBeGreaterThan(0);
    t.done(2);
    await new Promise((r) => setTimeout(r, 50));
    expect(readIngestJournal(base, 0).events.map((e) => e.seq)).toStrictEqual([1, 2, 3]);
    t.done(3);
    await waitUntil(() => journalBytes() === 0, 'journal emptied');
  });

  it('refuses a malformed body with 400 and tells the main thread why; nothing is journaled', async () => {
    const t = await start();
    t.accept();
    const r = await post(t, '{"event": 1}');
    expect(r.status).toBe(400);
    await waitUntil(() => rejected.length === 1, 'rejection handed over');
    expect(rejected[0]).toMatchObject({ status: 400, message: '"event" must be a non-empty string' });
    expect(readIngestJournal(base, 0).events).toStrictEqual([]);
    expect(got).toHaveLength(0);
  });

  it('refuses events with 500 while the outbox cannot store them, and takes them again after', async () => {
    const t = await start();
    t.accept();
    t.refuse('The history database could not be written (disk full)');
    await new Promise((r) => setTimeout(r, 50));
    const refused = await post(t, { event: 'x' });
    expect(refused.status).toBe(500);
    expect(await refused.text()).toContain('disk full');
    t.refuse(null);
    let status = 0;
    for (let i = 0; i < 20 && status !== 204; i++) {
      status = (await post(t, { event: 'x' })).status;
      if (status !== 204) await new Promise((r) => setTimeout(r, 20));
    }
    expect(status).toBe(204);
    expect(readIngestJournal(base, 0).events).toHaveLength(1);
  });

  it('answers 503 with Retry-After when the main thread is too far behind, and accepts again once it catches up', async () => {
    const t = await start({ maxBacklogEvents: 3 });
    t.accept();
    for (let i = 0; i < 3; i++) expect((await post(t, { event: 'x' })).status).toBe(204);
    const shed = await post(t, { event: 'x' });
    expect(shed.status).toBe(503);
    expect(shed.headers.get('retry-after')).toBe('1');
    expect(await shed.text()).toContain('3 events behind');
    t.done(3);
    await new Promise((r) => setTimeout(r, 50));
    expect((await post(t, { event: 'x' })).status).toBe(204);
    await waitUntil(() => got.length === 4, 'events handed over');
  });

  it('starts again on the same port after the thread dies, continuing the sequence and the journal', async () => {
    const t = await start();
    t.accept();
    await post(t, { event: 'before' });
    await waitUntil(() => got.length === 1, 'first event');
    await t.crashForTest();
    await waitUntil(() => problems.length === 1, 'the death reported');
    expect(problems[0]).toMatch(/stopped unexpectedly/);
    await waitUntil(() => problems.length === 2, 'the thread back', 10_000);
    expect(problems[1]).toBeNull();
    expect((await post(t, { event: 'after' })).status).toBe(204);
    await waitUntil(() => got.length === 2, 'second event');
    expect(got.map((g) => [g.seq, g.ev.event])).toStrictEqual([
      [1, 'before'],
      [2, 'after'],
    ]);
    // The new thread wrote to a new segment; both events are in the journal until done().
    expect(readIngestJournal(base, 0).events.map((e) => e.seq)).toStrictEqual([1, 2]);
  }, 20_000);

  it('hands a backlog over a turn of the event loop at a time, HANDOVER_EVENTS_PER_TURN at most, in order', async () => {
    const t = await start();
    const n = HANDOVER_EVENTS_PER_TURN * 2 + 50;
    for (let i = 0; i < n; i++) expect((await post(t, { event: 'x', data: { i } })).status).toBe(204);
    // A turn counter that moves once per check phase, beside the hand-over.
    let turn = 0;
    let ticking = true;
    const tick = (): void => {
      turn++;
      if (ticking) setImmediate(tick);
    };
    const turns: number[] = [];
    const onEvent = got.push.bind(got);
    got.push = (...items) => {
      turns.push(turn);
      return onEvent(...items);
    };
    setImmediate(tick);
    t.accept();
    await waitUntil(() => got.length === n, 'all handed over');
    ticking = false;
    const perTurn = [...turns.reduce((m, k) => m.set(k, (m.get(k) ?? 0) + 1), new Map<number, number>()).values()];
    expect(Math.max(...perTurn)).toBeLessThanOrEqual(HANDOVER_EVENTS_PER_TURN);
    expect(perTurn.length).toBeGreaterThanOrEqual(3);
    expect(got.map((g) => (g.ev.data as { i: number }).i)).toStrictEqual(Array.from({ length: n }, (_, i) => i));
  }, 20_000);

  it('without a journal (no outbox) answers and hands over all the same, writing no file', async () => {
    const t = await start({ journalBase: null });
    t.accept();
    expect((await post(t, { event: 'x' })).status).toBe(204);
    await waitUntil(() => got.length === 1, 'event handed over');
    expect(readdirSync(dir)).toStrictEqual([]);
  });

  it('hands over every event it acknowledged before close() resolves', async () => {
    const t = await start();
    t.accept();
    const posts = Array.from({ length: 50 }, (_, i) => post(t, { event: 'x', data: { i } }));
    const statuses = await Promise.all(posts.map((p) => p.then((r) => r.status).catch(() => 0)));
    await t.close();
    thread = null;
    expect(got).toHaveLength(statuses.filter((s) => s === 204).length);
    expect(got).toHaveLength(50);
  });
});
