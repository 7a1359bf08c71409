// A client of the daemon's IPC socket. The wire has no request ids and the daemon answers
// requests concurrently, so replies may come back out of order: this client keeps exactly one
// request in flight per connection and queues the rest. A reply is matched by its command byte
// (request + 1, or 0x0A Error). Frames the daemon pushes unasked are counted and dropped.
//
// Anything that breaks the protocol (a bad length, an unexpected command, the socket closing
// mid-frame, a request timing out) closes the connection: with no request ids, a late or stray
// reply could otherwise be taken as the answer to the next request.

import net from 'node:net';
import {
  CMD_ERROR,
  CMD_HEALTH,
  CMD_INFO,
  CMD_SET_WEBHOOK,
  UNSOLICITED_PUSHES,
  describeCommand,
  replyCommandFor,
} from './commands';
import { FrameDecoder, FrameProtocolError, encodeFrame } from './framing';

/** How long connect() waits for the socket to accept before giving up. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 3000;
/** Per-request timeout used by the typed helpers when the caller gives none. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 5000;

/** The daemon answered with 0x0A Error: its code (always 1 today) and its own message. */
export class DaemonError extends Error {
  override name = 'DaemonError';
  constructor(
    readonly code: number,
    readonly daemonMessage: string,
    request: number,
  ) {
    super(`daemon refused ${describeCommand(request)}: ${daemonMessage}`);
  }
}

/** The daemon broke the protocol (framing, unexpected command, unreadable reply). */
export class IpcProtocolError extends Error {
  override name = 'IpcProtocolError';
}

/** No reply within the request's timeout. The connection is closed as a consequence. */
export class IpcTimeoutError extends Error {
  override name = 'IpcTimeoutError';
}

/** The connection is gone (closed by either side) before the request was answered. */
export class IpcClosedError extends Error {
  override name = 'IpcClosedError';
}

interface PendingRequest {
  cmd: number;
  payload: Uint8Array;
  timeoutMs: number;
  resolve: (payload: Buffer) => void;
  reject: (err: Error) => void;
}

export interface DaemonInfo {
  nodeId: number | null;
  address: string | null;
  hostname: string | null;
  version: string | null;
  /** the whole reply, with the daemon's own field names */
  raw: Record<string, unknown>;
}

export class IpcClient {
  private readonly decoder = new FrameDecoder();
  private readonly queue: PendingRequest[] = [];
  private inFlight: PendingRequest | null = null;
  private timer: NodeJS.Timeout | null = null;
  private closeError: Error | null = null;
  private isClosed = false;
  private readonly closeListeners = new Set<(err: Error | null) => void>();
  /** unsolicited pushes read and dropped, for the curious (and the tests) */
  pushesIgnored = 0;

  private constructor(
    private readonly socket: net.Socket,
    readonly path: string,
  ) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (err: Error) => this.fail(new IpcClosedError(`IPC socket error at ${path}: ${err.message}`)));
    socket.on('close', () => this.onSocketClose());
  }

  /** Connects to the daemon's socket. Rejects with the system error (ENOENT, ECONNREFUSED, …). */
  static connect(path: string, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS): Promise<IpcClient> {
    return new Promise((resolve, reject) => {
      const socket = net.createConnection({ path });
      const timer = setTimeout(() => {
        socket.destroy();
        reject(Object.assign(new Error(`connecting to ${path} timed out after ${connectTimeoutMs} ms`), { code: 'ETIMEDOUT' }));
      }, connectTimeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        socket.destroy();
        reject(err);
      };
      socket.once('error', onError);
      socket.once('connect', () => {
        clearTimeout(timer);
        socket.off('error', onError);
        resolve(new IpcClient(socket, path));
      });
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Called once when the connection ends: null for a close() we asked for, else the reason. */
  onClose(listener: (err: Error | null) => void): () => void {
    if (this.isClosed) {
      queueMicrotask(() => listener(this.closeError));
      return () => {};
    }
    this.closeListeners.add(listener);
    return () => this.closeListeners.delete(listener);
  }

  /** Sends one request and resolves with the reply's payload (the bytes after the command). */
  request(cmd: number, payload: Uint8Array = new Uint8Array(0), timeoutMs = DEFAULT_REQUEST_TIMEOUT_MS): Promise<Buffer> {
    if (this.isClosed) {
      return Promise.reject(this.closeError ?? new IpcClosedError(`IPC connection to ${this.path} is closed`));
    }
    try {
      encodeFrame(cmd, payload); // refuse an oversized request here, without closing the connection
    } catch (err) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
    return new Promise((resolve, reject) => {
      this.queue.push({ cmd, payload, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  async health(timeoutMs?: number): Promise<Record<string, unknown>> {
    return parseJsonObject(await this.request(CMD_HEALTH, undefined, timeoutMs), 'Health');
  }

  async info(timeoutMs?: number): Promise<DaemonInfo> {
    const raw = parseJsonObject(await this.request(CMD_INFO, undefined, timeoutMs), 'Info');
    return {
      nodeId: typeof raw.node_id === 'number' ? raw.node_id : null,
      address: typeof raw.address === 'string' ? raw.address : null,
      hostname: typeof raw.hostname === 'string' ? raw.hostname : null,
      version: typeof raw.version === 'string' ? raw.version : null,
      raw,
    };
  }

  /** Points the daemon's webhook at `url` ('' clears it). Resolves with the URL the daemon echoed. */
  async setWebhook(url: string, timeoutMs?: number): Promise<string> {
    const reply = parseJsonObject(await this.request(CMD_SET_WEBHOOK, Buffer.from(url, 'utf8'), timeoutMs), 'SetWebhook');
    if (typeof reply.webhook !== 'string') {
      throw new IpcProtocolError('SetWebhook reply has no "webhook" string');
    }
    return reply.webhook;
  }

  /** Closes the connection; pending requests are rejected. Safe to call more than once. */
  close(): void {
    this.fail(null);
  }

  private pump(): void {
    if (this.inFlight || this.isClosed) return;
    const next = this.queue.shift();
    if (!next) return;
    this.inFlight = next;
    this.timer = setTimeout(() => {
      this.fail(
        new IpcTimeoutError(
          `no reply to ${describeCommand(next.cmd)} within ${next.timeoutMs} ms; connection closed so a late reply cannot be taken for another request's`,
        ),
      );
    }, next.timeoutMs);
    this.socket.write(encodeFrame(next.cmd, next.payload));
  }

  private onData(chunk: Buffer): void {
    let messages: Buffer[];
    try {
      messages = this.decoder.push(chunk);
    } catch (err) {
      this.fail(new IpcProtocolError(`daemon sent a bad frame: ${(err as FrameProtocolError).message}`));
      return;
    }
    for (const message of messages) {
      if (this.isClosed) return;
      this.onMessage(message);
    }
  }

  private onMessage(message: Buffer): void {
    if (message.length === 0) {
      this.fail(new IpcProtocolError('daemon sent an empty message (no command byte)'));
      return;
    }
    const cmd = message[0]!;
    if (UNSOLICITED_PUSHES.has(cmd)) {
      this.pushesIgnored++;
      return;
    }
    const current = this.inFlight;
    if (!current) {
      this.fail(new IpcProtocolError(`daemon sent ${describeCommand(cmd)} while no request was waiting`));
      return;
    }
    const payload = message.subarray(1);
    if (cmd === CMD_ERROR) {
      if (payload.length < 2) {
        this.fail(new IpcProtocolError(`daemon sent an Error reply of ${payload.length} bytes (needs a 2-byte code)`));
        return;
      }
      const text = new TextDecoder('utf-8').decode(payload.subarray(2));
      this.settle().reject(new DaemonError(payload.readUInt16BE(0), text, current.cmd));
      return;
    }
    if (cmd !== replyCommandFor(current.cmd)) {
      this.fail(
        new IpcProtocolError(
          `daemon answered ${describeCommand(current.cmd)} with unexpected ${describeCommand(cmd)}`,
        ),
      );
      return;
    }
    this.settle().resolve(payload);
  }

  /** Takes the in-flight request off the wire and lets the next one go. */
  private settle(): PendingRequest {
    const done = this.inFlight!;
    this.inFlight = null;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    queueMicrotask(() => this.pump());
    return done;
  }

  private onSocketClose(): void {
    if (this.isClosed) return;
    const pending = this.decoder.pendingBytes;
    const announced = this.decoder.pendingFrameLength;
    if (pending > 0) {
      const what = announced === null ? `${pending} of 4 length bytes` : `${pending - 4} of ${announced} message bytes`;
      this.fail(new IpcProtocolError(`daemon closed the connection in the middle of a frame (${what} received)`));
    } else {
      this.fail(new IpcClosedError(`daemon closed the IPC connection at ${this.path}`));
    }
  }

  /** Ends the connection once; `reason` null means we closed it on purpose. */
  private fail(reason: Error | null): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.closeError = reason;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.socket.destroy();
    const rejection = reason ?? new IpcClosedError(`IPC connection to ${this.path} was closed`);
    const waiting = this.inFlight ? [this.inFlight, ...this.queue] : [...this.queue];
    this.inFlight = null;
    this.queue.length = 0;
    for (const r of waiting) r.reject(rejection);
    for (const listener of this.closeListeners) listener(reason);
    this.closeListeners.clear();
  }
}

function parseJsonObject(payload: Buffer, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(payload));
  } catch (err) {
    throw new IpcProtocolError(`${what} reply is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new IpcProtocolError(`${what} reply is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
