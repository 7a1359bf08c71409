// Every bridge call, defined once: its argument's schema (the TypeScript type, the run-time check
// with messages that name the field, and for GET calls how the query string becomes the argument),
// its HTTP route on the headless host, and what it answers. Everything else is derived from this
// table: the call names, the Electron IPC channels (`pilot:call:<name>`), the preload, the ipcMain
// handlers, the headless API's routing and the window's web bridge. Adding a call: CONTRIBUTING.md,
// "Adding a bridge call". Pure.

import { TEMPLATE_MAX_CHARS } from './formats/custom-template';
import { FORMATS, type FormatName } from './formats/format-names';
import type { RenderedBody } from './formats/rendered';
import * as v from 'valibot';
import type { Result } from './api-errors';
import type { AppState, TestResult } from './bridge';
import type { DestinationSummary } from './destination-summary';
import { PATH_PARAM } from './path-params';
import { OUTCOMES, REDELIVER_OUTCOMES, type DeliveryRecord } from './delivery';
import { MAX_TOPIC_LENGTH } from './events';
import { parseRfc3339 } from './rfc3339';
import {
  fields,
  isPlainObject,
  noArgument,
  oneOf,
  readParam,
  text,
  wholeNumber,
  wholeNumberParam,
  type NoArgument,
} from './call-schemas';
import { checkTopicFiltersToSave, parseTopicList } from './topic-patterns';

/** At quit the daemon gets: what it had before the app linked, the app's primary URL, or nothing. */
export const DAEMON_RESTORE_MODES = ['original', 'app', 'clear'] as const;
export type DaemonRestoreMode = (typeof DAEMON_RESTORE_MODES)[number];

/** Longer than any usable webhook URL; stops a window from making main copy megabytes around. */
export const MAX_URL_LENGTH = 8192;

/** Longer than any sensible signing secret (Standard Webhooks secrets are ~50 characters). */
export const MAX_SECRET_LENGTH = 1024;

/**
 * Longest text the window may ask main to put on the clipboard: a "Copy as curl" command carries
 * the request body (the ingest takes up to 1 MiB) with shell quoting around it.
 */
export const MAX_COPY_TEXT_LENGTH = 4 * 1024 * 1024;

/** One resend may name at most this many records: a generous page of the log. */
export const MAX_RESEND_IDS = 10_000;

/** The log keeps a few thousand records; asking for more than this is a mistake, not a need. */
export const MAX_LOG_LIMIT = 100_000;

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

/** What a call answers: its value as it is, or a Result<T> whose refusal is an `{error}`. */
export interface Answers<T, WrapsResult extends boolean> {
  readonly result: WrapsResult;
  /** type only: never set */
  readonly type?: (value: T) => T;
}
/** The call answers its value (a failure is an exception). */
function plain<T>(): Answers<T, false> {
  return { result: false };
}
/** The call answers a Result<T>: a refusal is `{ ok: false, error }`, with the code's HTTP status. */
function result<T>(): Answers<Result<T>, true> {
  return { result: true };
}

export interface HttpRoute {
  method: HttpMethod;
  /** under /api/; a `:name` segment is a path parameter, carried in the argument's field `name` */
  path: string;
}

export interface CallDefinition {
  arg: v.GenericSchema;
  /**
   * GET calls with an argument: the query parameters (strings) read into the argument's fields.
   * Unknown parameters are ignored (a cache-buster is harmless); a repeated one is refused.
   */
  query?: v.ObjectSchema<v.ObjectEntries, undefined>;
  http: HttpRoute;
  /**
   * A well-formed argument (calls that take one): documents the call, and the contract tests send
   * it over both transports, so a new call is exercised without writing a test for its shape.
   */
  example?: unknown;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any T: the phantom type is invariant
  answers: Answers<any, boolean>;
}

const ids = v.pipe(
  v.array(wholeNumber(0), 'must be a list of record ids'),
  v.minLength(1, `must hold 1 to ${MAX_RESEND_IDS} record ids`),
  v.maxLength(MAX_RESEND_IDS, `must hold 1 to ${MAX_RESEND_IDS} record ids`),
);

const since = v.pipe(
  v.string('must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z (or give "ids")'),
  v.check(
    (raw) => parseRfc3339(raw) !== null,
    'must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z (or give "ids")',
  ),
);

const byIds = fields({ ids });
const bySince = fields({ since, outcome: oneOf(REDELIVER_OUTCOMES) });

const topicFilters = v.pipe(
  v.array(v.string('must be a string'), 'must be a list of topic patterns such as ["tunnel.*"]'),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = checkTopicFiltersToSave(dataset.value);
    if (problem !== null) addIssue({ message: problem });
  }),
);

/** The log's topic query: the same pattern language as the filters, as a comma list. */
const topicQuery = v.pipe(
  text(MAX_TOPIC_LENGTH, 1),
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const problem = checkTopicFiltersToSave(parseTopicList(dataset.value));
    if (problem !== null) addIssue({ message: problem });
  }),
);

/** A destination's id, as it appears in `/api/destinations/:id`. */
const destinationId = v.pipe(
  v.string('must be a destination id (a string)'),
  v.regex(PATH_PARAM, 'must be a destination id such as "d3f9a1c2" (letters, digits, - and _)'),
);

/**
 * A destination's settable fields. Their values are checked by the destination rules
 * (shared/destination.ts checkDestinationFields), which answer with the contract's codes
 * (bad_field, bad_header, template_syntax, …) and name the field; here only the keys are fixed,
 * so a misspelt field is refused like any call's.
 */
const destinationFields = {
  name: v.optional(v.unknown()),
  format: v.optional(v.unknown()),
  template: v.optional(v.unknown()),
  topics: v.optional(v.unknown()),
  headers: v.optional(v.unknown()),
  enabled: v.optional(v.unknown()),
  rateLimit: v.optional(v.unknown()),
  concurrency: v.optional(v.unknown()),
};

const logQuery = fields({
  limit: v.optional(wholeNumber(1, MAX_LOG_LIMIT)),
  /** only records with id < before (paging, newest first) */
  before: v.optional(wholeNumber(0)),
  outcome: v.optional(oneOf(OUTCOMES)),
  /** topic patterns like `tunnel.*, conn.fin` */
  topic: v.optional(topicQuery),
  /** epoch ms: only records received at or after */
  since: v.optional(wholeNumber(0)),
  /** only the records of this destination (records without a destination are the primary's) */
  destination: v.optional(destinationId),
});

const DIGITS = /^\d+$/;
const logQueryParams = v.object({
  limit: v.optional(wholeNumberParam(1, MAX_LOG_LIMIT, `must be a positive integer up to ${MAX_LOG_LIMIT}`)),
  before: v.optional(
    wholeNumberParam(0, Number.MAX_SAFE_INTEGER, 'must be a non-negative integer (a record id)'),
  ),
  outcome: v.optional(v.string()),
  topic: v.optional(v.string()),
  since: v.optional(
    readParam(
      (raw) => (DIGITS.test(raw) ? Number(raw) : parseRfc3339(raw)),
      'must be epoch milliseconds or an RFC 3339 timestamp (2024-05-01T12:00:00Z)',
    ),
  ),
  destination: v.optional(v.string()),
});

const get = (path: string): HttpRoute => ({ method: 'GET', path });
const put = (path: string): HttpRoute => ({ method: 'PUT', path });
const post = (path: string): HttpRoute => ({ method: 'POST', path });
const patch = (path: string): HttpRoute => ({ method: 'PATCH', path });
const del = (path: string): HttpRoute => ({ method: 'DELETE', path });

export const CALLS = {
  getState: { arg: noArgument, http: get('/api/state'), answers: plain<AppState>() },
  setUrl: {
    arg: fields({ url: text(MAX_URL_LENGTH) }),
    example: { url: 'https://hooks.example.com/pilot' },
    http: put('/api/url'),
    answers: result<{ url: string; format?: FormatName; formatReason?: string }>(),
  },
  clearUrl: { arg: noArgument, http: del('/api/url'), answers: result<{ url: null }>() },
  /** sends one sample event now (to the given URL, or the primary destination), outside the counts */
  sendTest: {
    arg: fields({ url: v.optional(text(MAX_URL_LENGTH)) }),
    example: { url: 'http://127.0.0.1:9/try' },
    http: post('/api/test'),
    answers: plain<TestResult>(),
  },
  getLog: {
    arg: logQuery,
    query: logQueryParams,
    example: { limit: 50, outcome: 'failed', topic: 'tunnel.*', since: 1_714_564_800_000 },
    http: get('/api/log'),
    answers: plain<{ records: DeliveryRecord[] }>(),
  },
  pause: { arg: noArgument, http: post('/api/pause'), answers: result<{ paused: boolean }>() },
  resume: { arg: noArgument, http: post('/api/resume'), answers: result<{ paused: boolean }>() },
  resend: { arg: byIds, example: { ids: [3, 5] }, http: post('/api/resend'), answers: result<{ queued: number }>() },
  setSecret: {
    arg: fields({ secret: text(MAX_SECRET_LENGTH) }),
    example: { secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    http: put('/api/secret'),
    answers: result<{ hint: string }>(),
  },
  /** The new secret stays in the main process; the window gets its masked hint only. */
  generateSecret: { arg: noArgument, http: post('/api/secret/generate'), answers: result<{ hint: string }>() },
  clearSecret: { arg: noArgument, http: del('/api/secret'), answers: result<{ set: false }>() },
  copySecret: { arg: noArgument, http: post('/api/secret/copy'), answers: result<{ copied: boolean }>() },
  /**
   * Puts text from the window (a "Copy as curl" command) on the clipboard, from main: the window
   * is granted no permission, clipboard writes included. The headless host answers unsupported and
   * the page writes with navigator.clipboard itself.
   */
  copyText: {
    arg: fields({ text: text(MAX_COPY_TEXT_LENGTH) }),
    example: { text: "curl -X POST 'http://127.0.0.1:9/hook'" },
    http: post('/api/clipboard'),
    answers: result<{ copied: boolean }>(),
  },
  /**
   * Sends stored undelivered events again (as new records, in order of acceptance): by id, or every
   * one of a kind since a moment. Never both, so the meaning is plain.
   */
  redeliver: {
    arg: v.lazy((input) => (isPlainObject(input) && 'ids' in input ? byIds : bySince)),
    example: { since: '2024-05-01T12:00:00Z', outcome: 'any_undelivered' },
    http: post('/api/redeliver'),
    answers: result<{ queued: number }>(),
  },
  /** which topics are delivered; events of other topics are recorded as filtered */
  setTopicFilters: {
    arg: fields({ filters: topicFilters }),
    example: { filters: ['tunnel.*', 'handshake.*'] },
    http: put('/api/topic-filters'),
    answers: result<{ filters: string[] }>(),
  },
  /** Every destination with its counters, breaker and status line, the primary first. */
  listDestinations: { arg: noArgument, http: get('/api/destinations'), answers: plain<{ destinations: DestinationSummary[] }>() },
  /**
   * Adds a destination (the first one becomes the primary). Without `format` it is chosen from
   * the URL's host and `formatReason` says so. Header values are secrets: answers mask them.
   */
  createDestination: {
    arg: fields({ url: v.unknown(), ...destinationFields }),
    example: { url: 'https://hooks.slack.com/services/T000/B000/XXXX', name: 'Team alerts', topics: ['tunnel.*'] },
    http: post('/api/destinations'),
    answers: result<{ destination: DestinationSummary; formatReason?: string }>(),
  },
  /** Changes some fields of one destination; `primary: true` makes it the primary. */
  updateDestination: {
    arg: fields({ id: destinationId, url: v.optional(v.unknown()), ...destinationFields, primary: v.optional(v.unknown()) }),
    example: { id: 'd3f9a1c2', enabled: false },
    http: patch('/api/destinations/:id'),
    answers: result<{ destination: DestinationSummary }>(),
  },
  /** Removes one destination (its waiting events are recorded as abandoned); the next becomes primary. */
  deleteDestination: {
    arg: fields({ id: destinationId }),
    example: { id: 'd3f9a1c2' },
    http: del('/api/destinations/:id'),
    answers: result<{ deleted: string }>(),
  },
  setDestinationSecret: {
    arg: fields({ id: destinationId, secret: text(MAX_SECRET_LENGTH) }),
    example: { id: 'd3f9a1c2', secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' },
    http: put('/api/destinations/:id/secret'),
    answers: result<{ hint: string }>(),
  },
  clearDestinationSecret: {
    arg: fields({ id: destinationId }),
    example: { id: 'd3f9a1c2' },
    http: del('/api/destinations/:id/secret'),
    answers: result<{ set: false }>(),
  },
  /** Sends the sample event in this destination's format now, outside its queue, breaker and counts. */
  testDestination: {
    arg: fields({ id: destinationId }),
    example: { id: 'd3f9a1c2' },
    http: post('/api/destinations/:id/test'),
    answers: plain<TestResult>(),
  },
  /**
   * The body (content type, headers, text) a destination of this format and template would send
   * for the event (default: the test sample) — nothing is sent.
   */
  previewDestination: {
    arg: fields({
      format: oneOf(FORMATS),
      template: v.optional(text(TEMPLATE_MAX_CHARS)),
      event: v.optional(v.record(v.string(), v.unknown(), 'must be an event object such as {"event": "tunnel.established"}')),
    }),
    example: { format: 'slack', event: { event: 'handshake.approved', node_id: 42, data: { peer_node_id: 7 } } },
    http: post('/api/destinations/preview'),
    answers: result<RenderedBody>(),
  },
  /**
   * Writes the whole history as JSON Lines to a file: in the desktop app where the user picks in a
   * save dialog, in the headless host into the data folder's exports/. Answers where and how many.
   */
  exportHistory: { arg: noArgument, http: post('/api/export-file'), answers: result<{ path: string; records: number }>() },
  /**
   * Points the daemon's webhook at this app again after someone else took it (state daemon.phase
   * "taken-over", or "other-app": another instance of this app holds it). The user's call only.
   */
  takeBackDaemon: { arg: noArgument, http: post('/api/daemon/take-back'), answers: result<{ message: string }>() },
  /**
   * What the daemon gets back when the app quits: what it delivered to before the app linked, the
   * app's primary URL, or nothing. Remembered in the data folder; state daemon.restore shows it.
   */
  chooseDaemonRestore: {
    arg: fields({ mode: oneOf(DAEMON_RESTORE_MODES) }),
    example: { mode: 'original' },
    http: put('/api/daemon/restore'),
    answers: result<{ mode: DaemonRestoreMode }>(),
  },
  /**
   * Shows the main process's log file: the desktop app opens it in the system's viewer, the
   * headless host answers where it is (`opened: false`).
   */
  openLogFile: { arg: noArgument, http: post('/api/log-file/open'), answers: result<{ path: string; opened: boolean }>() },
} as const satisfies Record<string, CallDefinition>;

export type Calls = typeof CALLS;
export type CallName = keyof Calls;
export type CallArg<K extends CallName> = v.InferOutput<Calls[K]['arg']>;
export type CallResult<K extends CallName> = Calls[K]['answers'] extends Answers<infer T, boolean> ? T : never;
export type TakesNoArgument<K extends CallName> = Calls[K]['arg'] extends NoArgument ? true : false;

export type LogQuery = CallArg<'getLog'>;
export type RedeliverArg = CallArg<'redeliver'>;

/** Every call's name, in the table's order. */
export const CALL_NAMES = Object.keys(CALLS) as readonly CallName[];

export function definitionOf(name: CallName): CallDefinition {
  return CALLS[name];
}

/** Where a call's argument travels over HTTP: nowhere, the query string (GET), or a JSON body. */
export function argumentPlace(name: CallName): 'none' | 'query' | 'body' {
  const def = definitionOf(name);
  if (def.arg === noArgument) return 'none';
  return def.http.method === 'GET' ? 'query' : 'body';
}
