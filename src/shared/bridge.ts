// The bridge contract's types: what the window sees of the main process (the state it is pushed)
// and the shapes of the calls and pushes. The calls themselves are defined once, in
// bridge-calls.ts; the Electron preload, the ipcMain handlers, the headless API and the web bridge
// are all derived from that table.

import type { CallArg, CallName, CallResult } from './bridge-calls';
import type { BreakerView, DeliveryRecord, Stats } from './delivery';
import type { DestinationSummary } from './destination-summary';
import type { FleetView } from './fleet';

export { CALL_NAMES, type CallArg, type CallName, type CallResult, type LogQuery, type RedeliverArg } from './bridge-calls';
export type { ApiError, ErrorCode, Result } from './api-errors';
export type { DestinationStatus, DestinationStatusKind, DestinationSummary } from './destination-summary';

/**
 * Where the daemon link is, as one value (the link is a state machine):
 * off — no daemon for this run (--no-daemon, Windows); searching — no socket at the path yet;
 * untrusted — something at the path the app will not talk to (`error` says what and whose);
 * connecting — connecting, learning the daemon's URL, SetWebhook on the wire; linked — the
 * daemon posts to our ingest; refused — the daemon refused the ingest URL; taken-over — the
 * daemon's webhook was pointed elsewhere while linked (`takenBy`); other-app — another running
 * instance of this app holds the daemon, not taken from it; backoff — lost, retrying;
 * stopping — handing delivery back; stopped.
 */
export type DaemonPhase =
  | 'off'
  | 'searching'
  | 'untrusted'
  | 'connecting'
  | 'linked'
  | 'refused'
  | 'taken-over'
  | 'other-app'
  | 'backoff'
  | 'stopping'
  | 'stopped';

/** Events the daemon lost while this app was not linked to it (its own counters, read before each SetWebhook). */
export interface DaemonLoss {
  /** epoch ms the link was last seen alive, or null when not known */
  from: number | null;
  /** epoch ms the loss was read (the start of the re-link) */
  to: number;
  dropped: number;
  circuitSkips: number;
  /** the whole finding in words, for the panel and the notification */
  text: string;
}

/** What the daemon will be given back at quit, and whether the user must say. */
export interface DaemonRestore {
  /** the URL handed back at quit ('' or null: cleared) */
  url: string | null;
  /** where it comes from, in words */
  why: string;
  /** true: what the daemon delivered to before could not be known and the user has not said yet */
  ask: boolean;
  /** the best guess offered with the question */
  guess: string | null;
  /**
   * why the app's primary destination is not handed to the daemon at quit (its format is not the
   * daemon's JSON, or it needs an extra header the daemon cannot send); absent when it can be
   */
  appUnusable?: string;
}

export interface DaemonView {
  phase: DaemonPhase;
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
  /** what the daemon lost while the app was not linked (found at this run's first link), or null */
  loss: DaemonLoss | null;
  /** who has the daemon's webhook now, when someone else took it (phase taken-over / other-app) */
  takenBy: { url: string | null; text: string } | null;
  /** the last daemon restart's start events went to another URL before the re-link */
  startEventsElsewhere: string | null;
  restore: DaemonRestore | null;
  /** the last thing that happened to the link, in words (e.g. what the hand-back did at quit) */
  lastEvent: string | null;
  /** warnings about the daemon's files (a corrupt config.json, …) */
  warnings: string[];
}

export interface RetryPlanView {
  mode: 'durable' | 'reference';
  /** the later attempts as written (`10s,1m,5m,…`), or `none` */
  schedule: string;
  /** e.g. `24h` */
  maxEventAge: string;
  /** the machine sleeps or is offline: attempts wait instead of being used up */
  suspended: boolean;
}

export interface AppState {
  /** the primary destination's URL (as are `breaker`, `client` and `secret`) */
  url: string | null;
  paused: boolean;
  breaker: BreakerView;
  /**
   * summed over the destinations (with one destination: its counts), so one event sent to three
   * destinations is 3 in `stats.received`: these count deliveries, one per event and destination
   */
  stats: Stats;
  /**
   * events this process received (from the daemon, the demo, the API), each counted once however
   * many destinations it went to; not resends, nor events taken up again after a restart
   * (`stats.resent`, `stats.resumed`). Absent where the process receives none itself (a fleet
   * deliver process): its window then shows the deliveries only.
   */
  eventsReceived?: number;
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
  /**
   * how delivery gives up (the window's settings show it): durable mode retries on the schedule
   * until maxEventAge; reference mode (--no-outbox) makes the plugin's attempts only
   */
  retry?: RetryPlanView;
  /** present in fleet mode only (--nats): the fleet, this process's role and the cluster's reach */
  fleet?: FleetView;
  /**
   * events in flight at once to a destination that sets no `concurrency` of its own: the app-wide
   * setting (`--concurrency`), in fleet mode the fleet's engine setting
   */
  concurrency?: number;
  /** every destination with its own counters, breaker and status line, the primary first */
  destinations: DestinationSummary[];
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
