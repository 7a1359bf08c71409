// The bridge contract's types: what the window sees of the main process (the state it is pushed)
// and the shapes of the calls and pushes. The calls themselves are defined once, in
// bridge-calls.ts; the Electron preload, the ipcMain handlers, the headless API and the web bridge
// are all derived from that table.

import type { CallArg, CallName, CallResult } from './bridge-calls';
import type { BreakerView, DeliveryRecord, Stats } from './delivery';

export { CALL_NAMES, type CallArg, type CallName, type CallResult, type LogQuery, type RedeliverArg } from './bridge-calls';
export type { ApiError, ErrorCode, Result } from './api-errors';

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

/** Pushes main → window. Batched: `records` carries new or changed records since the last push. */
export interface BridgePushes {
  state: AppState;
  records: DeliveryRecord[];
}
export type PushName = keyof BridgePushes;
export const PUSH_NAMES = ['state', 'records'] as const satisfies readonly PushName[];

/** What the window sees: the named calls as async functions, plus a subscription to pushes. */
export type Bridge = {
  [K in CallName]: [CallArg<K>] extends [undefined]
    ? () => Promise<CallResult<K>>
    : (arg: CallArg<K>) => Promise<CallResult<K>>;
} & {
  on<P extends PushName>(push: P, listener: (value: BridgePushes[P]) => void): () => void;
};

/** What the main process implements: every call as an async handler of its one argument. */
export type BridgeHandlers = { [K in CallName]: (arg: CallArg<K>) => Promise<CallResult<K>> };

/** Subscribes to the batched pushes; returns the unsubscribe function. */
export type PushSubscribe = <P extends PushName>(push: P, listener: (value: BridgePushes[P]) => void) => () => void;
