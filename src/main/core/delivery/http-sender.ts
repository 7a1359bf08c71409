// One HTTP attempt: POST the body, read the answer, never throw. Redirects are not followed
// (undici's request() only follows them with the redirect interceptor, which is never installed
// here): following one would let a receiver steer the app at an address the URL rules refused.

import { request, type Dispatcher } from 'undici';
import { RESPONSE_SNIPPET_BYTES, type AttemptRecord } from '../../../shared/delivery';
import { classifyError } from './error-category';

/** Per attempt, headers and body together (Go: http.Client{Timeout: 5 * time.Second}). */
export const DEFAULT_TIMEOUT_MS = 5000;

/**
 * Bytes of a response body read to the end so its keep-alive socket can be reused. A larger body
 * is cut off (the socket closed) rather than downloaded: a webhook answer has no need to be big.
 */
export const MAX_DRAINED_BODY_BYTES = 64 * 1024;

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

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Reads up to the snippet size, keeps going up to the drain limit, then lets go of the body. */
async function readSnippet(body: AsyncIterable<Buffer> & { destroy(err?: Error): unknown }): Promise<string> {
  const kept: Buffer[] = [];
  let keptBytes = 0;
  let total = 0;
  for await (const chunk of body) {
    if (keptBytes < RESPONSE_SNIPPET_BYTES) {
      const part = chunk.subarray(0, RESPONSE_SNIPPET_BYTES - keptBytes);
      kept.push(part);
      keptBytes += part.length;
    }
    total += chunk.length;
    if (total > MAX_DRAINED_BODY_BYTES) {
      body.destroy();
      break;
    }
  }
  return Buffer.concat(kept).toString('utf8');
}

export async function sendAttempt(req: AttemptRequest): Promise<AttemptOutcome> {
  const now = req.now ?? Date.now;
  const startedAt = now();
  const timer = new AbortController();
  let timedOut = false;
  const timeout = setTimeout(() => {
    timedOut = true;
    timer.abort(new Error(`no complete answer within ${req.timeoutMs} ms`));
  }, req.timeoutMs);
  // The outside signal is forwarded by hand rather than combined with AbortSignal.any(): on
  // Node 20 any() cost about a fifth of a keep-alive delivery's time (bench/README.md).
  const outer = req.signal;
  const forward = (): void => timer.abort(outer?.reason);
  if (outer?.aborted) forward();
  else outer?.addEventListener('abort', forward, { once: true });
  const signal = timer.signal;
  const done = (fields: Omit<AttemptRecord, 'startedAt' | 'durationMs'>, extra: Partial<AttemptOutcome> = {}) => ({
    record: { startedAt, durationMs: Math.max(0, now() - startedAt), ...fields },
    aborted: false,
    ...extra,
  });

  try {
    const res = await request(req.url, {
      method: 'POST',
      headers: req.headers,
      body: req.body,
      dispatcher: req.agent,
      signal,
    });
    let snippet: string;
    try {
      snippet = await readSnippet(res.body);
    } finally {
      // Whatever happened while reading, never leave the body (and its socket) hanging.
      if (!res.body.destroyed) res.body.destroy();
    }
    // undici hands the connection back to its pool a tick after the body stream ends; without
    // this yield the next event finds it still busy and opens a second connection every time.
    await new Promise<void>((resolve) => setImmediate(resolve));
    const status = res.statusCode;
    const fields: Omit<AttemptRecord, 'startedAt' | 'durationMs'> = { status };
    if (snippet) fields.responseSnippet = snippet;
    if (status >= 200 && status < 300) return done(fields);
    if (status >= 300 && status < 400) {
      const location = firstHeader(res.headers.location);
      if (location !== undefined) fields.location = location;
      return done({
        ...fields,
        error: 'redirect',
        message: `redirect to ${location ?? '(no Location header)'} not followed`,
      });
    }
    const retryAfter = firstHeader(res.headers['retry-after']);
    return done({ ...fields, error: 'http', message: `HTTP ${status}` }, retryAfter ? { retryAfter } : {});
  } catch (err) {
    if (timedOut) return done({ error: 'timeout', message: `no complete answer within ${req.timeoutMs} ms` });
    if (req.signal?.aborted) return done({ error: 'network', message: 'aborted: the dispatcher stopped' }, { aborted: true });
    const { category, message } = classifyError(err);
    return done({ error: category, message });
  } finally {
    clearTimeout(timeout);
    outer?.removeEventListener('abort', forward);
  }
}
