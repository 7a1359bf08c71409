// The bridge contract: one typed map of every call the window may make of the main process and
// every push the main process sends to the window. The Electron preload, the ipcMain handlers and
// the headless web bridge are all generated from (or checked against) these maps.

import type { BreakerView, DeliveryRecord, Outcome, RedeliverOutcome, Stats } from './delivery';

export interface DaemonView {
  connected: boolean;
  /** socket path in use, or null when the link is off */
  socket: string | null;
  nodeId: number | null;
  address: string | null;
  /** last Health reply from the daemon (its own field names), or null */
  health: Record<string, unknown> | null;
  /** why it is not connected (or the last SetWebhook refusal), else null */
  error: string | null;
  /** false when run with --no-daemon or on a platform without the daemon */
  enabled: boolean;
  /**
   * Events the daemon lost on its way to us (its webhook queue drops and breaker skips), summed
   * over every webhook client it had while linked: its own Health counters restart at each
   * SetWebhook, these do not.
   */
  hop: { dropped: number; circuitSkips: number };
}

export interface AppState {
  url: string | null;
  paused: boolean;
  breaker: BreakerView;
  stats: Stats;
  /** the reference plugin's per-URL counters, reset when the URL changes */
  client: { dropped: number; circuitSkips: number };
  daemon: DaemonView;
  ingest: { url: string | null };
  /** signing secret status; the secret itself never reaches the window */
  secret: { set: boolean; hint: string | null };
  /** warnings the user should see (ignored persisted URL, settings file set aside, …) */
  warnings: string[];
  demo: boolean;
  /** topic patterns events must match to be delivered; empty = every topic */
  topicFilters: string[];
  history: HistoryView;
  /** epoch ms this process started: `stats` count from here, the history goes further back */
  startedAt?: number;
}

/** The durable outbox and history (SQLite in the data folder), or why it is off. */
export interface HistoryView {
  /** false: in-memory log only (--no-outbox, or the database could not be opened) */
  durable: boolean;
  /** the database file, when durable */
  path: string | null;
  /** retention limits: records older than this many days go first, then the oldest beyond the size */
  days: number;
  maxMB: number;
  /** records retention has removed since this process started */
  retentionRemoved: number;
  /** records the history holds now (approximate while events arrive) */
  records: number;
}

/** Which records to send again: by id, or every undelivered one of a kind since a moment. */
export type RedeliverArg = { ids: number[] } | { since: string; outcome: RedeliverOutcome };

export interface TestResult {
  ok: boolean;
  status?: number;
  durationMs: number;
  error?: string;
  /** the first bytes of the receiver's answer */
  responseSnippet?: string;
  /** why a known receiver refuses it and what to do (e.g. Slack's `no_text`), when known */
  hint?: string;
  /** the log record of this test (source 'test'), when it was sent */
  recordId?: number;
}

export interface LogQuery {
  limit?: number;
  /** only records with id < before (paging, newest first) */
  before?: number;
  outcome?: Outcome;
  /** exact topic or pattern like `tunnel.*` */
  topic?: string;
  /** epoch ms: only records received at or after */
  since?: number;
}

export interface ApiError {
  code: string;
  message: string;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiError };

/** Every call: name → [argument, result]. Arguments are one JSON value (or undefined). */
export interface BridgeCalls {
  getState: [undefined, AppState];
  setUrl: [{ url: string }, Result<{ url: string }>];
  clearUrl: [undefined, Result<{ url: null }>];
  sendTest: [{ url?: string }, TestResult];
  getLog: [LogQuery, { records: DeliveryRecord[] }];
  pause: [undefined, Result<{ paused: boolean }>];
  resume: [undefined, Result<{ paused: boolean }>];
  resend: [{ ids: number[] }, Result<{ queued: number }>];
  setSecret: [{ secret: string }, Result<{ hint: string }>];
  /** The new secret stays in the main process; the window gets its masked hint only. */
  generateSecret: [undefined, Result<{ hint: string }>];
  clearSecret: [undefined, Result<{ set: false }>];
  copySecret: [undefined, Result<{ copied: boolean }>];
  /** sends stored undelivered events again (as new records, in order of acceptance) */
  redeliver: [RedeliverArg, Result<{ queued: number }>];
  /** which topics are delivered; events of other topics are recorded as filtered */
  setTopicFilters: [{ filters: string[] }, Result<{ filters: string[] }>];
  /**
   * Writes the whole history as JSON Lines to a file: in the desktop app where the user picks in a
   * save dialog, in the headless host into the data folder's exports/. Answers where and how many.
   */
  exportHistory: [undefined, Result<{ path: string; records: number }>];
}

export type CallName = keyof BridgeCalls;
export type CallArg<K extends CallName> = BridgeCalls[K][0];
export type CallResult<K extends CallName> = BridgeCalls[K][1];

/** The list of call names, in one place, so preload/ipc/web bridge can be checked against it. */
export const CALL_NAMES = [
  'getState',
  'setUrl',
  'clearUrl',
  'sendTest',
  'getLog',
  'pause',
  'resume',
  'resend',
  'setSecret',
  'generateSecret',
  'clearSecret',
  'copySecret',
  'redeliver',
  'setTopicFilters',
  'exportHistory',
] as const satisfies readonly CallName[];

// Compile-time check that CALL_NAMES lists every key of BridgeCalls.
type Missing = Exclude<CallName, (typeof CALL_NAMES)[number]>;
const _allListed: Missing extends never ? true : never = true;
void _allListed;

/** Pushes main → window. Batched: `records` carries new or changed records since the last push. */
export interface BridgePushes {
  state: AppState;
  records: DeliveryRecord[];
}
export type PushName = keyof BridgePushes;
export const PUSH_NAMES = ['state', 'records'] as const satisfies readonly PushName[];

/** What the window sees: the named calls as async functions, plus a subscription to pushes. */
export type Bridge = {
  [K in CallName]: CallArg<K> extends undefined
    ? () => Promise<CallResult<K>>
    : (arg: CallArg<K>) => Promise<CallResult<K>>;
} & {
  on<P extends PushName>(push: P, listener: (value: BridgePushes[P]) => void): () => void;
};

/** What the main process implements: every call as an async handler of its one argument. */
export type BridgeHandlers = { [K in CallName]: (arg: CallArg<K>) => Promise<CallResult<K>> };

/** Subscribes to the batched pushes; returns the unsubscribe function. */
export type PushSubscribe = <P extends PushName>(push: P, listener: (value: BridgePushes[P]) => void) => () => void;
