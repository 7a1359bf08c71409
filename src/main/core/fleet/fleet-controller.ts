// Fleet mode's controller (--nats): the same bridge contract as the embedded controller, over the
// fleet's NATS JetStream cluster instead of the local SQLite outbox (the README's
// "Fleet" section). By role:
//   ingest  the daemon link and the ingest; each accepted event published (fleet-ingest.ts)
//   deliver one engine per destination in the fleet's KV bucket (fleet-deliverer.ts)
//   all     both
// Every role serves the window: the fleet-wide log (fleet-log.ts) and the fleet's destinations,
// which any window may change. The primary destination (id `primary`) is what the URL field,
// the secret and the topic filters act on.

import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import type { AppState, BridgeHandlers, BridgePushes, ErrorCode, PushName, Result } from '../../../shared/bridge';
import { CLOSED_BREAKER, outcomesFor, RESENDABLE, type Stats } from '../../../shared/delivery';
import type { FleetView } from '../../../shared/fleet';
import { guessFormat } from '../../../shared/formats/format-names';
import { checkTopicFiltersToSave, normaliseTopicFilters } from '../../../shared/topic-patterns';
import type { Controller, ControllerOptions } from '../controller';
import { CLOSE_MARGIN_MS, LOG_CAPACITY, PUSH_INTERVAL_MS } from '../controller';
import { DaemonLink, daemonOffView } from '../daemon/daemon-link';
import { previewBody } from '../destinations/destination-preview';
import { LinkMemory } from '../daemon/link-memory';
import { DeliveryLog } from '../delivery/delivery-log';
import { Dispatcher } from '../delivery/dispatcher';
import { eventOf } from '../delivery/stored-event';
import { generateSecret, secretHint } from '../delivery/signing';
import { createEgressAgent } from '../egress-guard';
import { startIngestServer, type IngestServer } from '../ingest/ingest-server';
import { isOwnIngestUrl } from '../own-ingest-url';
import { exportFileName } from '../outbox/history-export';
import { EXPORTS_DIR, exportHistoryTo } from '../outbox/history-file';
import { logFileAnswer } from '../app/app-service';
import { PushBatcher } from '../push-batcher';
import { DRAIN_MS } from '../delivery/dispatcher';
import { UrlPolicy } from '../url-policy';
import { FleetConfig, openConfigBucket, type FleetDestination } from './fleet-config';
import { FleetDelivery } from './fleet-delivery';
import { fleetDestinationHandlers, PRIMARY_ID } from './fleet-destination-calls';
import { engineOf, engineView, FleetEngineConfig, FleetEngineError, FLEET_ENGINE_FIELDS, type FleetEngine } from './fleet-engine';
import { FleetIngest } from './fleet-ingest';
import { FleetCipher, FleetKeyError } from './fleet-key';
import { FleetLog } from './fleet-log';
import type { FleetRole } from './fleet-names';
import { NatsLink } from './nats-link';

export { PRIMARY_ID };

export interface FleetOptions {
  servers: string[];
  credsFile?: string;
  name: string;
  role: FleetRole;
  key: Buffer;
}

function fail<T>(code: ErrorCode, message: string): Result<T> {
  return { ok: false, error: { code, message } };
}

export async function createFleetController(opts: ControllerOptions & { fleet: FleetOptions }): Promise<Controller> {
  const { settings, fleet } = opts;
  const s = { ...settings.get(), ...opts.runOverrides };
  const ingests = fleet.role !== 'deliver';
  const delivers = fleet.role !== 'ingest';
  const by = `${hostname()}:${process.pid}`;
  const warnings = [...settings.warnings];
  const cipher = new FleetCipher(fleet.key);
  const link = new NatsLink({ servers: fleet.servers, fleet: fleet.name, credsFile: fleet.credsFile, name: `pilot-webhook ${fleet.role} ${by}` });
  const fleetLog = new FleetLog();
  let config: FleetConfig | null = null;
  let engine: FleetEngineConfig | null = null;
  let configProblem: string | null = 'reading the fleet configuration…';
  // This process's engine settings, and those its flags set for the whole fleet (fleet-engine.ts).
  const localEngine = engineOf(s);
  const engineFlags: Partial<FleetEngine> = {};
  for (const k of FLEET_ENGINE_FIELDS) {
    const v = (opts.runOverrides as Partial<FleetEngine> | undefined)?.[k];
    if (v !== undefined) (engineFlags as Record<string, unknown>)[k] = v;
  }

  const late: { ingest?: IngestServer } = {};
  // The run's one URL policy (strict mode, own ports), as in the embedded mode.
  const policy = new UrlPolicy({ strict: settings.get().strictEgress });
  if (opts.ownPorts) policy.addOwnPorts(opts.ownPorts);
  const rules = policy.check;
  // Through the host's proxy support when it has one (the system's, the environment's), as embedded.
  const guard = { strict: policy.strict, ownPorts: policy.ownPorts };
  const agent = opts.egress?.(guard) ?? createEgressAgent(guard);
  // "Send test event" goes straight to the receiver from this process, outside the fleet.
  const tester = new Dispatcher({ url: null, agent, checkUrl: rules, timeoutMs: s.timeoutMs }, new DeliveryLog({ capacity: 1 }));

  const batcher = new PushBatcher<BridgePushes>(
    (push: PushName) => (push === 'state' ? getState() : undefined),
    opts.pushIntervalMs ?? PUSH_INTERVAL_MS,
  );
  const changed = (): void => batcher.stateChanged();
  const unsubs = [link.onChange(changed), fleetLog.onRecord((rec) => batcher.recordChanged(rec))];

  const fleetIngest = new FleetIngest(link, fleet.name, by, changed);
  // The daemon link works as in the embedded mode: the ingest keeps its port and token across
  // runs (data folder), so the daemon's retries reach a restarted process.
  const linkMemory = LinkMemory.inDataDir(opts.dataDir);
  if (ingests) {
    const endpoint = linkMemory.ingestEndpoint();
    const ingest = await startIngestServer(
      {
        onEvent: (ev) => fleetIngest.publish(ev),
        onReject: () => changed(),
      },
      { port: endpoint.port, token: endpoint.token, ...(opts.daemon.ingestFd !== undefined && { fd: opts.daemon.ingestFd }) },
    );
    if (ingest.portTaken !== null) warnings.push(`The ingest port ${ingest.portTaken} of the last run is taken; the ingest moved to ${ingest.port}.`);
    if (!ingest.activated) linkMemory.update({ ingest: { port: ingest.port, token: ingest.token } });
    late.ingest = ingest;
    policy.addOwnPort(ingest.port);
  }

  const primary = (): FleetDestination | undefined => config?.get(PRIMARY_ID);

  // This process's engines, one per delivered destination (deliver roles only).
  const delivery = new FleetDelivery({ link, fleet: fleet.name, by, agent, checkUrl: rules, changed });
  const destinationCalls = fleetDestinationHandlers({
    config: () => config,
    unavailable: () => configProblem ?? link.view().error ?? 'not connected',
    delivery,
    checkUrl: rules,
    tester: () => new Dispatcher({ url: null, agent, checkUrl: rules, timeoutMs: s.timeoutMs }, new DeliveryLog({ capacity: 1 })),
    waiting: () => delivery.waiting,
    changed,
  });
  const onDestination = (id: string, dest: FleetDestination | null): void => {
    if (id === PRIMARY_ID) tester.setSecret(dest?.secret ?? null);
    if (delivers) delivery.apply(id, dest);
    changed();
  };
  const onEngine = (tuning: FleetEngine): void => {
    if (delivers) delivery.setEngine(tuning, (id) => config?.get(id));
  };

  link.start();
  const setUp = (async () => {
    const h = await link.ready();
    void fleetLog.follow(h, link.names.deliveries);
    for (;;) {
      try {
        const kv = await openConfigBucket(h, link.names.config);
        const c = new FleetConfig(kv, cipher, link.names.config);
        await c.verifyKey();
        // The engine settings first: every engine this process starts uses the fleet's.
        const e = new FleetEngineConfig(kv, localEngine);
        const lost = await e.start(engineFlags);
        if (lost.length > 0) {
          warnings.push(`Fleet mode: this process's ${lost.join(', ')} differ from the fleet's engine settings (KV bucket ${link.names.config}); the fleet's are used. Start a process with the flags to change them for every process.`);
        }
        engine = e;
        onEngine(e.current);
        e.onChange(onEngine);
        config = c;
        configProblem = null;
        c.onChange(onDestination);
        await c.watch();
        changed();
        return;
      } catch (err) {
        const final = err instanceof FleetKeyError || err instanceof FleetEngineError;
        configProblem = final ? (err as Error).message : `the fleet configuration cannot be read (${(err as Error).message}); retrying`;
        changed();
        if (final) {
          process.stderr.write(`fleet: ${err.message}\n`);
          return;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  })();

  const daemon = ingests && opts.daemon.enabled
    ? new DaemonLink({
        socketPath: opts.daemon.socketPath,
        unsupportedReason: opts.daemon.unsupported,
        ingestUrl: late.ingest!.url,
        userUrl: () => primary()?.url ?? null,
        onQuit: settings.get().onQuit,
        healthIntervalMs: opts.daemon.healthIntervalMs,
        reconnectMaxMs: opts.daemon.reconnectMaxMs,
        isOwnIngestUrl,
        memory: linkMemory,
      })
    : null;
  if (daemon) unsubs.push(daemon.onChange(changed));
  daemon?.start();

  function fleetView(): FleetView {
    const v = link.view();
    const problems = [
      v.error && `ingest/deliver → NATS: ${v.error}`,
      ingests ? fleetIngest.lastRefusal : null,
      configProblem,
      config?.problem ?? null,
      engine?.problem ?? null,
      fleetLog.problem,
      ...delivery.problems(),
    ].filter((p): p is string => typeof p === 'string' && p.length > 0);
    return {
      name: fleet.name,
      role: fleet.role,
      connected: v.connected,
      server: v.server,
      servers: v.servers,
      replicas: v.replicas,
      error: problems.length > 0 ? problems.join('; ') : null,
      published: fleetIngest.published,
      refused: fleetIngest.refused,
      destinations: config?.list().length ?? 0,
      delivering: delivery.size,
      engine: engine ? engineView(engine.current) : null,
    };
  }

  function getState(): AppState {
    const stats: Stats = delivery.stats();
    const p = primary();
    const pd = delivery.get(PRIMARY_ID)?.dispatcher;
    const secret = p?.secret ?? null;
    return {
      url: p?.url ?? null,
      paused: delivery.paused,
      breaker: pd?.breaker() ?? { ...CLOSED_BREAKER },
      stats,
      client: pd?.client() ?? { dropped: 0, circuitSkips: 0 },
      daemon: daemon ? daemon.view() : daemonOffView(),
      ingest: { url: late.ingest?.url ?? null },
      secret: { set: secret !== null, hint: secret === null ? null : secretHint(secret) },
      warnings,
      demo: false,
      topicFilters: [...(p?.topics ?? [])],
      history: { durable: false, path: null, days: settings.get().historyDays, maxMB: settings.get().historyMaxMB, retentionRemoved: 0, records: fleetLog.size() },
      fleet: fleetView(),
      destinations: destinationCalls.summaries(),
    };
  }

  /** Changes the primary destination in the fleet's configuration (every process follows). */
  async function putPrimary(change: Partial<FleetDestination>): Promise<Result<FleetDestination>> {
    if (!config) return fail('fleet_unavailable', `The fleet configuration cannot be changed now: ${configProblem ?? link.view().error ?? 'not connected'}`);
    const was = primary();
    const next: FleetDestination = {
      id: PRIMARY_ID,
      name: 'Primary',
      url: null,
      enabled: true,
      createdAt: Date.now(),
      topics: [],
      secret: null,
      headers: {},
      ...was,
      ...change,
    };
    try {
      await config.put(next);
    } catch (err) {
      return fail('fleet_unavailable', `The fleet configuration could not be written (${(err as Error).message}); nothing changed.`);
    }
    return { ok: true, value: next };
  }

  /**
   * "Send again" from any window: each record's event is published to the fleet again, for the
   * record's destination only; whichever deliver process takes it sends it as a new event.
   */
  async function sendAgain(ids: readonly number[]): Promise<Result<{ queued: number }>> {
    let queued = 0;
    for (const id of ids) {
      const rec = fleetLog.get(id);
      if (!rec?.fleet || !RESENDABLE.has(rec.outcome)) continue;
      const ev = eventOf(rec);
      if (!ev) continue;
      try {
        rec.resentAs = await fleetIngest.republish(ev, rec.fleet.destinationId, rec.id);
      } catch (err) {
        return fail('fleet_unavailable', `Sent ${queued} of ${ids.length} again; the rest could not be published (${(err as Error).message}).`);
      }
      fleetLog.update(rec);
      queued++;
    }
    return { ok: true, value: { queued } };
  }

  const unsupported = <T>(what: string): Result<T> =>
    fail('unsupported', `${what} is not available in fleet mode yet: every deliver process would have to agree on it.`);

  const handlers: BridgeHandlers = {
    getState: async () => getState(),
    setUrl: async ({ url }) => {
      const check = rules(url);
      if (!check.ok) return fail(check.code, check.message);
      // Its format chosen from the URL's host again, as the embedded app's URL field does.
      const guess = guessFormat(check.url);
      const r = await putPrimary({ url: check.url, format: guess.format, template: undefined });
      return r.ok ? { ok: true, value: { url: check.url, format: guess.format, formatReason: guess.reason } } : r;
    },
    clearUrl: async () => {
      const r = await putPrimary({ url: null });
      return r.ok ? { ok: true, value: { url: null } } : r;
    },
    sendTest: async ({ url }) => {
      const target = url ?? primary()?.url ?? null;
      if (!target) return { ok: false, durationMs: 0, error: 'No URL to test: enter one or save one first.' };
      const check = rules(target);
      if (!check.ok) return { ok: false, durationMs: 0, error: check.message };
      return tester.sendTest(check.url);
    },
    getLog: async (q) => ({ records: fleetLog.query({ ...q, limit: Math.min(q.limit ?? LOG_CAPACITY, LOG_CAPACITY) }) }),
    pause: async () => {
      delivery.pause();
      changed();
      return { ok: true, value: { paused: true } };
    },
    resume: async () => {
      delivery.resume();
      changed();
      return { ok: true, value: { paused: false } };
    },
    resend: async ({ ids }) => sendAgain(ids),
    redeliver: async (arg) => {
      if ('ids' in arg) return sendAgain([...arg.ids].sort((a, b) => a - b));
      const since = Date.parse(arg.since);
      if (Number.isNaN(since)) return fail('invalid_argument', `"since" is not a date-time this app can read: ${arg.since}`);
      return sendAgain(fleetLog.redeliverable(since, outcomesFor(arg.outcome)));
    },
    setTopicFilters: async ({ filters }) => {
      const clean = normaliseTopicFilters(filters);
      const problem = checkTopicFiltersToSave(clean);
      if (problem) return fail('bad_topic_filter', problem);
      const r = await putPrimary({ topics: clean });
      return r.ok ? { ok: true, value: { filters: clean } } : r;
    },
    setSecret: async ({ secret }) => {
      const trimmed = secret.trim();
      if (trimmed.length === 0) return fail('empty', 'The secret is empty: type one, or use Generate.');
      const r = await putPrimary({ secret: trimmed });
      return r.ok ? { ok: true, value: { hint: secretHint(trimmed) } } : r;
    },
    generateSecret: async () => {
      const fresh = generateSecret();
      const r = await putPrimary({ secret: fresh });
      return r.ok ? { ok: true, value: { hint: secretHint(fresh) } } : r;
    },
    clearSecret: async () => {
      const r = await putPrimary({ secret: null });
      return r.ok ? { ok: true, value: { set: false } } : r;
    },
    copySecret: async () => unsupported('Copying the secret from the headless host'),
    takeBackDaemon: async () => {
      if (!daemon) return fail('daemon_unavailable', 'This process has no daemon link (only an ingest role links the daemon).');
      const r = await daemon.takeBack();
      changed();
      return r.ok ? { ok: true, value: { message: r.message } } : fail('daemon_unavailable', r.message);
    },
    chooseDaemonRestore: async ({ mode }) => {
      if (!daemon) return fail('daemon_unavailable', 'This process has no daemon link (only an ingest role links the daemon).');
      daemon.chooseRestore(mode);
      changed();
      return { ok: true, value: { mode } };
    },
    copyText: async () => unsupported('Copying from the headless host'),
    // Pure rendering, the same in fleet mode: nothing is sent.
    previewDestination: (arg) => previewBody(arg),
    // Over the fleet's KV bucket: any window changes the destinations of every deliver process.
    listDestinations: destinationCalls.listDestinations,
    createDestination: destinationCalls.createDestination,
    updateDestination: destinationCalls.updateDestination,
    deleteDestination: destinationCalls.deleteDestination,
    setDestinationSecret: destinationCalls.setDestinationSecret,
    clearDestinationSecret: destinationCalls.clearDestinationSecret,
    testDestination: destinationCalls.testDestination,
    exportHistory: async () => {
      if (opts.dataDir === undefined) return fail('unsupported', 'There is no data folder to export into.');
      const dir = join(opts.dataDir, EXPORTS_DIR);
      await mkdir(dir, { recursive: true });
      return exportHistoryTo(join(dir, exportFileName(Date.now())), () => fleetLog.pages());
    },
    openLogFile: async () => logFileAnswer(opts.logFile),
  };

  let closing: Promise<void> | null = null;
  return {
    handlers,
    subscribe: batcher.subscribe,
    getState,
    getSecret: () => primary()?.secret ?? null,
    accept: () => {
      throw new Error('fleet mode accepts events through its ingest only');
    },
    ingestUrl: late.ingest?.url ?? '',
    historyPages: () => fleetLog.pages(),
    storedOutcomes: () => {
      const counts: Partial<Record<string, number>> = {};
      for (const page of fleetLog.pages()) for (const r of page) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
      return counts;
    },
    applyRetention: () => 0,
    urlPolicy: policy,
    setSuspended: (value) => {
      delivery.setSuspended(value);
    },
    closeBudgetMs: DaemonLink.stopBudgetMs + DRAIN_MS + CLOSE_MARGIN_MS,
    close: () =>
      (closing ??= (async () => {
        await daemon?.stop();
        await late.ingest?.close();
        await delivery.close();
        fleetLog.close();
        config?.close();
        engine?.close();
        void setUp.catch(() => undefined);
        await link.close();
        await tester.close();
        batcher.flush();
        batcher.close();
        for (const u of unsubs) u();
        await agent.close();
      })()),
  };
}
