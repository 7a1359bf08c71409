// The application service: the bridge calls (what the window and the API can ask) and the state
// they see, over parts the composition root (controller.ts) built and owns. Nothing here starts or
// stops anything: a call changes settings and the dispatcher, and says the state changed.

import { join } from 'node:path';
import { fail } from '../../../shared/api-errors';
import type { AppState, BridgeHandlers, Result } from '../../../shared/bridge';
import { outcomesFor, type Stats } from '../../../shared/delivery';
import { parseRfc3339 } from '../../../shared/rfc3339';
import { checkTopicFiltersToSave, normaliseTopicFilters } from '../../../shared/topic-patterns';
import { maskUrlCredentials } from '../../../shared/url-mask';
import { ensureOwnerOnlyFolder } from '../data-folder';
import { daemonOffView, type DaemonLink } from '../daemon/daemon-link';
import type { RecordLog } from '../delivery/delivery-log';
import { formatDuration } from '../delivery/retry-schedule';
import { generateSecret, secretHint } from '../delivery/signing';
import type { History } from '../outbox/history';
import { exportFileName } from '../outbox/history-export';
import { EXPORTS_DIR, exportHistoryTo } from '../outbox/history-file';
import type { Retention } from '../outbox/retention';
import type { SettingsService } from '../settings/settings';
import type { UrlPolicy } from '../url-policy';
import { previewBody } from '../destinations/destination-preview';
import { destinationHandlers } from '../destinations/destination-calls';
import type { DestinationSet } from '../destinations/destination-set';
import type { DestinationStore } from '../destinations/destination-store';
import { guessFormat } from '../../../shared/formats/format-names';

/** What the service works over: built, started and closed by the composition root. */
export interface ServiceParts {
  settings: SettingsService;
  policy: UrlPolicy;
  /** every destination's dispatcher; the primary is what the single-URL calls act on */
  set: DestinationSet;
  store: DestinationStore;
  log: RecordLog;
  history: History | null;
  retention: Retention | null;
  link: DaemonLink | null;
  ingestUrl: string;
  /** start-up notes shown in the window (imports, demo, settings problems) */
  warnings: readonly string[];
  demo: boolean;
  dataDir?: string;
  /** the host's log file (headless: main.log in the data folder), for openLogFile */
  logFile?: string;
  /** bodies the ingest refused so far */
  rejected(): number;
  /** true once the history database is closed: the log then answers an empty page */
  historyClosed(): boolean;
}

export interface AppService {
  handlers: BridgeHandlers;
  getState(): AppState;
  /** the signing secret, for the shell's clipboard copy only: never sent to the window */
  getSecret(): string | null;
  /** something the state shows changed by a call (not batched: the caller batches) */
  onChange(listener: () => void): () => void;
}

/**
 * The headless host cannot open a viewer on the user's screen: it says where its log is (the
 * Electron shell overrides openLogFile with shell.openPath). Shared with the fleet controller.
 */
export function logFileAnswer(logFile: string | undefined): Result<{ path: string; opened: boolean }> {
  return logFile === undefined ? fail('unsupported', 'This host keeps no log file.') : { ok: true, value: { path: logFile, opened: false } };
}

export function createAppService(p: ServiceParts): AppService {
  const { settings, set, log, history } = p;
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of listeners) listener();
  };

  const startedAt = Date.now();
  function getState(): AppState {
    const d = set.primary;
    const secret = d.signingSecret;
    const stats: Stats = { ...set.stats(), rejected: p.rejected() };
    return {
      url: d.url,
      paused: d.paused,
      breaker: d.breaker(),
      stats,
      eventsReceived: set.received,
      client: d.client(),
      daemon: p.link ? p.link.view() : daemonOffView(),
      ingest: { url: p.ingestUrl },
      secret: { set: secret !== null, hint: secret === null ? null : secretHint(secret) },
      // Masked again as they leave: a warning added anywhere may quote a URL with a password.
      warnings: [...p.warnings, history?.log.problem, p.retention?.problem].filter((w): w is string => Boolean(w)).map(maskUrlCredentials),
      demo: p.demo,
      topicFilters: [...d.topics],
      history: {
        durable: history !== null,
        path: history?.log.db.path ?? null,
        days: settings.get().historyDays,
        maxMB: settings.get().historyMaxMB,
        retentionRemoved: p.retention?.removed ?? 0,
        records: log.size(),
      },
      startedAt,
      retry: {
        mode: d.retryPlan.durable ? 'durable' : 'reference',
        schedule: d.retryPlan.durable ? (d.retryPlan.scheduleMs.length === 0 ? 'none' : d.retryPlan.scheduleMs.map(formatDuration).join(',')) : 'none',
        maxEventAge: formatDuration(d.retryPlan.maxEventAgeMs),
        suspended: d.suspended,
      },
      concurrency: d.defaultConcurrency,
      destinations: set.summaries(),
    };
  }

  /** Saved first: if that fails nothing changes, so the window never shows a secret unused. */
  function useSecret(value: string | null): void {
    set.setPrimarySecret(value);
    changed();
  }

  const noUrl = (): Result<never> => fail('no_url', 'Set a webhook URL before sending events again.');

  const handlers: BridgeHandlers = {
    getState: async () => getState(),
    setUrl: async ({ url: input }) => {
      const check = p.policy.check(input);
      if (!check.ok) return fail(check.code, check.message);
      // The format the host calls for (hooks.slack.com → slack), chosen again with each URL.
      const guess = guessFormat(check.url);
      await set.setPrimaryUrl(check.url, guess);
      changed();
      return { ok: true, value: { url: check.url, format: guess.format, formatReason: guess.reason } };
    },
    clearUrl: async () => {
      await set.setPrimaryUrl(null, null);
      changed();
      return { ok: true, value: { url: null } };
    },
    sendTest: async ({ url: input }) => {
      const target = input ?? set.primary.url;
      if (!target) return { ok: false, durationMs: 0, error: 'No URL to test: enter one or save one first.' };
      const check = p.policy.check(target);
      if (!check.ok) return { ok: false, durationMs: 0, error: check.message };
      return set.primary.sendTest(check.url);
    },
    // After close the history database is shut: a late call (a window refreshing while the app
    // quits) gets an empty page instead of an error.
    getLog: async (q) => ({ records: p.historyClosed() ? [] : log.query(q) }),
    pause: async () => {
      set.pause();
      changed();
      return { ok: true, value: { paused: true } };
    },
    resume: async () => {
      set.resume();
      changed();
      return { ok: true, value: { paused: false } };
    },
    resend: async ({ ids }) => {
      if (!set.delivers) return noUrl();
      return { ok: true, value: { queued: set.resend(ids) } };
    },
    redeliver: async (arg) => {
      if (!set.delivers) return noUrl();
      let ids: number[];
      if ('ids' in arg) {
        ids = [...arg.ids].sort((a, b) => a - b);
      } else {
        // The call's schema has read it with the same parser already; this only narrows the type.
        const since = parseRfc3339(arg.since);
        if (since === null) return fail('invalid_argument', `"since" is not an RFC 3339 date-time: ${arg.since}`);
        ids = log.redeliverable(since, outcomesFor(arg.outcome));
      }
      const queued = set.resend(ids);
      changed();
      return { ok: true, value: { queued } };
    },
    setTopicFilters: async ({ filters }) => {
      const clean = normaliseTopicFilters(filters);
      const problem = checkTopicFiltersToSave(clean);
      if (problem) return fail('bad_topic_filter', problem);
      set.setPrimaryTopics(clean);
      changed();
      return { ok: true, value: { filters: clean } };
    },
    setSecret: async ({ secret: value }) => {
      const trimmed = value.trim();
      if (trimmed.length === 0) return fail('empty', 'The secret is empty: type one, or use Generate.');
      useSecret(trimmed);
      return { ok: true, value: { hint: secretHint(trimmed) } };
    },
    generateSecret: async () => {
      const fresh = generateSecret();
      useSecret(fresh);
      return { ok: true, value: { hint: secretHint(fresh) } };
    },
    clearSecret: async () => {
      useSecret(null);
      return { ok: true, value: { set: false } };
    },
    // The page on the headless host writes to the clipboard itself (navigator.clipboard); the
    // Electron shell overrides this.
    copyText: async () => fail('unsupported', 'The headless host has no clipboard of yours; the page copies the text itself.'),
    // The headless host has no clipboard of the user's; the Electron shell overrides this.
    copySecret: async () =>
      fail('unsupported', 'The headless host cannot reach your clipboard; the secret is in the settings file of the data folder.'),
    // Pure rendering: what a destination of that format would send, nothing sent.
    previewDestination: (arg) => previewBody(arg),
    ...destinationHandlers({ set, store: p.store, checkUrl: p.policy.check, changed }),
    // The user's answers to what the daemon link found (docs: the README's daemon section).
    takeBackDaemon: async () => {
      if (!p.link) return fail('daemon_unavailable', 'The daemon link is off for this run.');
      const r = await p.link.takeBack();
      changed();
      return r.ok ? { ok: true, value: { message: r.message } } : fail('daemon_unavailable', r.message);
    },
    chooseDaemonRestore: async ({ mode }) => {
      if (!p.link) return fail('daemon_unavailable', 'The daemon link is off for this run.');
      p.link.chooseRestore(mode);
      changed();
      return { ok: true, value: { mode } };
    },
    // The headless host cannot ask where to save (the Electron shell overrides this with a save
    // dialog): the file goes into the data folder, where the history itself lives.
    exportHistory: async () => {
      if (p.dataDir === undefined) {
        return fail('unsupported', 'There is no data folder to export into: download the history with GET /api/export instead.');
      }
      const dir = join(p.dataDir, EXPORTS_DIR);
      try {
        ensureOwnerOnlyFolder(dir);
      } catch (err) {
        return fail('export_failed', `The exports folder ${dir} could not be created: ${err instanceof Error ? err.message : String(err)}`);
      }
      return exportHistoryTo(join(dir, exportFileName(Date.now())), () => log.pages());
    },
    openLogFile: async () => logFileAnswer(p.logFile),
  };

  return {
    handlers,
    getState,
    getSecret: () => set.primary.signingSecret,
    onChange: (listener) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
