// The API's routing and answers, derived from the calls' definitions (shared/bridge-calls.ts) so
// the server cannot drift from the web bridge.

import { httpStatusOf } from '../../shared/api-errors';
import { CALL_NAMES, CALLS, type CallName, type HttpMethod } from '../../shared/bridge-calls';
import type { CallAnswer } from '../../shared/call-answer';
import { STREAM_PATH } from '../../shared/http-routes';
import { matchPath, pathParamNames } from '../../shared/path-params';

export type RouteMatch =
  /** `params`: the path parameters (`/api/destinations/:id` → {id}), for calls whose route has any */
  | { kind: 'call'; name: CallName; params?: Record<string, string> }
  | { kind: 'stream' }
  | { kind: 'not_found' }
  | { kind: 'wrong_method'; allow: string };

/** path → method → call, for routes without parameters */
const BY_PATH = new Map<string, Map<HttpMethod, CallName>>();
/** routes with parameters (`/api/destinations/:id`): route → method → call */
const PATTERNS = new Map<string, Map<HttpMethod, CallName>>();
for (const name of CALL_NAMES) {
  const { method, path } = CALLS[name].http;
  const table = pathParamNames(path).length > 0 ? PATTERNS : BY_PATH;
  const methods = table.get(path) ?? new Map<HttpMethod, CallName>();
  if (methods.has(method)) throw new Error(`two bridge calls on ${method} ${path}`);
  methods.set(method, name);
  table.set(path, methods);
}

/**
 * A fixed path is matched before the routes with parameters: `POST /api/destinations/preview` is
 * the preview, never a destination called "preview" (no id is generated that way). A path that
 * fits routes with other methods only is answered 405 with every method that would fit.
 */
export function matchApiRoute(method: string, path: string): RouteMatch {
  if (path === STREAM_PATH) return method === 'GET' ? { kind: 'stream' } : { kind: 'wrong_method', allow: 'GET' };
  const allow: HttpMethod[] = [];
  const fixed = BY_PATH.get(path);
  if (fixed !== undefined) {
    const name = fixed.get(method as HttpMethod);
    if (name !== undefined) return { kind: 'call', name };
    allow.push(...fixed.keys());
  }
  for (const [route, methods] of PATTERNS) {
    const params = matchPath(route, path);
    if (params === null) continue;
    const name = methods.get(method as HttpMethod);
    if (name !== undefined) return { kind: 'call', name, params };
    allow.push(...methods.keys());
  }
  return allow.length === 0 ? { kind: 'not_found' } : { kind: 'wrong_method', allow: [...new Set(allow)].join(', ') };
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** 200 + the value, or the error code's status + `{error}` (input 400, state 409, host 500, …). */
export function toHttpAnswer(answer: CallAnswer): HttpAnswer {
  return answer.ok ? { status: 200, body: answer.value } : { status: httpStatusOf(answer.error.code), body: { error: answer.error } };
}
