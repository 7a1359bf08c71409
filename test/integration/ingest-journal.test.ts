// The ingest thread's journal on real files: what it keeps, what it lets go once the outbox's mark
// passes it, and what a start reads back from a run that ended without recording everything.

import { appendFileSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  IngestJournal,
  nextIngestSegment,
  readIngestJournal,
  removeIngestSegments,
  SEGMENT_MAX_BYTES,
} from '../../src/main/core/ingest/ingest-journal';

let dir: string;
let base: string;

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'pwd-ingest-journal-'));
  base = join(dir, 'history.sqlite3.ingest');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const segments = (): string[] => readdirSync(dir).sort();
const ev = (i: number): string => JSON.stringify({ event: 'message.received', data: { i } });

function open(first = 0): IngestJournal {
  const j = IngestJournal.open(base, first);
  if (typeof j === 'string') throw new Error(j);
  return j;
}

describe('ingest journal', () => {
  it('keeps every appended event, owner-only, and reads back those above the mark in order', () => {
    const j = open();
    for (let s = 1; s <= 5; s++) j.append(s, 1000 + s, ev(s));
    j.close();
    expect(segments()).toStrictEqual(['history.sqlite3.ingest.0.jsonl']);
    expect(statSync(join(dir, segments()[0]!)).mode & 0o777).toBe(0o600);
    const { events, lastSegment } = readIngestJournal(base, 2);
    expect(events.map((e) => e.seq)).toStrictEqual([3, 4, 5]);
    expect(events[0]).toStrictEqual({ seq: 3, at: 1003, ev: { event: 'message.received', data: { i: 3 } } });
    expect(lastSegment).toBe(0);
  });

  it('skips a line cut short by a kill and anything that is not an event line', () => {
    const j = open();
    j.append(1, 1, ev(1));
    j.close();
    const file = join(dir, 'history.sqlite3.ingest.0.jsonl');
    appendFileSync(file, '{"s":2,"t":2,"e":{"event":"x"}}\nnot json\n{"s":"3","t":3,"e":{}}\n{"s":4,"t":4,"e":{"event":"cu');
    expect(readIngestJournal(base, 0).events.map((e) => e.seq)).toStrictEqual([1, 2]);
  });

  it('empties the current segment once the mark has caught up with it, and not before', () => {
    const j = open();
    j.append(1, 1, ev(1));
    j.append(2, 2, ev(2));
    const file = join(dir, 'history.sqlite3.ingest.0.jsonl');
    j.durableUpTo(1);
    expect(statSync(file).size).toBeGreaterThan(0);
    j.durableUpTo(2);
    expect(statSync(file).size).toBe(0);
    // Appending goes on at the start of the emptied file.
    j.append(3, 3, ev(3));
    j.close();
    expect(readIngestJournal(base, 0).events.map((e) => e.seq)).toStrictEqual([3]);
  });

  it('begins a new segment past SEGMENT_MAX_BYTES while the mark lags, and removes the old one once the mark passes it', () => {
    const j = open(4);
    const big = JSON.stringify({ event: 'file.received', data: 'x'.repeat(64 * 1024) });
    let s = 0;
    while (segments().length === 1) j.append(++s, s, big);
    const firstLast = s;
    expect(firstLast * big.length).toBeGreaterThanOrEqual(SEGMENT_MAX_BYTES);
    j.append(++s, s, big);
    expect(segments()).toStrictEqual(['history.sqlite3.ingest.4.jsonl', 'history.sqlite3.ingest.5.jsonl']);
    expect(nextIngestSegment(base)).toBe(6);
    j.durableUpTo(firstLast - 1);
    expect(segments()).toHaveLength(2);
    j.durableUpTo(firstLast);
    expect(segments()).toStrictEqual(['history.sqlite3.ingest.5.jsonl']);
    j.close();
    expect(readIngestJournal(base, firstLast).events.map((e) => e.seq)).toStrictEqual([s]);
  });

  it('reads the segments of a run that died in order, and removes those up to a number', () => {
    writeFileSync(`${base}.2.jsonl`, `{"s":3,"t":3,"e":{"event":"c"}}\n`);
    writeFileSync(`${base}.1.jsonl`, `{"s":1,"t":1,"e":{"event":"a"}}\n{"s":2,"t":2,"e":{"event":"b"}}\n`);
    writeFileSync(join(dir, 'history.sqlite3.ingest.x.jsonl'), 'not a segment');
    const { events, lastSegment } = readIngestJournal(base, 0);
    expect(events.map((e) => e.ev.event)).toStrictEqual(['a', 'b', 'c']);
    expect(lastSegment).toBe(2);
    removeIngestSegments(base, 1);
    expect(segments()).toStrictEqual(['history.sqlite3.ingest.2.jsonl', 'history.sqlite3.ingest.x.jsonl']);
    removeIngestSegments(base);
    expect(segments()).toStrictEqual(['history.sqlite3.ingest.x.jsonl']);
  });

  it('answers why when it cannot open its file', () => {
    const opened = IngestJournal.open(join(dir, 'missing', 'history.sqlite3.ingest'), 0);
    expect(opened).toMatch(/ENOENT/);
  });
});
