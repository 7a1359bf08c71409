// The controller: implements the bridge contract over the core parts (settings, dispatcher,
// delivery log, ingest, daemon link, demo) and batches pushes to the window. The headless host
// and the Electron shell both drive the app through this one object.

import type { Agent } from 'undici';
import type { AppState, BridgeHandlers, BridgePushes, PushName, PushSubscribe, Result } from '../../shared/bridge';
import type { DeliveryRecord, Stats } from '../../shared/delivery';
import type { AcceptedEvent } from '../../shared/events';
import { checkWebhookUrl, type UrlCheck } from '../../shared/url-rules';
import { DaemonLink } from './daemon/daemon-link';
import { startDemoReceiver, type DemoReceiver } from './demo/demo-receiver';
import { startDemoSource } from './demo/demo-events';
import { DeliveryLog } from './delivery/delivery-log';
import { Dispatcher } from './delivery/dispatcher';
import { generateSecret, secretHint } from './delivery/signing';
import { createEgressAgent } from './egress-guard';
import { startIngestServer } from './ingest/ingest-server';
import { PushBatcher } from './push-batcher';
import type { Settings } from './settings/settings-schema';
import type { SettingsService } from './settings/settings';
import { isOwnIngestUrl } from './own-ingest-url';

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
  /** drains the dispatcher (bounded) and hands the daemon its URL back */
  close(): Promise<void>;
}

function fail<T>(code: string, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

export async function createController(opts: ControllerOptions): Promise<Controller> {
  const { settings } = opts;
  const s = { ...settings.get(), ...opts.runOverrides };
  const warnings = [...settings.warnings];
  const log = new DeliveryLog({ capacity: LOG_CAPACITY });
  let rejected = 0;
  let secret = s.secret;

  // The dispatcher is created after the ingest (it needs the ingest's port to refuse it), but the
  // ingest cannot receive anything before the daemon is told its URL, which happens later still.
  const late: { dispatcher?: Dispatcher } = {};
  const ingest = await startIngestServer({
    onEvent: (ev) => {
      late.dispatcher!.submit(ev, 'daemon');
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
  });

  const ownPorts = (): number[] => [ingest.port, ...(opts.ownPorts?.() ?? [])];
  const rules = (url: string): UrlCheck => checkWebhookUrl(url, { strict: settings.get().strictEgress, ownPorts: ownPorts() });
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
        warnings.push(`The daemon's webhook URL ${had} was not imported: ${check.message}`);
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
    },
    log,
  ));

  const link = opts.daemon.enabled
    ? new DaemonLink({
        socketPath: opts.daemon.socketPath,
        unsupportedReason: opts.daemon.unsupported,
        ingestUrl: ingest.url,
        userUrl: () => settings.get().url,
        onQuit: settings.get().onQuit,
        healthIntervalMs: opts.daemon.healthIntervalMs,
        reconnectMaxMs: opts.daemon.reconnectMaxMs,
        isOwnIngestUrl,
      })
    : null;

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
        : { connected: false, socket: null, nodeId: null, address: null, health: null, error: null, enabled: false },
      ingest: { url: ingest.url },
      secret: { set: secret !== null, hint: secret === null ? null : secretHint(secret) },
      warnings,
      demo: Boolean(opts.demo),
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
    getLog: async (q) => ({ records: log.query(q) }),
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
    setSecret: async ({ secret: value }) => {
      const trimmed = value.trim();
      if (trimmed.length === 0) return fail('empty', 'The secret is empty: type one, or use Generate.');
      secret = trimmed;
      settings.update({ secret });
      d.setSecret(secret);
      batcher.stateChanged();
      return { ok: true, value: { hint: secretHint(secret) } };
    },
    generateSecret: async () => {
      secret = generateSecret();
      settings.update({ secret });
      d.setSecret(secret);
      batcher.stateChanged();
      return { ok: true, value: { hint: secretHint(secret) } };
    },
    clearSecret: async () => {
      secret = null;
      settings.update({ secret: null });
      d.setSecret(null);
      batcher.stateChanged();
      return { ok: true, value: { set: false } };
    },
    // The headless host has no clipboard of the user's; the Electron shell overrides this.
    copySecret: async () =>
      fail('unsupported', 'The headless host cannot reach your clipboard; the secret is in the settings file of the data folder.'),
  };

  let closing: Promise<void> | null = null;
  return {
    handlers,
    subscribe: batcher.subscribe,
    getState,
    getSecret: () => secret,
    accept: (ev, source) => d.submit(ev, source),
    ingestUrl: ingest.url,
    close: () =>
      (closing ??= (async () => {
        demo?.stop();
        // Hand delivery back to the daemon first, so it stops posting to an ingest about to close.
        await link?.stop();
        await ingest.close();
        await d.close();
        batcher.flush();
        batcher.close();
        for (const u of unsubs) u();
        await agent.close();
        await demoReceiver?.close();
      })()),
  };
}
