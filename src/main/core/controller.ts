// The composition root: builds the core parts (URL policy, history, dispatcher, ingest, daemon
// link, demo, retention), wires them to the application service (app/app-service.ts) and the
// window's push batcher, and closes them in order. The headless host and the Electron shell both
// drive the app through the one object it returns. Construction order is the dependency order:
// the dispatcher exists before the ingest that feeds it, and the ingest's port joins the URL
// policy before anything can be delivered.

import type { Dispatcher as UndiciDispatcher } from 'undici';
import type { AppState, BridgeHandlers, BridgePushes, PushName, PushSubscribe } from '../../shared/bridge';
import type { DeliveryRecord, Outcome } from '../../shared/delivery';
import type { AcceptedEvent } from '../../shared/events';
import { createAppService } from './app/app-service';
import { importDaemonUrl } from './app/first-run-import';
import { watchClockJumps } from './clock-watch';
import { DaemonLink } from './daemon/daemon-link';
import { LinkMemory } from './daemon/link-memory';
import { startDemo, type Demo } from './demo/demo-wiring';
import { DeliveryLog, type RecordLog } from './delivery/delivery-log';
import { Dispatcher, type DispatcherOptions, type SubmitOptions } from './delivery/dispatcher';
import { engineTuning } from './delivery/dispatcher-options';
import { scheduleWarmUp, type WarmUpOutcome } from './delivery/delivery-warm-up';
import {
  checkRetryPlan,
  DEFAULT_MAX_EVENT_AGE_MS,
  firstAttemptsSpanMs,
  formatDuration,
  parseMaxEventAge,
  parseRetrySchedule,
} from './delivery/retry-schedule';
import { DestinationSet } from './destinations/destination-set';
import { plainDestinationSecrets, type DestinationSecrets } from './destinations/destination-secrets';
import { DestinationStore } from './destinations/destination-store';
import { createEgressAgent, type EgressGuardOptions } from './egress-guard';
import type { IngestRejection } from './ingest/ingest-server';
import { INGEST_JOURNAL_SUFFIX, readIngestJournal, removeIngestSegments } from './ingest/ingest-journal';
import { startIngestThread } from './ingest/ingest-thread';
import { yieldToIngestThread } from './ingest/yield-to-ingest';
import { PushBatcher } from './push-batcher';
import type { Settings } from './settings/settings-schema';
import type { SettingsService } from './settings/settings';
import { isOwnIngestUrl } from './own-ingest-url';
import { openHistory, type History } from './outbox/history';
import { scheduleRetention, type Retention } from './outbox/retention';
import { RefusedUrlError, UrlPolicy } from './url-policy';

/** Time on top of hand-back and drain for closing the ingest, the history and the pool. */
export const CLOSE_MARGIN_MS = 1000;

/** Pushes to the window are coalesced to at most one per this many ms: never a flood. */
export const PUSH_INTERVAL_MS = 100;

/** How many records the in-memory delivery log keeps (oldest out first). */
export const LOG_CAPACITY = 5000;

export interface DaemonOptions {
  /** false with --no-daemon */
  enabled: boolean;
  /** resolved socket path, or null when none applies (then `unsupported` says why) */
  socketPath: string | null;
  /** shown when the platform has no daemon (Windows) */
  unsupported?: string;
  /** how the path was found, e.g. "PILOT_SOCKET" — shown beside it */
  source?: string;
  /** the URL the user had given the daemon, for the first-run import */
  daemonWebhookUrl?: string | null;
  healthIntervalMs?: number;
  reconnectMaxMs?: number;
  /** a listening ingest socket passed by systemd (socket activation), see headless/socket-activation.ts */
  ingestFd?: number;
}

export interface ControllerOptions {
  settings: SettingsService;
  /** values for this run only (CLI flags), not saved */
  runOverrides?: Partial<
    Pick<Settings, 'url' | 'secret' | 'timeoutMs' | 'retryBackoffMs' | 'circuitCooldownMs' | 'queueSize' | 'concurrency' | 'retrySchedule' | 'maxEventAge'>
  >;
  daemon: DaemonOptions;
  demo?: boolean;
  /** ports the app serves on loopback besides the ingest (the headless UI): never delivered to */
  ownPorts?: () => readonly number[];
  /**
   * Builds the connection pool deliveries go through, around the guard's options: the host's
   * proxy support (core/egress-proxy.ts). Default: the guarded agent, no proxy.
   */
  egress?: (guard: EgressGuardOptions) => UndiciDispatcher;
  pushIntervalMs?: number;
  /**
   * The data folder: the durable outbox and history live there (history.sqlite3). Absent, or
   * `outbox: false`, the log is in memory only (as before the outbox existed; tests, benchmarks).
   */
  dataDir?: string;
  /** false: no history database even with a data folder (--no-outbox) */
  outbox?: boolean;
  /** how often retention runs (it also runs at start); tests shorten it */
  retentionIntervalMs?: number;
  /**
   * Notice sleep by jumps of the wall clock (the headless host). The Electron shell reports
   * sleep and offline itself, through setSuspended.
   */
  watchClock?: boolean;
  /**
   * Warm the delivery path up this long after start (core/delivery/delivery-warm-up.ts): the
   * headless host and the shell do; absent, no warm-up (tests, which start many controllers).
   */
  warmUpAfterMs?: number;
  /** the host's log file (headless: main.log in the data folder), for the openLogFile call */
  logFile?: string;
  /**
   * Where the destinations' signing secrets and header values are kept: the Electron shell's
   * safeStorage store. Default: in the settings file (the headless host's, owner-only).
   */
  destinationSecrets?: DestinationSecrets;
}

export interface Controller {
  handlers: BridgeHandlers;
  subscribe: PushSubscribe;
  getState(): AppState;
  /** the signing secret, for the shell's clipboard copy only: never sent to the window */
  getSecret(): string | null;
  /** accepts one event as if the daemon had posted it (demo mode, tests) */
  accept(ev: AcceptedEvent, source: DeliveryRecord['source']): DeliveryRecord;
  readonly ingestUrl: string;
  /** the whole history, oldest first, a page at a time (for the JSON Lines export) */
  historyPages(): Generator<DeliveryRecord[]>;
  /** records stored per outcome (from the database when durable): the invariant recomputed */
  storedOutcomes(): Partial<Record<Outcome, number>>;
  /** runs retention now; returns how many records it removed */
  applyRetention(): number;
  /**
   * The longest close() takes: the daemon hand-back's bound plus the dispatcher's drain plus a
   * margin. The shell's quit waits this long before it exits anyway.
   */
  readonly closeBudgetMs: number;
  /** the URL policy of this run (strict mode and own ports) */
  readonly urlPolicy: UrlPolicy;
  /** the machine sleeps or is offline (true) or is back: delivery attempts wait meanwhile */
  setSuspended(suspended: boolean): void;
  /** how the start-up warm-up ended, for the host's log (null: none was asked for) */
  readonly warmUp: Promise<WarmUpOutcome | null>;
  /** drains the dispatcher (bounded) and hands the daemon its URL back */
  close(): Promise<void>;
}

/**
 * Builds and starts the app core. Rejects with RefusedUrlError when the run's URL (--url) is one
 * the URL policy refuses (after closing what it had started), so a URL is never taken for a run
 * only to be blocked on every event.
 */
/** The dispatcher's retry plan from the settings (already checked field by field). */
function retryOptions(s: Settings, durable: boolean, warnings: string[]): Pick<DispatcherOptions, 'durable' | 'retrySchedule' | 'maxEventAgeMs'> {
  if (!durable) return { durable: false };
  const schedule = parseRetrySchedule(s.retrySchedule);
  const age = parseMaxEventAge(s.maxEventAge);
  let maxEventAgeMs = age.ok ? age.value : DEFAULT_MAX_EVENT_AGE_MS;
  const problem = checkRetryPlan({ ...s, maxEventAgeMs });
  if (problem) {
    // Each value is valid alone (the settings file's or a flag's); together they are not.
    maxEventAgeMs = firstAttemptsSpanMs(s);
    warnings.push(`Setting "maxEventAge": ${problem}; using ${formatDuration(maxEventAgeMs)} for now.`);
  }
  return { durable: true, retrySchedule: schedule.ok ? schedule.value : [], maxEventAgeMs };
}

/** How often the outbox's trouble is passed on to the ingest thread (it refuses events meanwhile). */
const REFUSE_CHECK_MS = 1000;

/**
 * Gives the events the ingest journal holds above the outbox's mark their records: they were
 * acknowledged in the last run, which ended before it recorded them. Counted as resumed. Once
 * their records are durable, the journal's old segments go; if they cannot be made durable now,
 * the segments stay and the next start tries again.
 */
function recoverUnrecorded(history: History, journalBase: string, unrecorded: ReturnType<typeof readIngestJournal>, set: DestinationSet, warnings: string[]): void {
  for (const { at, ev } of unrecorded.events) set.submit(ev, 'daemon', { receivedAt: at, resumed: true });
  const last = unrecorded.events.at(-1);
  try {
    if (last) {
      history.log.noteIngested(last.seq);
      history.log.commitNow();
    }
    removeIngestSegments(journalBase, unrecorded.lastSegment);
  } catch (err) {
    warnings.push(`The events recovered from the ingest journal could not be stored yet (${(err as Error).message}); they are kept for the next start.`);
  }
}

export async function createController(opts: ControllerOptions): Promise<Controller> {
  const { settings } = opts;
  const s = { ...settings.get(), ...opts.runOverrides };
  const warnings = [...settings.warnings];
  const policy = new UrlPolicy({ strict: settings.get().strictEgress });
  if (opts.ownPorts) policy.addOwnPorts(opts.ownPorts);
  const history: History | null =
    opts.dataDir !== undefined && opts.outbox !== false ? openHistory(opts.dataDir, warnings) : null;
  const log: RecordLog = history?.log ?? new DeliveryLog({ capacity: LOG_CAPACITY });
  const guard: EgressGuardOptions = { strict: policy.strict, ownPorts: policy.ownPorts };
  const agent: UndiciDispatcher = opts.egress?.(guard) ?? createEgressAgent(guard);

  const imported = opts.daemon.enabled
    ? importDaemonUrl(settings, policy, { daemonWebhookUrl: opts.daemon.daemonWebhookUrl ?? null, runUrlGiven: opts.runOverrides?.url !== undefined }, warnings)
    : null;
  const demo: Demo | null = opts.demo ? await startDemo(imported ?? s.url, warnings) : null;
  const url = demo?.receiverUrl ?? imported ?? s.url;

  // Created before the ingest that feeds it; its first event can only come once the daemon is told
  // the ingest's URL (the link starts last), and the ingest's port joins the policy before that.
  // Every destination's dispatcher has the same engine, pool, outbox and retry plan.
  const retry = retryOptions(s, history !== null, warnings);
  const store = new DestinationStore(settings.kv, opts.destinationSecrets ?? plainDestinationSecrets(settings.kv), () => settings.get());
  warnings.push(...store.warnings);
  const set = new DestinationSet({
    store,
    settings,
    log,
    run: { url, secret: s.secret, demo: demo?.receiverUrl != null && url === demo.receiverUrl },
    newDispatcher: (init) =>
      new Dispatcher(
        {
          url: init.url,
          destinationId: init.id,
          secret: init.secret,
          ...engineTuning(s),
          agent,
          checkUrl: policy.check,
          topicFilters: init.topics,
          outbox: history !== null,
          // Durable mode comes with the outbox: the schedule keeps events for hours, on disk.
          ...retry,
          ...(history && { messageIdPrefix: history.log.db.instanceId }),
        },
        log,
      ),
  });
  warnings.push(...set.warnings);
  const warmUp = opts.warmUpAfterMs !== undefined ? scheduleWarmUp(opts.warmUpAfterMs) : null;
  // The first real event ends the warm-up: from then on real events warm the path.
  const submit = (ev: AcceptedEvent, source: DeliveryRecord['source'], subOpts?: SubmitOptions): DeliveryRecord => {
    warmUp?.stop('event');
    return set.submit(ev, source, subOpts);
  };

  let rejected = 0;
  const recordRejection = (r: IngestRejection): void => {
    rejected++;
    log.add({
      id: log.nextId(),
      event: '(rejected)',
      receivedAt: Date.now(),
      outcome: 'rejected',
      url: null,
      attempts: [],
      payload: r.snippet,
      source: 'daemon',
      detail: `ingest refused the body (HTTP ${r.status}): ${r.message}`,
    });
  };
  // The ingest keeps its port and token across runs (data folder): a restarted app has the URL the
  // daemon already posts to, so the daemon's own retries of the gap reach it.
  const linkMemory = LinkMemory.inDataDir(opts.dataDir);
  const endpoint = linkMemory.ingestEndpoint();
  // Until the push batcher exists (below), nobody is listening.
  let stateChanged = (): void => {};
  // The ingest runs on a thread of its own and answers once the event is in its journal (with the
  // outbox) — never behind this thread's deliveries. What its journal holds above the outbox's
  // mark was acknowledged in the last run but never got its records: recovered below.
  let ingestProblem: string | null = null;
  const journalBase = history ? history.log.db.path + INGEST_JOURNAL_SUFFIX : null;
  const unrecorded = journalBase && history ? readIngestJournal(journalBase, history.log.ingestMark) : null;
  const ingest = await startIngestThread(
    {
      onEvent: (seq, at, ev) => {
        // The outbox tells the ingest once the records are durable (onIngestDurable, below).
        submit(ev, 'daemon', { receivedAt: at });
        if (history) history.log.noteIngested(seq);
        else ingest.done(seq);
      },
      onReject: recordRejection,
      // Said in the state's warnings while it lasts (the array is read at every getState).
      onProblem: (message) => {
        if (message === ingestProblem) return;
        const was = ingestProblem === null ? -1 : warnings.indexOf(ingestProblem);
        if (was >= 0) warnings.splice(was, 1);
        if (message !== null) warnings.push(message);
        ingestProblem = message;
        stateChanged();
      },
    },
    {
      port: endpoint.port,
      token: endpoint.token,
      ...(opts.daemon.ingestFd !== undefined && { fd: opts.daemon.ingestFd }),
      journalBase,
      firstSeq: Math.max(history?.log.ingestMark ?? 0, unrecorded?.events.at(-1)?.seq ?? 0) + 1,
    },
  );
  history?.log.onIngestDurable((mark) => ingest.done(mark));
  // Started after the ingest thread, which keeps the host's priority (see yield-to-ingest.ts).
  yieldToIngestThread();
  if (ingest.portTaken !== null) warnings.push(`The ingest port ${ingest.portTaken} of the last run is taken; the ingest moved to ${ingest.port}.`);
  linkMemory.update({ ingest: { port: ingest.port, token: ingest.token } });
  policy.addOwnPort(ingest.port);

  // A run-only URL is judged now that every own port is known; refused, nothing stays open.
  const runUrl = opts.runOverrides?.url;
  if (runUrl) {
    const check = policy.check(runUrl);
    if (!check.ok) {
      await ingest.close();
      await set.close();
      history?.log.close();
      await agent.close();
      await demo?.close();
      throw new RefusedUrlError(runUrl, check.message);
    }
  }

  // What the outbox still held when the app last stopped (crash, kill, or quit mid-queue).
  // Retention first: it never touches pending events, and what it removes need not be loaded.
  const retention: Retention | null = history
    ? scheduleRetention(history, () => settings.get(), opts.retentionIntervalMs)
    : null;
  if (history) set.resumePending(history.log.db.pendingEntries());
  if (history && journalBase && unrecorded) recoverUnrecorded(history, journalBase, unrecorded, set, warnings);
  // The outbox's trouble (disk full) is the ingest's: it refuses events until it is over.
  const refuseWatch = history ? setInterval(() => ingest.refuse(history.log.problem), REFUSE_CHECK_MS) : null;
  refuseWatch?.unref();
  ingest.accept();

  const link = opts.daemon.enabled
    ? new DaemonLink({
        socketPath: opts.daemon.socketPath,
        unsupportedReason: opts.daemon.unsupported,
        ingestUrl: ingest.url,
        // The URL in use (a run-only --url too), but never the built-in demo receiver: it dies with us.
        // Nor a primary the daemon's own body would be refused by (a Slack URL): then it is cleared.
        userUrl: () => (demo?.receiverUrl && set.primary.url === demo.receiverUrl ? null : set.daemonHandBackProblem() === null ? set.primary.url : null),
        userUrlUnusable: () => (set.primary.url === null ? null : set.daemonHandBackProblem()),
        onQuit: settings.get().onQuit,
        healthIntervalMs: opts.daemon.healthIntervalMs,
        reconnectMaxMs: opts.daemon.reconnectMaxMs,
        isOwnIngestUrl,
        memory: linkMemory,
      })
    : null;

  let historyClosed = false;
  const service = createAppService({
    settings,
    policy,
    set,
    store,
    log,
    history,
    retention,
    link,
    ingestUrl: ingest.url,
    warnings,
    demo: Boolean(opts.demo),
    ...(opts.dataDir !== undefined && { dataDir: opts.dataDir }),
    ...(opts.logFile !== undefined && { logFile: opts.logFile }),
    rejected: () => rejected,
    historyClosed: () => historyClosed,
  });

  const batcher = new PushBatcher<BridgePushes>(
    (push: PushName) => (push === 'state' ? service.getState() : undefined),
    opts.pushIntervalMs ?? PUSH_INTERVAL_MS,
  );
  stateChanged = () => batcher.stateChanged();
  const unsubs = [
    service.onChange(() => batcher.stateChanged()),
    set.onChange(() => batcher.stateChanged()),
    // A record change is a counter change too: the batcher sends the state with it.
    log.onRecord((rec) => batcher.recordChanged(rec)),
  ];
  if (link) unsubs.push(link.onChange(() => batcher.stateChanged()));

  demo?.startEvents((ev) => submit(ev, 'demo'));
  link?.start();
  const stopClockWatch = opts.watchClock ? watchClockJumps((suspended) => set.setSuspended(suspended)) : null;

  let closing: Promise<void> | null = null;
  return {
    handlers: service.handlers,
    subscribe: batcher.subscribe,
    getState: service.getState,
    getSecret: service.getSecret,
    accept: submit,
    warmUp: warmUp?.done ?? Promise.resolve(null),
    setSuspended: (suspended) => set.setSuspended(suspended),
    ingestUrl: ingest.url,
    urlPolicy: policy,
    closeBudgetMs: (link ? DaemonLink.stopBudgetMs : 0) + set.drainMs + CLOSE_MARGIN_MS,
    historyPages: () => log.pages(),
    storedOutcomes: () => {
      if (history) {
        history.log.flush();
        return history.log.db.countByOutcome();
      }
      const counts: Partial<Record<Outcome, number>> = {};
      for (const page of log.pages()) for (const r of page) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
      return counts;
    },
    applyRetention: () => {
      const removed = retention?.runNow() ?? 0;
      if (removed > 0) batcher.stateChanged();
      return removed;
    },
    // The close order: no new events (demo, daemon), then the ingest, then the drain, then what
    // the drained events were recorded in, then the connections they used.
    close: () =>
      (closing ??= (async () => {
        demo?.stopEvents();
        stopClockWatch?.();
        warmUp?.stop('close');
        await warmUp?.done;
        // Hand delivery back to the daemon first, so it stops posting to an ingest about to close.
        await link?.stop();
        await ingest.close();
        if (refuseWatch) clearInterval(refuseWatch);
        await set.close();
        retention?.stop();
        historyClosed = history !== null;
        history?.log.close();
        // Every event the ingest journaled has durable records now: the journal can go.
        if (history && journalBase && history.log.ingestMark >= ingest.lastSeq) removeIngestSegments(journalBase);
        batcher.flush();
        batcher.close();
        for (const u of unsubs) u();
        await agent.close();
        await demo?.close();
      })()),
  };
}
