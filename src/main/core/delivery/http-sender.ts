// One HTTP attempt: POST the body, read the answer, never throw. Redirects are not followed
// (the attempt goes straight to the pool's dispatch(); no redirect interceptor is ever installed):
// following one would let a receiver steer the app at an address the URL rules refused.
//
// Why dispatch() and not undici's request(): request() wraps every answer in a Readable stream
// and takes the deadline as an AbortSignal (an EventTarget listener per attempt); on a keep-alive
// connection those two cost about a third of a delivery's time (bench/README.md). A handler
// receives the answer's chunks directly and is aborted through undici's own controller.

import type { Dispatcher } from 'undici';
import { RESPONSE_SNIPPET_BYTES, type AttemptRecord } from '../../../shared/delivery';
import { keepResponseHeaders } from '../../../shared/response-headers';
import { classifyError } from './error-category';

/** Per attempt, headers and body together (Go: http.Client{Timeout: 5 * time.Second}). */
export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Bytes of a response body read to the end so its keep-alive socket can be reused. A larger body
 * is cut off (the socket closed) rather than downloaded: a webhook answer has no need to be big.
 */
export const MAX_DRAINED_BODY_BYTES = 64 * 1024;

/**
 * How long the body may take after the status line, read only for the snippet. The outcome is
 * the status line's (the plugin's: a receiver that answers 200 at once and trickles its body is
 * a success); a webhook answer's body normally follows in the same packet, so this bound only
 * cuts off slow ones — the connection is then closed instead of reused.
 */
export const SNIPPET_WAIT_MS = 250;

export interface AttemptRequest {
  url: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  agent: Dispatcher;
  /** aborts the attempt from outside (dispatcher closing) */
  signal?: AbortSignal;
  now?: () => number;
}

/** An attempt's record, plus what the dispatcher needs to decide about the next one. */
export interface AttemptOutcome {
  record: AttemptRecord;
  /** the Retry-After header of the answer, when there was one */
  retryAfter?: string;
  /** the outside signal ended the attempt (not a timeout) */
  aborted: boolean;
}

type Fields = Omit<AttemptRecord, 'startedAt' | 'durationMs'>;
type Headers = Record<string, string | string[] | undefined>;

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** What dispatch() needs of a URL. */
interface Target {
  origin: string;
  path: string;
}

// A dispatcher posts every event to the same URL: parsing it once instead of per attempt saves
// the WHATWG parse (a few percent of a keep-alive delivery). One entry is enough; another URL
// (a test send, a URL change) simply replaces it.
let lastUrl: string | null = null;
let lastTarget: Target | null = null;

function targetOf(url: string): Target {
  if (url === lastUrl && lastTarget) return lastTarget;
  const u = new URL(url);
  const target = { origin: u.origin, path: `${u.pathname}${u.search}` };
  lastUrl = url;
  lastTarget = target;
  return target;
}

/** Something an outside signal can end. */
interface Abortable {
  abortFromOutside(reason: unknown): void;
}

// One 'abort' listener per outside signal (a client's stop signal), shared by all its attempts:
// adding and removing an EventTarget listener per attempt is measurably slow on Node 20.
const watchers = new WeakMap<AbortSignal, Set<Abortable>>();

function watch(signal: AbortSignal, attempt: Abortable): () => void {
  let set = watchers.get(signal);
  if (!set) {
    const attempts = new Set<Abortable>();
    set = attempts;
    watchers.set(signal, attempts);
    signal.addEventListener(
      'abort',
      () => {
        for (const a of [...attempts]) a.abortFromOutside(signal.reason);
      },
      { once: true },
    );
  }
  set.add(attempt);
  return () => set.delete(attempt);
}

/** Receives one answer from undici, keeps its snippet and settles the attempt once. */
class AttemptHandler implements Dispatcher.DispatchHandler, Abortable {
  private controller: Dispatcher.DispatchController | null = null;
  /** set when the attempt must end before undici handed over its controller */
  private pendingAbort: Error | null = null;
  private timedOut = false;
  private stopped = false;
  /** the body went past MAX_DRAINED_BODY_BYTES and was cut off: the answer still counts */
  private cutOff = false;
  private settled = false;
  private status = 0;
  private headers: Headers = {};
  private readonly kept: Buffer[] = [];
  private keptBytes = 0;
  private total = 0;
  private readonly timer: NodeJS.Timeout;
  private snippetTimer: NodeJS.Timeout | null = null;
  /** when the status line arrived: the attempt's outcome and duration are decided there */
  private statusAt: number | null = null;
  private readonly unwatch: (() => void) | null;
  private readonly startedAt: number;

  constructor(
    private readonly req: AttemptRequest,
    private readonly now: () => number,
    private readonly resolve: (outcome: AttemptOutcome) => void,
  ) {
    this.startedAt = now();
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.abort(new Error(`no complete answer within ${req.timeoutMs} ms`));
    }, req.timeoutMs);
    const outer = req.signal;
    this.unwatch = outer ? watch(outer, this) : null;
    if (outer?.aborted) this.abortFromOutside(outer.reason);
  }

  abortFromOutside(reason: unknown): void {
    this.stopped = true;
    this.abort(reason instanceof Error ? reason : new Error('aborted: the dispatcher stopped'));
  }

  /** Sends the attempt; errors thrown at once (bad options) settle it like any other. */
  start(): void {
    if (this.settled) return;
    try {
      const { origin, path } = targetOf(this.req.url);
      this.req.agent.dispatch({ origin, path, method: 'POST', headers: this.req.headers, body: this.req.body }, this);
    } catch (err) {
      this.fail(err);
    }
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.controller = controller;
    if (this.pendingAbort) controller.abort(this.pendingAbort);
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number, headers: Headers): void {
    // 1xx answers are interim; the final one follows.
    if (statusCode < 200) return;
    this.status = statusCode;
    this.headers = headers;
    // Decided: the deadline no longer applies; the body gets a short while for its snippet.
    this.statusAt = this.now();
    clearTimeout(this.timer);
    this.snippetTimer = setTimeout(() => {
      this.cutOff = true;
      _controller.abort(new Error('answer cut off: its body was too slow'));
    }, SNIPPET_WAIT_MS);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.keptBytes < RESPONSE_SNIPPET_BYTES) {
      const part = chunk.subarray(0, RESPONSE_SNIPPET_BYTES - this.keptBytes);
      this.kept.push(part);
      this.keptBytes += part.length;
    }
    this.total += chunk.length;
    if (this.total > MAX_DRAINED_BODY_BYTES && !this.cutOff) {
      this.cutOff = true;
      controller.abort(new Error('answer cut off: larger than the drain limit'));
    }
  }

  onResponseEnd(): void {
    this.answered();
  }

  onResponseError(_controller: Dispatcher.DispatchController, err: Error): void {
    // After the status line nothing changes the outcome: a body cut off, reset or aborted only
    // shortens the snippet.
    if (this.status !== 0) this.answered();
    else this.fail(err);
  }

  private abort(reason: Error): void {
    if (this.settled) return;
    if (this.controller) {
      this.controller.abort(reason);
      return;
    }
    // Not on a connection yet (still connecting, or queued in the pool): the attempt ends now, and
    // undici is told as soon as it hands over the request.
    this.pendingAbort = reason;
    this.fail(reason);
  }

  private answered(): void {
    const status = this.status;
    const fields: Fields = { status };
    const snippet = this.keptBytes > 0 ? Buffer.concat(this.kept, this.keptBytes).toString('utf8') : '';
    if (snippet) fields.responseSnippet = snippet;
    const headers = keepResponseHeaders(this.headers);
    if (headers) fields.responseHeaders = headers;
    if (status >= 200 && status < 300) return this.finish(fields);
    if (status >= 300 && status < 400) {
      const location = firstHeader(this.headers.location);
      if (location !== undefined) fields.location = location;
      return this.finish({
        ...fields,
        error: 'redirect',
        message: `redirect to ${location ?? '(no Location header)'} not followed`,
      });
    }
    const retryAfter = firstHeader(this.headers['retry-after']);
    this.finish({ ...fields, error: 'http', message: `HTTP ${status}` }, retryAfter ? { retryAfter } : {});
  }

  private fail(err: unknown): void {
    if (this.timedOut) return this.finish({ error: 'timeout', message: `no complete answer within ${this.req.timeoutMs} ms` });
    if (this.stopped) return this.finish({ error: 'network', message: 'aborted: the dispatcher stopped' }, { aborted: true });
    const { category, message } = classifyError(err);
    this.finish({ error: category, message });
  }

  private finish(fields: Fields, extra: Partial<AttemptOutcome> = {}): void {
    if (this.settled) return;
    this.settled = true;
    clearTimeout(this.timer);
    if (this.snippetTimer) clearTimeout(this.snippetTimer);
    this.unwatch?.();
    const startedAt = this.startedAt;
    const endedAt = this.statusAt ?? this.now();
    // What the request really carried (the headers may be built before the attempt starts).
    const stamp = this.req.headers['webhook-timestamp'];
    this.resolve({
      record: { startedAt, durationMs: Math.max(0, endedAt - startedAt), ...(stamp === undefined ? {} : { webhookTimestamp: stamp }), ...fields },
      aborted: false,
      ...extra,
    });
  }
}

export async function sendAttempt(req: AttemptRequest): Promise<AttemptOutcome> {
  const outcome = await new Promise<AttemptOutcome>((resolve) => new AttemptHandler(req, req.now ?? Date.now, resolve).start());
  // undici tells its pool the connection is free again on a setImmediate queued as the answer
  // ends; this one is queued after it (we resume on a microtask), so the next event finds the
  // keep-alive connection idle instead of opening a second one.
  await new Promise<void>((resolve) => setImmediate(resolve));
  return outcome;
}
