// The API's routing and answers, derived from the calls' definitions (shared/bridge-calls.ts) so
// the server cannot drift from the web bridge.

import { httpStatusOf } from '../../shared/api-errors';
import { CALL_NAMES, CALLS, type CallName, type HttpMethod } from '../../shared/bridge-calls';
import type { CallAnswer } from '../../shared/call-answer';
import { STREAM_PATH } from '../../shared/http-routes';

export type RouteMatch =
  | { kind: 'call'; name: CallName }
  | { kind: 'stream' }
  | { kind: 'not_found' }
  | { kind: 'wrong_method'; allow: string };

/** path → method → call */
const BY_PATH = new Map<string, Map<HttpMethod, CallName>>();
for (const name of CALL_NAMES) {
  const { method, path } = CALLS[name].http;
  const methods = BY_PATH.get(path) ?? new Map<HttpMethod, CallName>();
  if (methods.has(method)) throw new Error(`two bridge calls on ${method} ${path}`);
  methods.set(method, name);
  BY_PATH.set(path, methods);
}

export function matchApiRoute(method: string, path: string): RouteMatch {
  if (path === STREAM_PATH) return method === 'GET' ? { kind: 'stream' } : { kind: 'wrong_method', allow: 'GET' };
  const methods = BY_PATH.get(path);
  if (methods === undefined) return { kind: 'not_found' };
  const name = methods.get(method as HttpMethod);
  if (name === undefined) return { kind: 'wrong_method', allow: [...methods.keys()].join(', ') };
  return { kind: 'call', name };
}

export interface HttpAnswer {
  status: number;
  body: unknown;
}

/** 200 + the value, or the error code's status + `{error}` (input 400, state 409, host 500, …). */
export function toHttpAnswer(answer: CallAnswer): HttpAnswer {
  return answer.ok ? { status: 200, body: answer.value } : { status: httpStatusOf(answer.error.code), body: { error: answer.error } };
}
