// The ingest: a loopback HTTP endpoint the daemon's webhook plugin POSTs every event to. Its
// path carries a random token, so only whoever was told the URL (the daemon, over its 0600
// socket) can post. Bodies are checked against the daemon's event shape and answered at once:
// the daemon waits for each answer before sending the next event.

import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { checkEventBody, type AcceptedEvent } from '../../../shared/events';

/** Largest body accepted: the daemon's own IPC limit, far above any real event. */
export const MAX_INGEST_BODY_BYTES = 1_048_576;
/** Random bytes in the path token (256 bits: not guessable, not enumerable). */
export const INGEST_TOKEN_BYTES = 32;
/** How much of a refused body is kept to explain the refusal. */
export const REJECT_SNIPPET_CHARS = 200;
/** A request must arrive whole within this time (slow senders cannot hold sockets forever). */
export const INGEST_REQUEST_TIMEOUT_MS = 10_000;
/**
 * How often Node looks for requests past their time-out. Its default (30 s) would let a slow
 * sender hold a socket for up to 40 s despite the 10 s limit; 1 s keeps the limit close to true
 * at the cost of one cheap scan of open connections per second.
 */
export const INGEST_TIMEOUT_CHECK_MS = 1000;
/**
 * Deepest nesting of arrays/objects accepted in a body. The daemon's events are a few levels deep;
 * a body nested 100,000 deep parses fine but cannot be serialised again (JSON.stringify recurses
 * and overflows the stack), so it is refused here with a clear 400 instead of failing later.
 */
export const MAX_INGEST_JSON_DEPTH = 128;

/** One strict decoder for every body: decode() without `stream` keeps no state between calls. */
const UTF8 = new TextDecoder('utf-8', { fatal: true });

export interface IngestRejection {
  status: number;
  message: string;
  snippet: string;
}

export interface IngestHandlers {
  onEvent(ev: AcceptedEvent): void | Promise<void>;
  onReject(reason: IngestRejection): void;
}

export interface IngestServer {
  url: string;
  port: number;
  token: string;
  /** the port asked for was taken: this one was chosen instead */
  portTaken: number | null;
  /** listening on a socket passed by the service manager */
  activated: boolean;
  close(): Promise<void>;
}

export interface IngestServerOptions {
  host?: string;
  /**
   * The port to listen on (0: any). The app keeps its port and token across runs (see
   * daemon/link-memory.ts) so a restart has the same URL; a port now taken by someone else is
   * re-chosen (`portTaken` says so), never fatal.
   */
  port?: number;
  /** the path token to keep (a fresh random one when absent) */
  token?: string;
  /**
   * A listening socket handed over by the service manager (systemd socket activation): the
   * kernel holds connections on it while the app restarts. Used instead of `port`.
   */
  fd?: number;
  /** default INGEST_REQUEST_TIMEOUT_MS; tests shorten it */
  requestTimeoutMs?: number;
}

export function startIngestServer(h: IngestHandlers, opts: IngestServerOptions = {}): Promise<IngestServer> {
  const host = opts.host ?? '127.0.0.1';
  const requestTimeout = opts.requestTimeoutMs ?? INGEST_REQUEST_TIMEOUT_MS;
  const token = opts.token ?? randomBytes(INGEST_TOKEN_BYTES).toString('base64url');
  const path = `/ingest/${token}`;
  const pathDigest = digest(path);

  const serverOptions: http.ServerOptions = {
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: Math.min(INGEST_TIMEOUT_CHECK_MS, requestTimeout),
  };
  const server = http.createServer(serverOptions, (req, res) => {
    // Timing-safe: compare fixed-size digests, so neither length nor prefix leaks the token.
    if (!timingSafeEqual(digest(req.url ?? ''), pathDigest)) {
      reply(res, 404, 'not_found', 'no such path');
      return;
    }
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      reply(res, 405, 'method_not_allowed', 'only POST is accepted here');
      return;
    }
    void receive(req, res, h);
  });

  const listen = (port: number): Promise<void> =>
    new Promise((resolve, reject) => {
      server.once('error', reject);
      const done = (): void => {
        server.off('error', reject);
        resolve();
      };
      if (opts.fd !== undefined) server.listen({ fd: opts.fd }, done);
      else server.listen(port, host, done);
    });

  return (async () => {
    let portTaken: number | null = null;
    try {
      await listen(opts.port ?? 0);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || opts.fd !== undefined || !opts.port) throw err;
      portTaken = opts.port;
      await listen(0);
    }
    const address = server.address() as AddressInfo;
    const port = address.port;
    const urlHost = opts.fd !== undefined ? (address.family === 'IPv6' ? `[${address.address}]` : address.address) : host;
    return {
        url: `http://${urlHost}:${port}${path}`,
        port,
        token,
        portTaken,
        activated: opts.fd !== undefined,
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            // Keep-alive sockets would hold close() open until they time out.
            server.closeAllConnections();
          }),
    };
  })();
}

/** How long, and for how many discarded bytes, a refused oversized body is read before the drop. */
const LINGER_MS = 1000;
const LINGER_BYTES = 8 * 1024 * 1024;

/**
 * A lingering close, after the 413: our half of the connection ends at once (a FIN right behind
 * the answer), and what the sender still writes is read and discarded until it hangs up, for at
 * most LINGER_MS / LINGER_BYTES. A sender reads the answer before the end of the stream, whenever
 * it gets to read; a reset instead (closing with its bytes unread) would make its kernel discard
 * the answer it had not read yet — a loaded sender lost its 413 that way.
 */
function lingerThenDrop(req: http.IncomingMessage): void {
  let seen = 0;
  const drop = (): void => {
    clearTimeout(timer);
    req.destroy();
  };
  const timer = setTimeout(drop, LINGER_MS);
  timer.unref();
  req.socket.end();
  req.on('data', (chunk: Buffer) => {
    seen += chunk.length;
    // Past the bytes, stop reading but keep the socket until the time is up: a sender that ignores
    // the end of the stream has had its answer for as long as the linger lasts.
    if (seen > LINGER_BYTES) req.pause();
  });
  req.once('end', drop);
  req.socket.once('close', drop);
  req.resume();
}

async function receive(req: http.IncomingMessage, res: http.ServerResponse, h: IngestHandlers): Promise<void> {
  // A sender that vanishes mid-body must never surface as an unhandled 'error'.
  req.on('error', () => {});
  const tooLarge = (): void => {
    const message = `body is larger than ${MAX_INGEST_BODY_BYTES} bytes`;
    h.onReject({ status: 413, message, snippet: '' });
    // Answer now and end the connection instead of draining the whole rest (see lingerThenDrop).
    // Node's server closes a connection whose request it has not read to the end with
    // destroySoon(): destroyed the moment the answer is written, which with the sender's bytes
    // unread is a reset — and a sender still writing loses the answer it had not read yet (seen
    // whenever the sender runs beside the ingest, not taking turns with it: another thread or
    // process). For this connection, only our half ends there; lingerThenDrop closes the rest.
    const socket = req.socket;
    socket.destroySoon = () => void socket.end();
    reply(res, 413, 'too_large', message);
    res.once('finish', () => lingerThenDrop(req));
  };

  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > MAX_INGEST_BODY_BYTES) {
    tooLarge();
    return;
  }

  const body = await readBody(req);
  if (body === 'gone') return; // the sender went away mid-body: nobody to answer
  if (body === 'too_large') {
    tooLarge();
    return;
  }

  const raw = body;
  const refuse = (status: number, code: string, message: string): void => {
    h.onReject({ status, message, snippet: raw.toString('utf8', 0, Math.min(raw.length, REJECT_SNIPPET_CHARS * 4)).slice(0, REJECT_SNIPPET_CHARS) });
    reply(res, status, code, message);
  };

  let text: string;
  try {
    text = UTF8.decode(raw);
  } catch {
    refuse(400, 'bad_encoding', 'body is not valid UTF-8');
    return;
  }
  if (nestingDepthOver(text, MAX_INGEST_JSON_DEPTH)) {
    refuse(400, 'too_deep', `body nests arrays/objects deeper than ${MAX_INGEST_JSON_DEPTH} levels`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    refuse(400, 'bad_json', `body is not valid JSON: ${(err as Error).message}`);
    return;
  }
  const check = checkEventBody(parsed);
  if (!check.ok) {
    refuse(400, 'bad_event', check.message);
    return;
  }
  try {
    // Answered in this same turn when onEvent made the event durable synchronously: the
    // delivery it woke runs after the acknowledgement is written, not before.
    const pending = h.onEvent(check.event);
    if (pending) await pending;
  } catch (err) {
    // A 5xx makes the daemon retry the event, which is what a passing fault deserves. A handler
    // may name its status: fleet mode answers 503 while its cluster cannot store the event.
    const status = (err as { httpStatus?: unknown }).httpStatus === 503 ? 503 : 500;
    if (status === 503) res.setHeader('Retry-After', '1');
    reply(res, status, status === 503 ? 'unavailable' : 'internal', `event not accepted: ${(err as Error).message}`);
    return;
  }
  res.statusCode = 204;
  res.end();
}

/** Reads the body up to the limit; past it, stops reading (pauses) and buffers nothing more. */
function readBody(req: http.IncomingMessage): Promise<Buffer | 'too_large' | 'gone'> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (result: Buffer | 'too_large' | 'gone'): void => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onGone);
      req.off('aborted', onGone);
      resolve(result);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > MAX_INGEST_BODY_BYTES) {
        req.pause();
        chunks.length = 0;
        finish('too_large');
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => finish(Buffer.concat(chunks));
    const onGone = (): void => finish('gone');
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onGone);
    req.on('aborted', onGone);
  });
}

/** True when the JSON text opens more than `limit` arrays/objects at once (strings skipped). */
function nestingDepthOver(text: string, limit: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* backslash: skip the escaped char */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b /* [ */ || c === 0x7b /* { */) {
      if (++depth > limit) return true;
    } else if (c === 0x5d /* ] */ || c === 0x7d /* } */) depth--;
  }
  return false;
}

function reply(res: http.ServerResponse, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
}

function digest(s: string): Buffer {
  // The one-shot form: no Hash object per request.
  return hash('sha256', s, 'buffer');
}
