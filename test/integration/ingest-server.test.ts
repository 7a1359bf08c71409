import http from 'node:http';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { streamBody } from '../fixtures/stream-body';
import type { AcceptedEvent } from '../../src/shared/events';
import {
  MAX_INGEST_BODY_BYTES,
  startIngestServer,
  type IngestRejection,
  type IngestServer,
} from '../../src/main/core/ingest/ingest-server';

let server: IngestServer;
let events: AcceptedEvent[];
let rejects: IngestRejection[];

beforeEach(async () => {
  events = [];
  rejects = [];
  server = await startIngestServer({
    onEvent: async (ev) => {
      await new Promise((r) => setTimeout(r, 1)); // an async handler is awaited before the answer
      events.push(ev);
    },
    onReject: (r) => rejects.push(r),
  });
});

afterEach(async () => {
  await server.close();
});

/** POST with node:http, so oversized and chunked bodies can be sent exactly as wanted. */
function post(
  path: string,
  body: Buffer | string | null,
  opts: { method?: string; chunkedBytes?: number } = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port: server.port, path, method: opts.method ?? 'POST', headers: { 'Content-Type': 'application/json' } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', (err) => (opts.chunkedBytes ? undefined : reject(err)));
    if (opts.chunkedBytes) {
      // stream until the server answers (it must not wait for the end)
      streamBody(req, Buffer.alloc(64 * 1024, 0x20), opts.chunkedBytes);
      return;
    }
    req.end(body ?? undefined);
  });
}

const path = (): string => new URL(server.url).pathname;
const daemonBody = {
  event_id: 3,
  event: 'tunnel.established',
  node_id: 7,
  timestamp: '2025-05-01T10:00:00.123456789Z',
  data: { peer: 12 },
};

describe('ingest server', () => {
  it('listens on 127.0.0.1 with a 32-byte random token in the path', () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/ingest\/[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(server.token, 'base64url')).toHaveLength(32);
  });

  it('accepts a daemon body: 2xx at once and onEvent with the daemon fields', async () => {
    const res = await post(path(), JSON.stringify(daemonBody));
    expect(res.status).toBe(204);
    expect(events).toEqual([
      { event: 'tunnel.established', node_id: 7, timestamp: daemonBody.timestamp, data: { peer: 12 }, daemonEventId: 3 },
    ]);
    expect(rejects).toEqual([]);
  });

  it('accepts many events over one keep-alive connection', async () => {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const sockets = new Set<unknown>();
    for (let i = 1; i <= 5; i++) {
      const status = await new Promise<number>((resolve, reject) => {
        const req = http.request(server.url, { method: 'POST', agent }, (res) => {
          sockets.add(res.socket);
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ ...daemonBody, event_id: i }));
      });
      expect(status).toBe(204);
    }
    agent.destroy();
    expect(sockets.size).toBe(1);
    expect(events.map((e) => e.daemonEventId)).toEqual([1, 2, 3, 4, 5]);
  });

  const bad: Array<[string, Buffer | string, RegExp]> = [
    ['not JSON', '{"event": ', /not valid JSON/],
    ['a JSON array', '[1,2]', /must be a JSON object/],
    ['no event', '{"node_id":1}', /"event" must be a non-empty string/],
    ['a negative node_id', '{"event":"x","node_id":-1}', /"node_id"/],
    ['a bad timestamp', '{"event":"x","timestamp":"yesterday"}', /RFC 3339/],
    ['invalid UTF-8', Buffer.from([0x7b, 0x22, 0x65, 0xff, 0xfe, 0x22, 0x7d]), /not valid UTF-8/],
  ];
  for (const [what, body, message] of bad) {
    it(`refuses ${what} with 400 and onReject, never onEvent`, async () => {
      const res = await post(path(), body);
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body).error.message).toMatch(message);
      expect(events).toEqual([]);
      expect(rejects).toHaveLength(1);
      expect(rejects[0]).toMatchObject({ status: 400 });
      expect(rejects[0]!.message).toMatch(message);
    });
  }

  it('keeps a short snippet of a refused body', async () => {
    await post(path(), `{"event": 5, "pad": "${'x'.repeat(5000)}"}`);
    expect(rejects[0]!.snippet.startsWith('{"event": 5')).toBe(true);
    expect(rejects[0]!.snippet.length).toBeLessThanOrEqual(200);
  });

  it('answers 413 for a declared Content-Length over 1 MiB without reading it', async () => {
    const res = await new Promise<number>((resolve) => {
      const req = http.request(
        { host: '127.0.0.1', port: server.port, path: path(), method: 'POST', headers: { 'Content-Length': MAX_INGEST_BODY_BYTES + 1 } },
        (r) => resolve(r.statusCode ?? 0),
      );
      req.on('error', () => {});
      req.write('{"event":"x"'); // far less than announced: the server must not wait for the rest
    });
    expect(res).toBe(413);
    expect(rejects).toMatchObject([{ status: 413 }]);
    expect(events).toEqual([]);
  });

  it('answers 413 for a streamed body that grows past 1 MiB, before it ends', async () => {
    const res = await post(path(), null, { chunkedBytes: 8 * MAX_INGEST_BODY_BYTES });
    expect(res.status).toBe(413);
    expect(rejects).toMatchObject([{ status: 413 }]);
    expect(events).toEqual([]);
  });

  it('accepts a body of exactly 1 MiB', async () => {
    const prefix = '{"event":"big","data":"';
    const suffix = '"}';
    const body = prefix + 'a'.repeat(MAX_INGEST_BODY_BYTES - prefix.length - suffix.length) + suffix;
    expect(Buffer.byteLength(body)).toBe(MAX_INGEST_BODY_BYTES);
    expect((await post(path(), body)).status).toBe(204);
    expect(events).toHaveLength(1);
  });

  it('404s other paths (wrong token, prefix, query) and 405s other methods', async () => {
    const p = path();
    for (const other of ['/', '/ingest', `${p}x`, p.slice(0, -1), `${p}?a=1`, `/ingest/${'A'.repeat(43)}`]) {
      expect((await post(other, JSON.stringify(daemonBody))).status).toBe(404);
    }
    const get = await post(p, null, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(events).toEqual([]);
  });

  it('answers 500 when the handler fails, so the daemon retries', async () => {
    await server.close();
    server = await startIngestServer({
      onEvent: () => {
        throw new Error('queue closed');
      },
      onReject: () => {},
    });
    const res = await post(path(), JSON.stringify(daemonBody));
    expect(res.status).toBe(500);
    expect(res.body).toMatch(/queue closed/);
  });

  it('closes promptly even with an idle keep-alive connection open', async () => {
    const agent = new http.Agent({ keepAlive: true });
    await new Promise<void>((resolve) => {
      const req = http.request(server.url, { method: 'POST', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.end(JSON.stringify(daemonBody));
    });
    await server.close();
    agent.destroy();
    await expect(post(path(), '{}')).rejects.toThrow(/ECONNREFUSED/);
    server = await startIngestServer({ onEvent: () => {}, onReject: () => {} }); // for afterEach
  });
});
