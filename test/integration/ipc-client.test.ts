import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CMD_HEALTH, CMD_RECV_FROM, CMD_ACCEPT } from '../../src/main/core/daemon/commands';
import { MAX_FRAME_BYTES, encodeFrame } from '../../src/main/core/daemon/framing';
import {
  DaemonError,
  IpcClient,
  IpcClosedError,
  IpcProtocolError,
  IpcTimeoutError,
} from '../../src/main/core/daemon/ipc-client';
import { startFakeDaemon, type FakeDaemon } from '../fixtures/fake-daemon';

let dir: string;
let daemon: FakeDaemon;
const clients: IpcClient[] = [];

async function connect(): Promise<IpcClient> {
  const c = await IpcClient.connect(daemon.socketPath);
  clients.push(c);
  return c;
}

/** Handles that would keep the process alive, by kind: sockets and servers, timers. */
function liveHandles(): { pipes: number; timers: number } {
  const all = process.getActiveResourcesInfo();
  return { pipes: all.filter((r) => /Pipe|TCP/.test(r)).length, timers: all.filter((r) => r === 'Timeout').length };
}

async function settled(): Promise<void> {
  await new Promise((r) => setImmediate(r));
  await new Promise((r) => setTimeout(r, 20));
}

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ipc-client-'));
  daemon = await startFakeDaemon({ socketPath: join(dir, 'pilot.sock'), home: dir, nodeId: 42, pushEveryMs: 5 });
});

afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await daemon.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('IpcClient against the fake daemon', () => {
  it('answers Health, Info and SetWebhook with the daemon field names, ignoring pushes', async () => {
    const c = await connect();
    daemon.sendRaw(encodeFrame(CMD_RECV_FROM, Buffer.from('dgram')));
    daemon.sendRaw(encodeFrame(CMD_ACCEPT, Buffer.alloc(14)));
    const health = await c.health();
    expect(health).toMatchObject({ status: 'ok', webhook_queue_dropped: 0, webhook_circuit_skips: 0 });
    expect(typeof health.uptime_seconds).toBe('number');
    const info = await c.info();
    expect(info).toMatchObject({ nodeId: 42, address: '0:0000.0000.002a', hostname: 'fake-daemon' });
    expect(await c.setWebhook('http://127.0.0.1:9/x')).toBe('http://127.0.0.1:9/x');
    expect(daemon.webhook()).toBe('http://127.0.0.1:9/x');
    await new Promise((r) => setTimeout(r, 30)); // let the periodic RecvFrom pushes arrive too
    await c.health();
    expect(c.pushesIgnored).toBeGreaterThanOrEqual(2);
    expect(c.closed).toBe(false);
  });

  it('keeps one request in flight and answers queued requests in order', async () => {
    const c = await connect();
    const before = daemon.received.length;
    const replies = await Promise.all([c.info(), c.health(), c.setWebhook('https://a.example/1'), c.health(), c.info()]);
    expect(replies[0]).toMatchObject({ nodeId: 42 });
    expect(replies[1]).toMatchObject({ status: 'ok' });
    expect(replies[2]).toBe('https://a.example/1');
    expect(daemon.received.slice(before)).toEqual([0x0d, 0x21, 0x1b, 0x21, 0x0d]);
  });

  it('surfaces a 0x0A Error with the daemon code and message, and the connection stays usable', async () => {
    const c = await connect();
    const err = await c.request(0x42).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DaemonError);
    expect(err).toMatchObject({ code: 1, daemonMessage: 'unknown command: 0x42' });
    const refused = await c.setWebhook('ftp://files.example/x').catch((e: unknown) => e);
    expect(refused).toMatchObject({ daemonMessage: 'URL must use http or https scheme, got "ftp"' });
    const meta = await c.setWebhook('http://169.254.169.254/latest').catch((e: unknown) => e);
    expect((meta as DaemonError).message).toMatch(/link-local address 169\.254\.169\.254/);
    expect(await c.health()).toMatchObject({ status: 'ok' });
  });

  it('times out a request with no reply, closes the connection and rejects the queue', async () => {
    const c = await connect();
    daemon.misbehave('silent');
    const first = c.request(CMD_HEALTH, undefined, 100);
    const queued = c.health(5000);
    await expect(first).rejects.toBeInstanceOf(IpcTimeoutError);
    await expect(queued).rejects.toBeInstanceOf(IpcTimeoutError);
    expect(c.closed).toBe(true);
    await expect(c.health()).rejects.toThrow(/no reply to 0x21 Health within 100 ms/);
  });

  const garbage = [
    ['oversized-length', IpcProtocolError, /over the 1048576-byte IPC limit/],
    ['truncated-then-close', IpcProtocolError, /in the middle of a frame \(8 of \d+ message bytes received\)/],
    ['unexpected-command', IpcProtocolError, /answered 0x21 Health with unexpected 0x7F/],
    ['close', IpcClosedError, /daemon closed the IPC connection/],
  ] as const;
  for (const [mode, type, message] of garbage) {
    it(`closes with a clear error on garbage: ${mode}`, async () => {
      const c = await connect();
      let reported: Error | null = null;
      c.onClose((e) => (reported = e));
      daemon.misbehave(mode);
      const err = await c.health().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(type);
      expect((err as Error).message).toMatch(message);
      await settled();
      expect(c.closed).toBe(true);
      expect(reported).toBe(err);
      // the daemon side is not wedged: a new connection works
      expect(await (await connect()).health()).toMatchObject({ status: 'ok' });
    });
  }

  it('reports an unreadable JSON reply without closing the connection', async () => {
    const c = await connect();
    daemon.misbehave('invalid-json');
    await expect(c.info()).rejects.toThrow(/Info reply is not valid JSON/);
    expect(c.closed).toBe(false);
    expect(await c.info()).toMatchObject({ nodeId: 42 });
  });

  it('treats a reply with nothing in flight as a protocol error', async () => {
    const c = await connect();
    let reported: Error | null = null;
    c.onClose((e) => (reported = e));
    daemon.sendRaw(encodeFrame(0x22, Buffer.from('{}')));
    await settled();
    expect(c.closed).toBe(true);
    expect(String(reported)).toMatch(/sent 0x22 HealthOK while no request was waiting/);
  });

  it('refuses an oversized request locally and keeps the connection', async () => {
    const c = await connect();
    await expect(c.request(0x1b, Buffer.alloc(MAX_FRAME_BYTES))).rejects.toThrow(/over the 1048576-byte IPC limit/);
    expect(await c.health()).toMatchObject({ status: 'ok' });
  });

  it('the fake daemon drops a client that sends an oversized frame', async () => {
    const raw = net.createConnection(daemon.socketPath);
    // Keep reading the daemon's pushes: a socket that stops reading (16 KiB unread, under a slow
    // run) never sees the daemon's FIN, and the test would wait for a close that cannot come.
    raw.resume();
    await new Promise((r) => raw.once('connect', r));
    const closed = new Promise((r) => raw.once('close', r));
    // Read (and drop) the pushes: a socket that never reads may never see the daemon's close.
    raw.resume();
    raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
    await closed;
    expect(daemon.droppedClients()).toBe(1);
  });

  it('fails to connect with the system error code', async () => {
    await expect(IpcClient.connect(join(dir, 'missing.sock'))).rejects.toMatchObject({ code: 'ENOENT' });
    const stale = join(dir, 'stale.sock');
    const srv = net.createServer();
    await new Promise<void>((r) => srv.listen(stale, r));
    await new Promise<void>((r) => srv.close(() => r()));
    writeFileSync(join(dir, 'plain-file'), 'x');
    await expect(IpcClient.connect(join(dir, 'plain-file'))).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });

  it('leaves no sockets or timers behind once closed', async () => {
    await settled();
    const before = liveHandles();
    const c = await connect();
    await c.health();
    daemon.misbehave('silent');
    await expect(c.request(CMD_HEALTH, undefined, 50)).rejects.toBeInstanceOf(IpcTimeoutError);
    const d = await connect();
    daemon.misbehave('truncated-then-close');
    await expect(d.health()).rejects.toBeInstanceOf(IpcProtocolError);
    const e = await connect();
    await e.info();
    e.close();
    await settled();
    expect(daemon.clientCount()).toBe(0);
    const after = liveHandles();
    expect(after.pipes).toBe(before.pipes);
    expect(after.timers).toBeLessThanOrEqual(before.timers);
  });
});
