// Every error code a bridge call or the headless API can answer with, each with its kind, and the
// HTTP status of each kind. Both transports use this one table: the headless API answers a code with
// its status, the Electron IPC handlers send the same `{ ok: false, error }` the HTTP client builds
// from that answer. A new code is added here (the type then allows it everywhere). Pure.

import type { UrlErrorCode } from './url-rules';

/**
 * - input: the caller's argument is wrong (fix it and ask again)
 * - state: the argument is fine but the app is not in a state to do it (no URL set yet, …)
 * - host: it failed on our side (a disk, a handler bug)
 * - unsupported: this host cannot do it at all (the headless host has no clipboard)
 * - the rest belong to the HTTP transport only (token, Host/Origin, routing, body size, the
 *   number of event streams)
 */
export type ErrorKind =
  | 'input'
  | 'state'
  | 'host'
  | 'unsupported'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'wrong_method'
  | 'too_large'
  | 'too_many';

export const HTTP_STATUS_OF_KIND: { readonly [K in ErrorKind]: number } = {
  input: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  wrong_method: 405,
  state: 409,
  too_large: 413,
  too_many: 429,
  host: 500,
  unsupported: 501,
};

export const ERROR_CODES = {
  // The argument, as the contract's schema checks it (the message names the field).
  invalid_argument: 'input',
  // HTTP-only ways to send a wrong argument.
  bad_query: 'input',
  bad_json: 'input',
  bad_request: 'input',
  // The URL rules (src/shared/url-rules.ts): each refusal is the caller's input.
  empty: 'input',
  malformed: 'input',
  scheme: 'input',
  host: 'input',
  credentials: 'input',
  link_local: 'input',
  metadata: 'input',
  own_port: 'input',
  not_public: 'input',
  bad_topic_filter: 'input',
  /** a destination's JSONata template: its syntax (with the position) or its evaluation */
  bad_template: 'input',
  /** an event given to preview a body with is not the daemon's shape */
  bad_event: 'input',
  // A destination's fields (shared/destination.ts checkDestinationFields names the field).
  bad_body: 'input',
  bad_field: 'input',
  unknown_field: 'input',
  bad_header: 'input',
  template_syntax: 'input',
  template_missing: 'input',
  template_unused: 'input',
  template_empty: 'input',
  template_too_long: 'input',
  /** MAX_DESTINATIONS are kept already */
  too_many: 'state',
  no_url: 'state',
  no_secret: 'state',
  /** the primary's URL is for this run only (--url, the demo receiver): not saved, so not changed */
  run_only: 'state',
  /** the daemon link is not connected (or off) */
  daemon_unavailable: 'state',
  /** fleet mode: the cluster or its configuration cannot be reached (or the fleet key is wrong) */
  fleet_unavailable: 'state',
  /** the user closed the save dialog */
  cancelled: 'state',
  internal: 'host',
  export_failed: 'host',
  /** window side only: the host did not answer, or answered something that is not our JSON */
  unreachable: 'host',
  bad_answer: 'host',
  unsupported: 'unsupported',
  unauthorized: 'unauthorized',
  forbidden_host: 'forbidden',
  forbidden_origin: 'forbidden',
  /** no such API route, or (destinations) no destination with that id */
  not_found: 'not_found',
  method_not_allowed: 'wrong_method',
  too_large: 'too_large',
  /** GET /api/stream past the cap on open event streams */
  too_many_streams: 'too_many',
} as const satisfies Record<string, ErrorKind>;

export type ErrorCode = keyof typeof ERROR_CODES;

// Every code the URL rules can refuse with is one of ours (a new rule code must be added above).
const _urlCodesListed: UrlErrorCode extends ErrorCode ? true : never = true;
void _urlCodesListed;

export interface ApiError {
  code: ErrorCode;
  message: string;
  /** the argument's field the refusal is about, when it is about one (destination fields) */
  field?: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

export function httpStatusOf(code: ErrorCode): number {
  return HTTP_STATUS_OF_KIND[ERROR_CODES[code]];
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

/** A refusal as a Result: `return fail('no_url', 'Set a webhook URL first.')`. */
export function fail<T = never>(code: ErrorCode, message: string, field?: string): Result<T> {
  return { ok: false, error: field === undefined ? { code, message } : { code, message, field } };
}

export function isApiError(value: unknown): value is ApiError {
  if (typeof value !== 'object' || value === null) return false;
  const e = value as Record<string, unknown>;
  return isErrorCode(e.code) && typeof e.message === 'string' && (e.field === undefined || typeof e.field === 'string');
}
