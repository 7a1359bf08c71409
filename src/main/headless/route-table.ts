// The API's routing, derived from HTTP_ROUTES so the server cannot drift from the web bridge.

import { CALL_NAMES, type ApiError, type CallName } from '../../shared/bridge';
import { HTTP_ROUTES, RETURNS_RESULT, STREAM_PATH, type HttpMethod, type HttpRoute } from '../../shared/http-routes';

export type RouteMatch =
  | { kind: 'call'; name: CallName; route: HttpRoute }
  | { kind: 'stream' }
  | { kind: 'not_found' }
  | { kind: 'wrong_method'; allow: string };


/** path → method → call */
const BY_PATH = new Map<string, Map<HttpMethod, CallName>>();
for (const name of CALL_NAMES) {
  const { method, path } = HTTP_ROUTES[name];
  const methods = BY_PATH.get(path) ?? new Map<HttpMethod, CallName>();
  methods.set(method, name);
  BY_PATH.set(path, methods);
}

export function matchApiRoute(method: string, path: string): RouteMatch {
  if (path === STREAM_PATH) return method === 'GET' ? { kind: 'stream' } : { kind: 'wrong_method', allow: 'GET' };
  const methods = BY_PATH.get(path);
  if (methods === undefined) return { kind: 'not_found' };
  const name = methods.get(method as HttpMethod);
  if (name === undefined) return { kind: 'wrong_method', allow: [...methods.keys()].join(', ') };
  return { kind: 'call', name, route: HTTP_ROUTES[name] };
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

function isApiError(v: unknown): v is ApiError {
  if (typeof v !== 'object' || v === null) return false;
  const e = v as Record<string, unknown>;
  return typeof e.code === 'string' && typeof e.message === 'string';
}

/** 200 + value for a success, 400 + {error} for a refusal, 200 + the result for plain calls. */
export function toHttpAnswer(name: CallName, result: unknown): HttpAnswer {
  if (!RETURNS_RESULT[name]) return { status: 200, body: result };
  const r = result as Partial<{ ok: boolean; value: unknown; error: unknown }> | null;
  if (r?.ok === true) return { status: 200, body: r.value };
  if (r?.ok === false && isApiError(r.error)) return { status: 400, body: { error: r.error } };
  // A Result-returning handler that returned something else is a bug on our side, not the caller's.
  throw new Error(`handler ${name} returned a malformed Result`);
}
