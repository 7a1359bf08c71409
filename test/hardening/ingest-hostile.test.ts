// Hostile input at the ingest endpoint, tried for real: random bytes, invalid UTF-8, deep and huge
// JSON, wrong types per field, huge numbers, prototype-pollution keys, slow senders and many
// connections at once — against a real controller whose ingest is the daemon's entry point. Every
// input must end in a clear answer (2xx, or 4xx with a JSON error), never a 5xx, a crash or a hang;
// afterwards a valid event still reaches the receiver, and every answer is accounted for: each
// 2xx is a received event, each 4xx a rejected record, and the invariant holds.

import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { streamBody } from '../fixtures/stream-body';
import { createController, type Controller } from '../../src/main/core/controller';
import {
  INGEST_REQUEST_TIMEOUT_MS,
  INGEST_TIMEOUT_CHECK_MS,
  MAX_INGEST_BODY_BYTES,
  MAX_INGEST_JSON_DEPTH,
  startIngestServer,
} from '../../src/main/core/ingest/ingest-server';
import { openConfStore } from '../../src/main/core/settings/conf-store';
import { SettingsService } from '../../src/main/core/settings/settings';
import { unaccounted } from '../../src/shared/delivery';
import { MAX_TOPIC_LENGTH } from '../../src/shared/events';
import { isRfc3339 } from '../../src/shared/rfc3339';
import { rawRequest, slowClient, type RawAnswer } from '../fixtures/chaos-http';
import { heapAfterGc, MiB, watchProcessFaults, type ProcessFaults } from '../fixtures/chaos-process';
import { startReceiver, waitUntil, type Receiver } from '../fixtures/receiver';

let dir: string;
let receiver: Receiver;
let controller: Controller;
let faults: ProcessFaults;

/** Inputs tried, by kind, printed at the end. */
const tried: Record<string, number> = {};
/** Every answer the ingest gave, by status, to check against the controller's counts. */
const answers = { accepted: 0, refused: 0 };

function count(kind: string, n = 1): void {
  tried[kind] = (tried[kind] ?? 0) + n;
}

/** POSTs a body to the controller's ingest and checks the answer is 204 or a 4xx with a JSON error. */
async function ingest(body: Buffer | string, kind: string, headers: Record<string, string> = {}): Promise<RawAnswer> {
  count(kind);
  const res = await rawRequest(controller.ingestUrl, { body, headers: { 'content-type': 'application/json', ...headers } });
  if (res.status === 204) {
    answers.accepted++;
  } else {
    expect(res.status, `answer to a ${kind} input: ${res.body}`).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect(res.json).toMatchObject({ error: { code: expect.any(String), message: expect.any(String) } });
    answers.refused++;
  }
  return res;
}

/** What the daemon's body rules say, written out independently of checkEventBody. */
function shouldAccept(body: Record<string, unknown>): boolean {
  const { event, node_id: nodeId, timestamp } = body;
  if (typeof event !== 'string' || event.length === 0 || event.length > MAX_TOPIC_LENGTH) return false;
  if (nodeId !== undefined && nodeId !== null) {
    if (typeof nodeId !== 'number' || !Number.isInteger(nodeId) || nodeId < 0 || nodeId > Number.MAX_SAFE_INTEGER) return false;
  }
  if (timestamp !== undefined && timestamp !== null) {
    if (typeof timestamp !== 'string' || !isRfc3339(timestamp)) return false;
  }
  return true;
}

beforeAll(async () => {
  faults = watchProcessFaults();
  dir = mkdtempSync(join(tmpdir(), 'pwd-hard-ingest-'));
  receiver = await startReceiver();
  const opened = openConfStore(join(dir, 'data'));
  controller = await createController({
    settings: new SettingsService(opened.kv, opened.warnings),
    runOverrides: { url: receiver.url, timeoutMs: 1000, retryBackoffMs: 20, circuitCooldownMs: 500, queueSize: 5000 },
    daemon: { enabled: false, socketPath: null },
    pushIntervalMs: 10,
  });
});

afterAll(async () => {
  await controller?.close();
  await receiver?.close();
  rmSync(dir, { recursive: true, force: true });
  faults?.dispose();
  const total = Object.values(tried).reduce((a, b) => a + b, 0);
  console.log(`[hardening] ingest: ${total} hostile inputs tried ${JSON.stringify(tried)}; answers ${JSON.stringify(answers)}`);
});

describe('ingest under hostile input', () => {
  it('answers random bytes with 204 or a clear 4xx', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ minLength: 0, maxLength: 2048 }), async (bytes) => {
        await ingest(Buffer.from(bytes), 'random-bytes');
      }),
      { numRuns: 300 },
    );
  });

  it('refuses invalid UTF-8 with 400 bad_encoding, wherever it sits', async () => {
    const badSequences = [[0xff], [0xc0, 0xaf], [0xe0, 0x80, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xc3], [0xf4, 0x90, 0x80, 0x80]];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...badSequences), fc.nat({ max: 3 }), async (bad, where) => {
        const parts = ['{"event":"', 'conn.fin', '","data":{"k":"', 'v', '"}}'];
        const at = [1, 3, 4, 0][where]!;
        const buf = Buffer.concat(parts.map((p, i) => (i === at ? Buffer.concat([Buffer.from(bad), Buffer.from(p)]) : Buffer.from(p))));
        const res = await ingest(buf, 'invalid-utf8');
        expect(res.status).toBe(400);
        expect(res.json).toMatchObject({ error: { code: 'bad_encoding' } });
      }),
      { numRuns: 60 },
    );
  });

  it('refuses deep JSON (100,000 levels) with 400, as the whole body and inside data', async () => {
    const n = 100_000;
    const deepArray = `${'['.repeat(n)}${']'.repeat(n)}`;
    const deepObject = `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
    for (const body of [deepArray, deepObject, `{"event":"conn.fin","data":${deepArray}}`, `{"event":"conn.fin","data":${deepObject}}`]) {
      const res = await ingest(body, 'deep-json');
      expect(res.status).toBe(400);
      expect((res.json as { error: { message: string } }).error.message).toMatch(/deeper than 128 levels/);
    }
    // Just inside the limit is still an event, delivered whole.
    const inside = MAX_INGEST_JSON_DEPTH - 1;
    const res = await ingest(`{"event":"deep.ok","data":${'['.repeat(inside - 1)}${']'.repeat(inside - 1)}}`, 'deep-json');
    expect(res.status).toBe(204);
    // Brackets inside strings do not count.
    expect((await ingest(`{"event":"brackets","data":"${'['.repeat(1000)}\\"{{{"}`, 'deep-json')).status).toBe(204);
  });

  it('refuses a body over 1 MiB with 413 without reading it all', async () => {
    const declared = await ingest(Buffer.alloc(MAX_INGEST_BODY_BYTES + 1, 0x20), 'huge-json');
    expect(declared.status).toBe(413);

    // Streamed without a length: the server answers 413 and drops the connection while the client
    // is still writing; far less than the 64 MiB offered is ever taken in.
    count('huge-json');
    const heapBefore = await heapAfterGc();
    const offered = 64 * MiB;
    const { status, sent, failure } = await new Promise<{ status: number; sent: number; failure: string }>((resolve) => {
      const u = new URL(controller.ingestUrl);
      const req = http.request({ host: u.hostname, port: Number(u.port), path: u.pathname, method: 'POST', agent: false });
      let status = 0;
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      chunk[0] = 0x5b; // '[' — a body that would be valid JSON, were it finished
      req.on('response', (res) => {
        status = res.statusCode ?? 0;
        res.resume();
      });
      let failure = 'none';
      req.on('error', (err: NodeJS.ErrnoException) => (failure = err.code ?? err.message));
      req.on('close', () => resolve({ status, sent: sentBytes(), failure }));
      const sentBytes = streamBody(req, chunk, offered);
    });
    answers.refused++;
    expect(status, `the client's error: ${failure}`).toBe(413);
    expect(sent).toBeLessThan(offered / 2);
    expect((await heapAfterGc()) - heapBefore).toBeLessThan(16 * MiB);
  });

  it('judges every field by its type, never failing on a wrong one', async () => {
    const field = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 3 }),
      fc.string(),
      fc.integer(),
      fc.double(),
      fc.constantFrom('2026-01-02T03:04:05Z', '2026-13-01T00:00:00Z', 'conn.fin', '', 'x'.repeat(MAX_TOPIC_LENGTH + 1)),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.record({ event: field, node_id: field, timestamp: field, data: field, event_id: field }, { requiredKeys: [] }),
        async (body) => {
          const text = JSON.stringify(body);
          const res = await ingest(text, 'wrong-types');
          // Judged on what the server sees: JSON has no NaN, Infinity or undefined.
          expect(res.status, text).toBe(shouldAccept(JSON.parse(text) as Record<string, unknown>) ? 204 : 400);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('handles huge and odd numbers', async () => {
    const cases: [string, number][] = [
      ['{"event":"n","node_id":1e308}', 400],
      ['{"event":"n","node_id":1e400}', 400],
      ['{"event":"n","node_id":9007199254740993}', 400],
      ['{"event":"n","node_id":-1}', 400],
      ['{"event":"n","node_id":1.5}', 400],
      ['{"event":"n","node_id":-0}', 204],
      ['{"event":"n","node_id":4294967295}', 204],
      ['{"event":"n","event_id":1e400}', 204],
      ['{"event":"n","event_id":-5}', 204],
      [`{"event":"n","data":${'9'.repeat(100_000)}}`, 204],
      [`{"event":"n","data":{"x":${'1'.repeat(400)}e-999999999}}`, 204],
    ];
    for (const [body, status] of cases) expect((await ingest(body, 'huge-numbers')).status, body).toBe(status);
  });

  it('does not let __proto__ or constructor keys pollute anything', async () => {
    const bodies = [
      '{"event":"proto","__proto__":{"polluted":true}}',
      '{"event":"proto","constructor":{"prototype":{"polluted":true}}}',
      '{"event":"proto","data":{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}}}}',
      '{"__proto__":{"event":"proto.hidden"}}',
      '{"event":"proto","node_id":{"__proto__":1}}',
    ];
    const statuses: number[] = [];
    for (const body of bodies) statuses.push((await ingest(body, 'prototype-keys')).status);
    expect(statuses).toEqual([204, 204, 204, 400, 400]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.prototype).not.toHaveProperty('polluted');
    // The keys travel on as plain data, unchanged.
    await waitUntil(() => receiver.requests.some((r) => r.body.includes('"__proto__":{"polluted":true}')), 'proto data delivered');
  });

  it('survives many connections at once, answering every one', async () => {
    const n = 400;
    const results = await Promise.all(
      Array.from({ length: n }, (_, i) =>
        ingest(i % 4 === 3 ? '{"event":' : JSON.stringify({ event: 'burst', data: { i } }), 'concurrent-connections'),
      ),
    );
    expect(results.filter((r) => r.status === 204)).toHaveLength(300);
    expect(results.filter((r) => r.status === 400)).toHaveLength(100);
  });

  it('after all that, a valid event gets 2xx and reaches the receiver; every answer is accounted for', async () => {
    const res = await ingest(JSON.stringify({ event: 'still.alive', node_id: 1, timestamp: '2026-05-01T12:00:00Z', data: { ok: true } }), 'valid');
    expect(res.status).toBe(204);
    await waitUntil(() => controller.getState().stats.queued === 0, 'queue empty', 20_000);
    await waitUntil(() => receiver.requests.some((r) => r.body.includes('"still.alive"')), 'valid event delivered');
    const stats = controller.getState().stats;
    expect(unaccounted(stats)).toBe(0);
    expect(stats.received).toBe(answers.accepted);
    expect(stats.rejected).toBe(answers.refused);
    expect(stats.delivered).toBe(answers.accepted);
    expect(receiver.requests).toHaveLength(answers.accepted);
    expect(faults.unhandledRejections).toEqual([]);
    expect(faults.uncaughtExceptions).toEqual([]);
  });
});

describe('ingest against slow senders (slowloris)', () => {
  it('times out a sender that drips its body, and frees the socket', async () => {
    expect(INGEST_REQUEST_TIMEOUT_MS).toBe(10_000);
    expect(INGEST_TIMEOUT_CHECK_MS).toBe(1000);
    const events: unknown[] = [];
    const server = await startIngestServer({ onEvent: (ev) => void events.push(ev), onReject: () => {} }, { requestTimeoutMs: 400 });
    try {
      const path = new URL(server.url).pathname;
      const body = '{"event":"slow.loris","data":"' + 'x'.repeat(200) + '"}';
      count('slowloris', 2);
      // Headers at once, then one body byte every 50 ms: 12 s to finish, were it allowed.
      const dripBody = slowClient(
        server.port,
        `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
        body,
        50,
      );
      // Headers themselves dripped.
      const dripHeaders = slowClient(server.port, 'POST ', `${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'y'.repeat(300)}\r\n\r\n`, 50);
      const [a, b] = await Promise.all([dripBody, dripHeaders]);
      for (const r of [a, b]) {
        expect(r.closedByServer).toBe(true);
        expect(r.answer).toMatch(/^HTTP\/1\.1 408|^$/);
      }
      expect(a.bytesDripped).toBeLessThan(body.length);
      expect(events).toEqual([]);
    } finally {
      await server.close();
    }
  });
});
