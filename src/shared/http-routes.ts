// How each bridge call travels over the headless host's HTTP API (DESIGN.md section 5). The API
// server and the window's web bridge are both driven by this one table, so they cannot drift.

import type { CallName, CallResult, Result } from './bridge';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'DELETE';

export interface HttpRoute {
  method: HttpMethod;
  path: string;
  /** where the call's argument travels: a JSON body, the query string, or nowhere */
  arg: 'body' | 'query' | 'none';
}

export const HTTP_ROUTES: { readonly [K in CallName]: HttpRoute } = {
  getState: { method: 'GET', path: '/api/state', arg: 'none' },
  setUrl: { method: 'PUT', path: '/api/url', arg: 'body' },
  clearUrl: { method: 'DELETE', path: '/api/url', arg: 'none' },
  sendTest: { method: 'POST', path: '/api/test', arg: 'body' },
  getLog: { method: 'GET', path: '/api/log', arg: 'query' },
  pause: { method: 'POST', path: '/api/pause', arg: 'none' },
  resume: { method: 'POST', path: '/api/resume', arg: 'none' },
  resend: { method: 'POST', path: '/api/resend', arg: 'body' },
  setSecret: { method: 'PUT', path: '/api/secret', arg: 'body' },
  generateSecret: { method: 'POST', path: '/api/secret/generate', arg: 'none' },
  clearSecret: { method: 'DELETE', path: '/api/secret', arg: 'none' },
  copySecret: { method: 'POST', path: '/api/secret/copy', arg: 'none' },
  redeliver: { method: 'POST', path: '/api/redeliver', arg: 'body' },
  setTopicFilters: { method: 'PUT', path: '/api/topic-filters', arg: 'body' },
  exportHistory: { method: 'POST', path: '/api/export-file', arg: 'none' },
};

/** The history as JSON Lines, oldest first (not a bridge call: a download that streams). */
export const EXPORT_PATH = '/api/export';

/** Server-sent events of the BridgePushes (`event: state` / `event: records`). */
export const STREAM_PATH = '/api/stream';

/** API request bodies larger than this get 413: every call's argument is small. */
export const MAX_API_BODY_BYTES = 64 * 1024;

/** LogQuery fields as query-string parameters, numbers parsed; unknown keys ignored. */
export const LOG_QUERY_KEYS = ['limit', 'before', 'outcome', 'topic', 'since'] as const;

/**
 * Which calls answer with a Result<T>: over HTTP their refusal is a 400 `{error}` (the caller's
 * input, not a failure of the host). The type forces each value to match the call's result type.
 */
export const RETURNS_RESULT: { readonly [K in CallName]: CallResult<K> extends Result<unknown> ? true : false } = {
  getState: false,
  setUrl: true,
  clearUrl: true,
  sendTest: false,
  getLog: false,
  pause: true,
  resume: true,
  resend: true,
  setSecret: true,
  generateSecret: true,
  clearSecret: true,
  copySecret: true,
  redeliver: true,
  setTopicFilters: true,
  exportHistory: true,
};
