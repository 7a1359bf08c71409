// The controller: implements the bridge contract over the core parts (settings, dispatcher,
// delivery log, ingest, daemon link, demo) and batches pushes to the window. The headless host
// and the Electron shell both drive the app through this one object.

import { join } from 'node:path';
import type { Agent } from 'undici';
import { fail } from '../../shared/api-errors';
import type { AppState, BridgeHandlers, BridgePushes, PushName, PushSubscribe } from '../../shared/bridge';
import { outcomesFor, type DeliveryRecord, type Outcome, type Stats } from '../../shared/delivery';
import type { AcceptedEvent } from '../../shared/events';
import { parseRfc3339 } from '../../shared/rfc3339';
import { checkTopicFiltersToSave, normaliseTopicFilters } from '../../shared/topic-patterns';
import { maskUrlCredentials } from '../../shared/url-mask';
import { checkWebhookUrl, type UrlCheck } from '../../shared/url-rules';
import { DaemonLink, daemonOffView } from './daemon/daemon-link';
import { LinkMemory } from './daemon/link-memory';
import { ensureOwnerOnlyFolder } from './data-folder';
import { startDemoReceiver, type DemoReceiver } from './demo/demo-receiver';
import { startDemoSource } from './demo/demo-events';
import { DeliveryLog, type RecordLog } from './delivery/delivery-log';
import { Dispatcher } from './delivery/dispatcher';
import { generateSecret, secretHint } from './delivery/signing';
import { createEgressAgent } from './egress-guard';
import { startIngestServer } from './ingest/ingest-server';
import { PushBatcher } from './push-batcher';
import type { Settings } from './settings/settings-schema';
import type { SettingsService } from './settings/settings';
import { isOwnIngestUrl } from './own-ingest-url';
import { openHistory, RETENTION_INTERVAL_MS, type History } from './outbox/history';
import { exportFileName } from './outbox/history-export';
import { EXPORTS_DIR, exportHistoryTo } from './outbox/history-file';

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
  runOverrides?: Partial<Pick<Settings, 'url' | 'secret' | 'timeoutMs' | 'retryBackoffMs' | 'circuitCooldownMs' | 'queueSize' | 'concurrency'>>;
  daemon: DaemonOptions;
  demo?: boolean;
  /** ports the app serves on loopback besides the ingest (the headless UI): never delivered to */
  ownPorts?: () => readonly number[];
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
  /** drains the dispatcher (bounded) and hands the daemon its URL back */
  close(): Promise<void>;
}

export async function createController(opts: ControllerOptions): Promise<Controller> {
  const { settings } = opts;
  const s = { ...settings.get(), ...opts.runOverrides };
  const warnings = [...settings.warnings];
  const history: History | null =
    opts.dataDir !== undefined && opts.outbox !== false ? openHistory(opts.dataDir, warnings) : null;
  const log: RecordLog = history?.log ?? new DeliveryLog({ capacity: LOG_CAPACITY });
  let retentionRemoved = 0;
  let rejected = 0;
  let secret = s.secret;

  // The dispatcher is created after the ingest (it needs the ingest's port to refuse it), but the
  // ingest cannot receive anything before the daemon is told its URL, which happens later still.
  const late: { dispatcher?: Dispatcher } = {};
  // The ingest keeps its port and token across runs (data folder): a restarted app has the URL the
  // daemon already posts to, so the daemon's own retries of the gap reach it.
  const linkMemory = LinkMemory.inDataDir(opts.dataDir);
  const endpoint = linkMemory.ingestEndpoint();
  const ingest = await startIngestServer({
    // With the outbox, the answer waits for the event to be durable (one journal write, now):
    // an acknowledged event is on disk. Throws (-> 500, the daemon retries) when it could not be.
    onEvent: (ev) => {
      late.dispatcher!.submit(ev, 'daemon');
      history?.log.commitNow();
    },
    onReject: (r) => {
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
      batcher.stateChanged();
    },
  }, { port: endpoint.port, token: endpoint.token, ...(opts.daemon.ingestFd !== undefined && { fd: opts.daemon.ingestFd }) });
  if (ingest.portTaken !== null) warnings.push(`The ingest port ${ingest.portTaken} of the last run is taken; the ingest moved to ${ingest.port}.`);
  linkMemory.update({ ingest: { port: ingest.port, token: ingest.token } });

  const ownPorts = (): number[] => [ingest.port, ...(opts.ownPorts?.() ?? [])];
  // The sender checks the rules before every event; almost always for the same URL, so the last
  // verdict is kept (keyed by everything it depends on): parsing the URL was ~4 % of CPU per event.
  let lastRule: { key: string; check: UrlCheck } | null = null;
  const rules = (url: string): UrlCheck => {
    const strict = settings.get().strictEgress;
    const ports = ownPorts();
    const key = `${strict}|${ports.join(',')}|${url}`;
    if (lastRule?.key !== key) lastRule = { key, check: checkWebhookUrl(url, { strict, ownPorts: ports }) };
    return lastRule.check;
  };
  const agent: Agent = createEgressAgent({ strict: settings.get().strictEgress, ownPorts });

  // First run with a daemon: take over the URL the user had already given it.
  let url = s.url;
  if (opts.daemon.enabled && !settings.get().daemonUrlImported && settings.get().url === null) {
    const had = opts.daemon.daemonWebhookUrl ?? null;
    if (had && !isOwnIngestUrl(had)) {
      const check = rules(had);
      if (check.ok) {
        settings.update({ url: check.url });
        if (opts.runOverrides?.url === undefined) url = check.url;
        warnings.push(`Imported the webhook URL the daemon was using: ${check.url}`);
      } else {
        warnings.push(`The daemon's webhook URL ${maskUrlCredentials(had)} was not imported: ${check.message}`);
      }
    }
    settings.update({ daemonUrlImported: true });
  }

  let demoReceiver: DemoReceiver | null = null;
  if (opts.demo && url === null) {
    demoReceiver = await startDemoReceiver();
    url = demoReceiver.url;
    warnings.push(`Demo mode: delivering to the built-in receiver at ${url} (not saved).`);
  }

  const d = (late.dispatcher = new Dispatcher(
    {
      url,
      secret,
      timeoutMs: s.timeoutMs,
      retryBackoffMs: s.retryBackoffMs,
      circuitCooldownMs: s.circuitCooldownMs,
      queueSize: s.queueSize,
      maxAttempts: s.maxAttempts,
      circuitThreshold: s.circuitThreshold,
      jitter: s.jitter,
      concurrency: s.concurrency,
      agent,
      checkUrl: rules,
      topicFilters: s.topicFilters,
      outbox: history !== null,
      ...(history && { messageIdPrefix: history.log.db.instanceId }),
    },
    log,
  ));

  // What the outbox still held when the app last stopped (crash, kill, or quit mid-queue).
  // Retention first: it never touches pending events, and what it removes need not be loaded.
  if (history) {
    retentionRemoved += history.prune(settings.get());
    d.resumePending(history.log.db.pendingIds());
  }
  const retentionTimer = history
    ? setInterval(() => {
        retentionRemoved += history.prune(settings.get());
      }, opts.retentionIntervalMs ?? RETENTION_INTERVAL_MS)
    : null;
  // Retention is housekeeping: it must not keep a headless process alive.
  retentionTimer?.unref();

  const link = opts.daemon.enabled
    ? new DaemonLink({
        socketPath: opts.daemon.socketPath,
        unsupportedReason: opts.daemon.unsupported,
        ingestUrl: ingest.url,
        // The URL in use (a run-only --url too), but never the built-in demo receiver: it dies with us.
        userUrl: () => (demoReceiver && d.url === demoReceiver.url ? null : d.url),
        onQuit: settings.get().onQuit,
        healthIntervalMs: opts.daemon.healthIntervalMs,
        reconnectMaxMs: opts.daemon.reconnectMaxMs,
        isOwnIngestUrl,
        memory: linkMemory,
      })
    : null;

  const startedAt = Date.now();
  function getState(): AppState {
    const stats: Stats = { ...d.stats(), rejected };
    return {
      url: d.url,
      paused: d.paused,
      breaker: d.breaker(),
      stats,
      client: d.client(),
      daemon: link
        ? link.view()
        : daemonOffView(),
      ingest: { url: ingest.url },
      secret: { set: secret !== null, hint: secret === null ? null : secretHint(secret) },
      // Masked again as they leave: a warning added anywhere may quote a URL with a password.
      warnings: (history?.log.problem ? [...warnings, history.log.problem] : warnings).map(maskUrlCredentials),
      demo: Boolean(opts.demo),
      topicFilters: [...d.topics],
      history: {
        durable: history !== null,
        path: history?.log.db.path ?? null,
        days: settings.get().historyDays,
        maxMB: settings.get().historyMaxMB,
        retentionRemoved,
        records: log.size(),
      },
      startedAt,
    };
  }

  const batcher = new PushBatcher<BridgePushes>(
    (push: PushName) => (push === 'state' ? getState() : undefined),
    opts.pushIntervalMs ?? PUSH_INTERVAL_MS,
  );
  const unsubs = [d.onChange(() => batcher.stateChanged()), log.onRecord((rec) => batcher.recordChanged(rec))];
  if (link) unsubs.push(link.onChange(() => batcher.stateChanged()));

  const demo = opts.demo ? startDemoSource((ev) => d.submit(ev, 'demo')) : null;
  link?.start();

  let historyClosed = false;
  const handlers: BridgeHandlers = {
    getState: async () => getState(),
    setUrl: async ({ url: input }) => {
      const check = rules(input);
      if (!check.ok) return fail(check.code, check.message);
      settings.update({ url: check.url });
      await d.setUrl(check.url);
      batcher.stateChanged();
      return { ok: true, value: { url: check.url } };
    },
    clearUrl: async () => {
      settings.update({ url: null });
      await d.setUrl(null);
      batcher.stateChanged();
      return { ok: true, value: { url: null } };
    },
    sendTest: async ({ url: input }) => {
      const target = input ?? d.url;
      if (!target) return { ok: false, durationMs: 0, error: 'No URL to test: enter one or save one first.' };
      const check = rules(target);
      if (!check.ok) return { ok: false, durationMs: 0, error: check.message };
      return d.sendTest(check.url);
    },
    // After close the history database is shut: a late call (a window refreshing while the app
    // quits) gets an empty page instead of an error.
    getLog: async (q) => ({ records: historyClosed ? [] : log.query(q) }),
    pause: async () => {
      d.pause();
      batcher.stateChanged();
      return { ok: true, value: { paused: true } };
    },
    resume: async () => {
      d.resume();
      batcher.stateChanged();
      return { ok: true, value: { paused: false } };
    },
    resend: async ({ ids }) => {
      if (!d.url) return fail('no_url', 'Set a webhook URL before sending events again.');
      return { ok: true, value: { queued: d.resend(ids) } };
    },
    redeliver: async (arg) => {
      if (!d.url) return fail('no_url', 'Set a webhook URL before sending events again.');
      let ids: number[];
      if ('ids' in arg) {
        ids = [...arg.ids].sort((a, b) => a - b);
      } else {
        // The call's schema has read it with the same parser already; this only narrows the type.
        const since = parseRfc3339(arg.since);
        if (since === null) return fail('invalid_argument', `"since" is not an RFC 3339 date-time: ${arg.since}`);
        ids = log.redeliverable(since, outcomesFor(arg.outcome));
      }
      const queued = d.resend(ids);
      batcher.stateChanged();
      return { ok: true, value: { queued } };
    },
    setTopicFilters: async ({ filters }) => {
      const clean = normaliseTopicFilters(filters);
      const problem = checkTopicFiltersToSave(clean);
      if (problem) return fail('bad_topic_filter', problem);
      settings.update({ topicFilters: clean });
      d.setTopicFilters(clean);
      batcher.stateChanged();
      return { ok: true, value: { filters: clean } };
    },
    setSecret: async ({ secret: value }) => {
      const trimmed = value.trim();
      if (trimmed.length === 0) return fail('empty', 'The secret is empty: type one, or use Generate.');
      // Stored first: if that fails nothing changes, so the window never shows a secret unused.
      settings.update({ secret: trimmed });
      secret = trimmed;
      d.setSecret(secret);
      batcher.stateChanged();
      return { ok: true, value: { hint: secretHint(secret) } };
    },
    generateSecret: async () => {
      const fresh = generateSecret();
      settings.update({ secret: fresh });
      secret = fresh;
      d.setSecret(secret);
      batcher.stateChanged();
      return { ok: true, value: { hint: secretHint(secret) } };
    },
    clearSecret: async () => {
      settings.update({ secret: null });
      secret = null;
      d.setSecret(null);
      batcher.stateChanged();
      return { ok: true, value: { set: false } };
    },
    // The headless host has no clipboard of the user's; the Electron shell overrides this.
    copySecret: async () =>
      fail('unsupported', 'The headless host cannot reach your clipboard; the secret is in the settings file of the data folder.'),
    // The headless host cannot ask where to save (the Electron shell overrides this with a save
    // dialog): the file goes into the data folder, where the history itself lives.
    takeBackDaemon: async () => {
      if (!link) return fail('daemon_unavailable', 'The daemon link is off for this run.');
      const r = await link.takeBack();
      batcher.stateChanged();
      return r.ok ? { ok: true, value: { message: r.message } } : fail('daemon_unavailable', r.message);
    },
    chooseDaemonRestore: async ({ mode }) => {
      if (!link) return fail('daemon_unavailable', 'The daemon link is off for this run.');
      link.chooseRestore(mode);
      batcher.stateChanged();
      return { ok: true, value: { mode } };
    },
    exportHistory: async () => {
      if (opts.dataDir === undefined) {
        return fail('unsupported', 'There is no data folder to export into: download the history with GET /api/export instead.');
      }
      const dir = join(opts.dataDir, EXPORTS_DIR);
      try {
        ensureOwnerOnlyFolder(dir);
      } catch (err) {
        return fail('export_failed', `The exports folder ${dir} could not be created: ${err instanceof Error ? err.message : String(err)}`);
      }
      return exportHistoryTo(join(dir, exportFileName(Date.now())), () => log.pages());
    },
  };

  let closing: Promise<void> | null = null;
  return {
    handlers,
    subscribe: batcher.subscribe,
    getState,
    getSecret: () => secret,
    accept: (ev, source) => d.submit(ev, source),
    ingestUrl: ingest.url,
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
      const removed = history?.prune(settings.get()) ?? 0;
      retentionRemoved += removed;
      if (removed > 0) batcher.stateChanged();
      return removed;
    },
    close: () =>
      (closing ??= (async () => {
        demo?.stop();
        // Hand delivery back to the daemon first, so it stops posting to an ingest about to close.
        await link?.stop();
        await ingest.close();
        await d.close();
        if (retentionTimer) clearInterval(retentionTimer);
        historyClosed = history !== null;
        history?.log.close();
        batcher.flush();
        batcher.close();
        for (const u of unsubs) u();
        await agent.close();
        await demoReceiver?.close();
      })()),
  };
}
