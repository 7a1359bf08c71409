// The headless host's HTTP server: the bridge calls as a JSON API (docs/architecture.md, "The
// headless host"), the pushes as server-sent events, and the window's static files — on 127.0.0.1 only, behind a token and a
// Host/Origin check. Prints nothing: the entry prints the one `listening …` line.

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { httpStatusOf, type ErrorCode } from '../../shared/api-errors';
import type { BridgeHandlers, PushSubscribe } from '../../shared/bridge';
import { argumentPlace, type CallName } from '../../shared/bridge-calls';
import { answerCall, readQuery } from '../../shared/call-answer';
import { MAX_API_BODY_BYTES } from '../../shared/http-routes';
import { MAX_EVENT_STREAMS, openEventStream, STREAM_PING_MS, STREAM_RETRY_MS, type EventStream } from './event-stream';
import { readBody, sendApiError, sendJson, sendText } from './http-io';
import { matchApiRoute, toHttpAnswer } from './route-table';
import {
  API_CACHE_CONTROL,
  bearerToken,
  isLoopbackHost,
  isOwnOrigin,
  SECURITY_HEADERS,
  tokenMatches,
} from './security';
import { loadStatic, STATIC_FILES } from './static-files';

/** Always loopback: the API controls where the user's events go, so it is never exposed. */
const LISTEN_HOST = '127.0.0.1';

/**
 * A request (headers and body) must arrive whole within this time. Node's default is 5 minutes, so
 * a local process dripping bytes could hold sockets for that long; every real call is tiny. The
 * event stream is not affected: the limit covers receiving the request, not the answer.
 */
export const API_REQUEST_TIMEOUT_MS = 10_000;
/** How often Node looks for requests past that time (its default, 30 s, would stretch it to 40 s). */
const TIMEOUT_CHECK_MS = 1000;

/** Static files may change on rebuild; the browser must revalidate rather than reuse them blindly. */
const STATIC_CACHE_CONTROL = 'no-cache';

export interface ApiServerOptions {
  handlers: BridgeHandlers;
  /** batched pushes 'state' and 'records' */
  subscribe: PushSubscribe;
  token: string;
  /** 0 (default) = a free port */
  port?: number;
  /** the built window (index.html, app.js, styles.css); null → a placeholder page */
  staticDir: string | null;
  /** interval of the stream's keep-alive comment; tests shorten it */
  streamPingMs?: number;
  /** told about handler failures (answered 500) so the entry can log them */
  onError?: (err: unknown) => void;
  /**
   * GET routes under /api/ that write their own (streamed) answer, e.g. the history export; the
   * token and Host/Origin checks apply to them as to every call.
   */
  downloads?: Readonly<Record<string, (res: ServerResponse) => Promise<void>>>;
  /** default API_REQUEST_TIMEOUT_MS; tests shorten it */
  requestTimeoutMs?: number;
}

export interface ApiServer {
  port: number;
  /** `http://127.0.0.1:<port>` */
  origin: string;
  close(): Promise<void>;
}

type CallArgParse =
  | { ok: true; arg: unknown }
  | { ok: false; code: Exclude<ErrorCode, 'aborted'>; message: string }
  | { ok: false; code: 'aborted' };

function splitUrl(rawUrl: string): { path: string; params: URLSearchParams } {
  // The raw path is matched as it is, never decoded or normalised: `/%2e%2e/x` and `/../x` are
  // simply paths that match nothing.
  const q = rawUrl.indexOf('?');
  return q === -1
    ? { path: rawUrl, params: new URLSearchParams() }
    : { path: rawUrl.slice(0, q), params: new URLSearchParams(rawUrl.slice(q + 1)) };
}

/**
 * The path parameters join the argument (`PATCH /api/destinations/d1 {…}` → `{id: "d1", …}`); a
 * body that names its own different value is refused rather than one of the two silently winning.
 */
function withPathParams(parsed: CallArgParse, pathParams: Readonly<Record<string, string>> | undefined): CallArgParse {
  if (!parsed.ok || pathParams === undefined) return parsed;
  const arg = { ...((parsed.arg ?? {}) as Record<string, unknown>) };
  for (const [key, value] of Object.entries(pathParams)) {
    if (arg[key] !== undefined && arg[key] !== value) {
      return { ok: false, code: 'bad_request', message: `"${key}" in the body (${JSON.stringify(arg[key])}) differs from the path's ${value}: leave it out of the body` };
    }
    arg[key] = value;
  }
  return { ok: true, arg };
}

async function callArgument(req: IncomingMessage, name: CallName, params: URLSearchParams): Promise<CallArgParse> {
  switch (argumentPlace(name)) {
    case 'none':
      return { ok: true, arg: undefined };
    case 'query': {
      const parsed = readQuery(name, params);
      return parsed.ok ? { ok: true, arg: parsed.arg } : { ok: false, code: 'bad_query', message: parsed.message };
    }
    case 'body': {
      const body = await readBody(req, MAX_API_BODY_BYTES);
      if (!body.ok) {
        return body.reason === 'too_large'
          ? { ok: false, code: 'too_large', message: `request body is larger than ${MAX_API_BODY_BYTES} bytes` }
          : { ok: false, code: 'aborted' };
      }
      // Every body argument is an object whose fields are all optional or checked by the handler,
      // so an empty body means `{}` (handy for `curl -X POST …/api/test`).
      if (body.text.trim() === '') return { ok: true, arg: {} };
      let value: unknown;
      try {
        value = JSON.parse(body.text);
      } catch (err) {
        return { ok: false, code: 'bad_json', message: `request body is not valid JSON: ${(err as Error).message}` };
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        return { ok: false, code: 'bad_request', message: 'request body must be a JSON object' };
      }
      return { ok: true, arg: value };
    }
  }
}

export function startApiServer(opts: ApiServerOptions): Promise<ApiServer> {
  const streams = new Set<EventStream>();
  /** streams accepted and still loading their first state */
  let opening = 0;
  let port = 0;

  async function handleCall(
    req: IncomingMessage,
    res: ServerResponse,
    name: CallName,
    params: URLSearchParams,
    pathParams?: Readonly<Record<string, string>>,
  ): Promise<void> {
    const parsed = withPathParams(await callArgument(req, name, params), pathParams);
    if (!parsed.ok) {
      if (parsed.code === 'aborted') {
        res.destroy();
        return;
      }
      // After a 413 the rest of the body is not read: close the connection rather than drain it.
      const headers: Record<string, string> = parsed.code === 'too_large' ? { Connection: 'close' } : {};
      sendApiError(res, { code: parsed.code, message: parsed.message }, headers);
      return;
    }
    // The same answer as over Electron IPC: the argument checked against the call's schema, a
    // refusal or a throw turned into `{error}` with its code's status.
    const answer = toHttpAnswer(await answerCall(name, opts.handlers, parsed.arg, opts.onError));
    sendJson(res, answer.status, answer.body);
  }

  async function handleStream(res: ServerResponse): Promise<void> {
    // Streams still reading their first state count too, or a burst could open them all at once.
    if (streams.size + opening >= MAX_EVENT_STREAMS) {
      sendApiError(
        res,
        {
          code: 'too_many_streams',
          message: `${MAX_EVENT_STREAMS} event streams are open already (one per open window or tab); close one and try again`,
        },
        { 'Retry-After': String(Math.ceil(STREAM_RETRY_MS / 1000)) },
      );
      return;
    }
    opening++;
    try {
      const stream = await openEventStream(res, () => opts.handlers.getState(undefined), {
        subscribe: opts.subscribe,
        pingMs: opts.streamPingMs ?? STREAM_PING_MS,
        onClosed: (closed) => streams.delete(closed),
      });
      if (stream.isOpen) streams.add(stream);
    } finally {
      opening--;
    }
  }

  async function handleApi(req: IncomingMessage, res: ServerResponse, path: string, params: URLSearchParams): Promise<void> {
    res.setHeader('Cache-Control', API_CACHE_CONTROL);
    const match = matchApiRoute(req.method ?? '', path);

    // EventSource cannot set headers, so the stream alone may carry the token in its URL.
    let candidate = bearerToken(req.headers.authorization);
    if (candidate === null && match.kind === 'stream') candidate = params.get('token');
    if (!tokenMatches(candidate, opts.token)) {
      sendApiError(
        res,
        { code: 'unauthorized', message: 'missing or wrong API token: send Authorization: Bearer <token>' },
        { 'WWW-Authenticate': 'Bearer' },
      );
      return;
    }

    const download = opts.downloads?.[path];
    if (download !== undefined && match.kind === 'not_found') {
      if (req.method !== 'GET') {
        sendApiError(res, { code: 'method_not_allowed', message: `${path} accepts GET` }, { Allow: 'GET' });
        return;
      }
      await download(res);
      return;
    }

    switch (match.kind) {
      case 'not_found':
        sendApiError(res, { code: 'not_found', message: `no API route ${path}` });
        return;
      case 'wrong_method':
        sendApiError(res, { code: 'method_not_allowed', message: `${path} accepts ${match.allow}` }, { Allow: match.allow });
        return;
      case 'stream':
        await handleStream(res);
        return;
      case 'call':
        await handleCall(req, res, match.name, params, match.params);
        return;
    }
  }

  async function handleStatic(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (!STATIC_FILES.has(path)) {
      sendText(res, 404, 'Not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      sendText(res, 405, 'Method not allowed\n', { Allow: 'GET, HEAD' });
      return;
    }
    const content = await loadStatic(path, opts.staticDir);
    if (!content.found) {
      sendText(res, 404, 'Not found\n');
      return;
    }
    res.writeHead(200, {
      'Content-Type': content.contentType,
      'Content-Length': content.body.length,
      'Cache-Control': STATIC_CACHE_CONTROL,
    });
    res.end(req.method === 'HEAD' ? undefined : content.body);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    const { path, params } = splitUrl(req.url ?? '/');
    const isApi = path === '/api' || path.startsWith('/api/');
    const refuse = (code: ErrorCode, message: string): void => {
      if (isApi) {
        res.setHeader('Cache-Control', API_CACHE_CONTROL);
        sendApiError(res, { code, message });
      } else {
        sendText(res, httpStatusOf(code), `${message}\n`);
      }
    };

    // DNS rebinding: a hostile name pointed at 127.0.0.1 arrives with that name in Host.
    if (!isLoopbackHost(req.headers.host, port)) {
      refuse('forbidden_host', `Host must be 127.0.0.1:${port} or localhost:${port}`);
      return;
    }
    // Another site's page calling us from the user's browser: it cannot forge Origin.
    const origin = req.headers.origin;
    if (origin !== undefined && !isOwnOrigin(origin, port)) {
      refuse('forbidden_origin', `requests from origin ${origin} are not allowed`);
      return;
    }

    if (isApi) await handleApi(req, res, path, params);
    else await handleStatic(req, res, path);
  }

  const requestTimeout = opts.requestTimeoutMs ?? API_REQUEST_TIMEOUT_MS;
  const serverOptions = {
    requestTimeout,
    headersTimeout: requestTimeout,
    connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_MS, requestTimeout),
  };
  const server = createServer(serverOptions, (req, res) => {
    handle(req, res).catch((err: unknown) => {
      opts.onError?.(err);
      if (res.headersSent) {
        res.destroy();
        return;
      }
      const message = err instanceof Error ? err.message : String(err);
      res.setHeader('Cache-Control', API_CACHE_CONTROL);
      sendApiError(res, { code: 'internal', message });
    });
  });

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, LISTEN_HOST, () => {
      server.off('error', reject);
      port = (server.address() as AddressInfo).port;
      resolve({
        port,
        origin: `http://${LISTEN_HOST}:${port}`,
        close: () =>
          new Promise<void>((done, fail) => {
            // Event streams never end by themselves: end them, then drop every remaining socket.
            for (const stream of [...streams]) stream.close();
            server.close((err) => (err ? fail(err) : done()));
            server.closeAllConnections();
          }),
      });
    });
  });
}
