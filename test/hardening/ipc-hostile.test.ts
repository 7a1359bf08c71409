// The daemon IPC client against a hostile peer on a real Unix socket: random frames, impossible
// lengths, one byte at a time, half frames then a close, floods of unsolicited pushes, replies with
// the wrong command byte. Whatever the peer does, each request ends in the right answer or in one
// of the client's four clear errors — never an uncaught throw, an unhandled rejection, a hang, or a
// socket or timer left behind.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CMD_ERROR,
  CMD_HEALTH,
  CMD_HEALTH_OK,
  CMD_RECV_FROM,
  UNSOLICITED_PUSHES,
  replyCommandFor,
} from '../../src/main/core/daemon/commands';
import { MAX_FRAME_BYTES } from '../../src/main/core/daemon/framing';
import { DaemonError, IpcClient, IpcClosedError, IpcProtocolError, IpcTimeoutError } from '../../src/main/core/daemon/ipc-client';
import { drip, rawFrame, startHostilePeer, type HostilePeer } from '../fixtures/chaos-ipc-peer';
import { activeResources, settle, watchProcessFaults, type ProcessFaults } from '../fixtures/chaos-process';

/** For runs where no answer can come: short, as many runs wait for it. */
const NO_ANSWER_TIMEOUT_MS = 60;
/** For runs where the answer (or error) is on its way: long enough for a loaded machine. */
const ANSWER_TIMEOUT_MS = 3000;
const HEALTH_JSON = Buffer.from('{"status":"ok","uptime_seconds":1}');

let dir: string;
let peer: HostilePeer;
let faults: ProcessFaults;
let resourcesBefore: Record<string, number>;
const tried: Record<string, number> = {};
const endings: Record<string, number> = {};

function count(kind: string): void {
  tried[kind] = (tried[kind] ?? 0) + 1;
}

type Ending = { answer: Buffer } | { error: Error };

/** Connects, sends one Health request, always closes; returns how it ended, checking the error is one of ours. */
async function healthRequest(kind: string, timeoutMs = ANSWER_TIMEOUT_MS): Promise<Ending & { closedAfter: boolean }> {
  count(kind);
  const client = await IpcClient.connect(peer.path, 1000);
  try {
    const answer = await client.request(CMD_HEALTH, undefined, timeoutMs);
    endings.answer = (endings.answer ?? 0) + 1;
    return { answer, closedAfter: client.closed };
  } catch (err) {
    const e = err as Error;
    expect([DaemonError, IpcProtocolError, IpcTimeoutError, IpcClosedError].some((c) => e instanceof c), String(e)).toBe(true);
    expect(e.message.length).toBeGreaterThan(10);
    // Every failure but a daemon's 0x0A Error closes the connection (a stray frame could otherwise be
    // taken as the next request's answer).
    if (!(e instanceof DaemonError)) expect(client.closed).toBe(true);
    endings[e.name] = (endings[e.name] ?? 0) + 1;
    return { error: e, closedAfter: client.closed };
  } finally {
    client.close();
  }
}

beforeAll(async () => {
  faults = watchProcessFaults();
  await settle();
  resourcesBefore = activeResources();
  dir = mkdtempSync(join(tmpdir(), 'pwd-hard-ipc-'));
  peer = await startHostilePeer(join(dir, 'hostile.sock'));
});

afterAll(async () => {
  await peer?.close();
  rmSync(dir, { recursive: true, force: true });
  faults?.dispose();
  const total = Object.values(tried).reduce((a, b) => a + b, 0);
  console.log(`[hardening] ipc client: ${total} hostile inputs tried ${JSON.stringify(tried)}; endings ${JSON.stringify(endings)}`);
});

describe('IPC client against a hostile peer', () => {
  it('ends every request in an answer or a clear error, whatever bytes come back', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), fc.boolean(), async (bytes, thenClose) => {
        peer.script(({ socket }) => {
          if (thenClose) socket.end(Buffer.from(bytes));
          else socket.write(Buffer.from(bytes));
        });
        // Random bytes rarely make a whole reply: most runs end in the time-out, so it is short.
        await healthRequest('random-bytes', thenClose ? ANSWER_TIMEOUT_MS : NO_ANSWER_TIMEOUT_MS);
      }),
      { numRuns: 150 },
    );
  });

  it('handles random well-formed frames: answers only a true HealthOK, refuses the rest', async () => {
    const cmd = fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(CMD_HEALTH_OK, CMD_ERROR, CMD_RECV_FROM));
    const payload = fc.oneof(fc.uint8Array({ maxLength: 32 }), fc.constant(new Uint8Array(HEALTH_JSON)));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(cmd, payload), { minLength: 1, maxLength: 4 }), async (frames) => {
        peer.script(({ socket }) => void socket.write(Buffer.concat(frames.map(([c, p]) => rawFrame(c, p)))));
        // The first frame that is not a push decides; with pushes only, nothing answers.
        const decisive = frames.find(([c]) => !UNSOLICITED_PUSHES.has(c));
        const end = await healthRequest('random-frames', decisive ? ANSWER_TIMEOUT_MS : NO_ANSWER_TIMEOUT_MS);
        if (!decisive) expect('error' in end && end.error).toBeInstanceOf(IpcTimeoutError);
        else if (decisive[0] === CMD_HEALTH_OK) expect('answer' in end && end.answer).toEqual(Buffer.from(decisive[1]));
        else if (decisive[0] === CMD_ERROR) {
          expect('error' in end && end.error).toBeInstanceOf(decisive[1].length >= 2 ? DaemonError : IpcProtocolError);
        } else expect('error' in end && end.error).toBeInstanceOf(IpcProtocolError);
      }),
      { numRuns: 200 },
    );
  });

  it('refuses impossible lengths at once, without allocating them', async () => {
    for (const length of [MAX_FRAME_BYTES + 1, 0x7fffffff, 0xffffffff]) {
      peer.script(({ socket }) => void socket.write(rawFrame(CMD_HEALTH_OK, HEALTH_JSON, length)));
      const end = await healthRequest('huge-length');
      expect('error' in end && end.error).toBeInstanceOf(IpcProtocolError);
      expect('error' in end && end.error.message).toMatch(/over the 1048576-byte IPC limit/);
    }
    // The largest legal length, never filled: the request times out and the connection is closed.
    peer.script(({ socket }) => void socket.write(rawFrame(CMD_HEALTH_OK, HEALTH_JSON, MAX_FRAME_BYTES)));
    const end = await healthRequest('huge-length', NO_ANSWER_TIMEOUT_MS);
    expect('error' in end && end.error).toBeInstanceOf(IpcTimeoutError);
    // Length 0: a message without a command byte.
    peer.script(({ socket }) => void socket.write(Buffer.alloc(4)));
    const empty = await healthRequest('huge-length');
    expect('error' in empty && empty.error.message).toMatch(/empty message/);
  });

  it('puts a reply dripped one byte at a time back together', async () => {
    const frame = rawFrame(CMD_HEALTH_OK, HEALTH_JSON);
    peer.script(({ socket }) => drip(socket, frame, 2));
    const end = await healthRequest('slow-drip', 5000);
    expect('answer' in end && JSON.parse(end.answer.toString())).toEqual({ status: 'ok', uptime_seconds: 1 });
    // Too slow for the request's time: a clear timeout, the connection closed.
    peer.script(({ socket }) => drip(socket, frame, 20));
    const slow = await healthRequest('slow-drip', 100);
    expect('error' in slow && slow.error).toBeInstanceOf(IpcTimeoutError);
  });

  it('reports half a frame followed by a close as a protocol error', async () => {
    const frame = rawFrame(CMD_HEALTH_OK, HEALTH_JSON);
    for (const cut of [1, 2, 3, 4, 5, 10, frame.length - 1]) {
      peer.script(({ socket }) => void socket.end(frame.subarray(0, cut)));
      const end = await healthRequest('half-frame-then-close');
      expect('error' in end && end.error).toBeInstanceOf(IpcProtocolError);
      expect('error' in end && end.error.message).toMatch(/closed the connection in the middle of a frame/);
    }
    peer.script(({ socket }) => void socket.end());
    const closed = await healthRequest('half-frame-then-close');
    expect('error' in closed && closed.error).toBeInstanceOf(IpcClosedError);
  });

  it('reads through a flood of unsolicited pushes to the answer', async () => {
    const flood = 20_000;
    const push = rawFrame(CMD_RECV_FROM, Buffer.from('000000000001000700070068656c6c6f', 'hex'));
    peer.script(({ socket }) => {
      for (let i = 0; i < flood / 1000; i++) socket.write(Buffer.concat(Array.from({ length: 1000 }, () => push)));
      socket.write(rawFrame(CMD_HEALTH_OK, HEALTH_JSON));
    });
    count('push-flood');
    const client = await IpcClient.connect(peer.path);
    try {
      expect(await client.health(5000)).toEqual({ status: 'ok', uptime_seconds: 1 });
      expect(client.pushesIgnored).toBe(flood);
      // Pushes with nothing asked are read and dropped too; the connection stays usable.
      peer.script(({ socket }) => void socket.write(rawFrame(CMD_HEALTH_OK, HEALTH_JSON)));
      expect(await client.health(5000)).toEqual({ status: 'ok', uptime_seconds: 1 });
    } finally {
      client.close();
    }
  });

  it('refuses a reply with any wrong command byte, naming it', async () => {
    let refused = 0;
    for (let cmd = 0; cmd <= 0xff; cmd++) {
      if (cmd === replyCommandFor(CMD_HEALTH) || cmd === CMD_ERROR || UNSOLICITED_PUSHES.has(cmd)) continue;
      peer.script(({ socket }) => void socket.write(rawFrame(cmd, HEALTH_JSON)));
      const end = await healthRequest('wrong-command');
      expect('error' in end && end.error).toBeInstanceOf(IpcProtocolError);
      expect('error' in end && end.error.message).toMatch(new RegExp(`with unexpected 0x${cmd.toString(16).toUpperCase().padStart(2, '0')}`));
      refused++;
    }
    expect(refused).toBe(256 - 2 - UNSOLICITED_PUSHES.size);
  });

  it('rejects every queued request when the peer goes away mid-queue', async () => {
    peer.script(({ socket }) => void socket.end(rawFrame(CMD_HEALTH_OK, HEALTH_JSON).subarray(0, 7)));
    count('close-with-queue');
    const client = await IpcClient.connect(peer.path);
    const results = await Promise.allSettled([client.health(1000), client.info(1000), client.setWebhook('http://127.0.0.1:1/x', 1000)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const r of results) expect((r as PromiseRejectedResult).reason).toBeInstanceOf(IpcProtocolError);
    await expect(client.health()).rejects.toBeInstanceOf(IpcProtocolError);
  });

  it('leaves no socket or timer behind, and nothing unhandled', async () => {
    await settle(100);
    expect(peer.openConnections()).toBe(0);
    const after = activeResources();
    expect(after.PipeWrap ?? 0).toBeLessThanOrEqual((resourcesBefore.PipeWrap ?? 0) + 1); // +1: the peer's listener
    expect(after.Timeout ?? 0).toBeLessThanOrEqual(resourcesBefore.Timeout ?? 0);
    expect(faults.unhandledRejections).toEqual([]);
    expect(faults.uncaughtExceptions).toEqual([]);
  });
});
