// Fleet mode's controller (--nats): the same bridge contract as the embedded controller, over the
// fleet's NATS JetStream cluster instead of the local SQLite outbox (the README's
// "Fleet" section). By role:
//   ingest  the daemon link and the ingest; each accepted event published (fleet-ingest.ts)
//   deliver one engine per destination in the fleet's KV bucket (fleet-deliverer.ts)
//   all     both
// Every role serves the window: the fleet-wide log (fleet-log-calls.ts) and the fleet's
// destinations, which any window may change (fleet-destination-calls.ts; the primary, id
// `primary`, is what the URL field, the secret and the topic filters act on:
// fleet-primary-calls.ts). This file is the composition root: it builds the parts in dependency
// order (cluster link, ingest, engines, configuration reader, daemon link), wires them to the
// bridge handlers and the window's pushes (fleet-state.ts), and closes them in order.

import { mkdir } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { fail, type Result } from '../../../shared/api-errors';
import type { BridgeHandlers, BridgePushes, PushName } from '../../../shared/bridge';
import type { Controller, ControllerOptions } from '../controller';
import { CLOSE_MARGIN_MS, PUSH_INTERVAL_MS } from '../controller';
import { logFileAnswer } from '../app/app-service';
import { DaemonLink, daemonOffView } from '../daemon/daemon-link';
import { LinkMemory } from '../daemon/link-memory';
import { DeliveryLog } from '../delivery/delivery-log';
import { Dispatcher, DRAIN_MS } from '../delivery/dispatcher';
import { previewBody } from '../destinations/destination-preview';
import { createEgressAgent } from '../egress-guard';
import { startIngestServer, type IngestServer } from '../ingest/ingest-server';
import { exportFileName } from '../outbox/history-export';
import { EXPORTS_DIR, exportHistoryTo } from '../outbox/history-file';
import { isOwnIngestUrl } from '../own-ingest-url';
import { PushBatcher } from '../push-batcher';
import { UrlPolicy } from '../url-policy';
import type { FleetDestination } from './fleet-config';
import { FleetDelivery } from './fleet-delivery';
import { fleetDestinationHandlers, PRIMARY_ID } from './fleet-destination-calls';
import { engineOf, FLEET_ENGINE_FIELDS, type FleetEngine } from './fleet-engine';
import { FleetIngest } from './fleet-ingest';
import { FleetCipher } from './fleet-key';
import { FleetLog } from './fleet-log';
import { fleetLogHandlers } from './fleet-log-calls';
import type { FleetRole } from './fleet-names';
import { fleetPrimaryHandlers } from './fleet-primary-calls';
import { FleetSetup } from './fleet-setup';
import { fleetState } from './fleet-state';
import { NatsLink } from './nats-link';

export { PRIMARY_ID };

export interface FleetOptions {
  servers: string[];
  credsFile?: string;
  name: string;
  role: FleetRole;
  key: Buffer;
}

/** The engine settings this run's flags set (for the whole fleet: fleet-engine.ts). */
function engineFlagsOf(overrides: ControllerOptions['runOverrides']): Partial<FleetEngine> {
  const flags: Record<string, unknown> = {};
  for (const k of FLEET_ENGINE_FIELDS) {
    const v = (overrides as Partial<FleetEngine> | undefined)?.[k];
    if (v !== undefined) flags[k] = v;
  }
  return flags as Partial<FleetEngine>;
}

export async function createFleetController(opts: ControllerOptions & { fleet: FleetOptions }): Promise<Controller> {
  const { settings, fleet } = opts;
  const s = { ...settings.get(), ...opts.runOverrides };
  const ingests = fleet.role !== 'deliver';
  const delivers = fleet.role !== 'ingest';
  const by = `${hostname()}:${process.pid}`;
  const warnings = [...settings.warnings];
  const link = new NatsLink({ servers: fleet.servers, fleet: fleet.name, credsFile: fleet.credsFile, name: `pilot-webhook ${fleet.role} ${by}` });
  const fleetLog = new FleetLog();

  // The run's one URL policy (strict mode, own ports), as in the embedded mode; deliveries go
  // through the host's proxy support when it has one (the system's, the environment's).
  const policy = new UrlPolicy({ strict: settings.get().strictEgress });
  if (opts.ownPorts) policy.addOwnPorts(opts.ownPorts);
  const rules = policy.check;
  const guard = { strict: policy.strict, ownPorts: policy.ownPorts };
  const agent = opts.egress?.(guard) ?? createEgressAgent(guard);
  const newTester = (): Dispatcher => new Dispatcher({ url: null, agent, checkUrl: rules, timeoutMs: s.timeoutMs }, new DeliveryLog({ capacity: 1 }));
  // "Send test event" goes straight to the receiver from this process, outside the fleet.
  const tester = newTester();

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
  let ingest: IngestServer | null = null;
  if (ingests) {
    const endpoint = linkMemory.ingestEndpoint();
    ingest = await startIngestServer(
      { onEvent: (ev) => fleetIngest.publish(ev), onReject: () => changed() },
      { port: endpoint.port, token: endpoint.token, ...(opts.daemon.ingestFd !== undefined && { fd: opts.daemon.ingestFd }) },
    );
    if (ingest.portTaken !== null) warnings.push(`The ingest port ${ingest.portTaken} of the last run is taken; the ingest moved to ${ingest.port}.`);
    if (!ingest.activated) linkMemory.update({ ingest: { port: ingest.port, token: ingest.token } });
    policy.addOwnPort(ingest.port);
  }

  // This process's engines, one per delivered destination (deliver roles only), following the
  // fleet's configuration once it is read.
  const delivery = new FleetDelivery({ link, fleet: fleet.name, by, agent, checkUrl: rules, changed });
  const setup = new FleetSetup({
    link,
    cipher: new FleetCipher(fleet.key),
    localEngine: engineOf(s),
    engineFlags: engineFlagsOf(opts.runOverrides),
    onDestination: (id: string, dest: FleetDestination | null) => {
      if (id === PRIMARY_ID) tester.setSecret(dest?.secret ?? null);
      if (delivers) delivery.apply(id, dest);
      changed();
    },
    onEngine: (tuning) => {
      if (delivers) delivery.setEngine(tuning, (id) => setup.config?.get(id));
    },
    warn: (m) => warnings.push(m),
    changed,
  });
  const primary = (): FleetDestination | undefined => setup.config?.get(PRIMARY_ID);

  link.start();
  const setUp = (async () => {
    const h = await link.ready();
    void fleetLog.follow(h, link.names.deliveries);
    await setup.run(h);
  })();

  const daemon = ingest && opts.daemon.enabled
    ? new DaemonLink({
        socketPath: opts.daemon.socketPath,
        unsupportedReason: opts.daemon.unsupported,
        ingestUrl: ingest.url,
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

  const config = (): typeof setup.config => setup.config;
  const unavailable = (): string => setup.unavailable;
  const destinationCalls = fleetDestinationHandlers({ config, unavailable, delivery, checkUrl: rules, tester: newTester, waiting: () => delivery.waiting, changed });
  const getState = () =>
    fleetState({
      fleet,
      link,
      setup,
      delivery,
      ingest: ingests ? fleetIngest : null,
      fleetLog,
      settings,
      warnings,
      daemon: () => (daemon ? daemon.view() : daemonOffView()),
      ingestUrl: () => ingest?.url ?? null,
      destinations: destinationCalls.summaries,
    });

  const unsupported = <T>(what: string): Result<T> =>
    fail('unsupported', `${what} is not available in fleet mode yet: every deliver process would have to agree on it.`);
  const noDaemon = <T>(): Result<T> => fail('daemon_unavailable', 'This process has no daemon link (only an ingest role links the daemon).');
  const { summaries: _summaries, ...destinationHandlers } = destinationCalls;

  const handlers: BridgeHandlers = {
    getState: async () => getState(),
    ...fleetPrimaryHandlers({ config, unavailable, checkUrl: rules, tester }),
    ...fleetLogHandlers(fleetLog, fleetIngest),
    // Over the fleet's KV bucket: any window changes the destinations of every deliver process.
    ...destinationHandlers,
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
    copySecret: async () => unsupported('Copying the secret from the headless host'),
    takeBackDaemon: async () => {
      if (!daemon) return noDaemon();
      const r = await daemon.takeBack();
      changed();
      return r.ok ? { ok: true, value: { message: r.message } } : fail('daemon_unavailable', r.message);
    },
    chooseDaemonRestore: async ({ mode }) => {
      if (!daemon) return noDaemon();
      daemon.chooseRestore(mode);
      changed();
      return { ok: true, value: { mode } };
    },
    copyText: async () => unsupported('Copying from the headless host'),
    // Pure rendering, the same in fleet mode: nothing is sent.
    previewDestination: (arg) => previewBody(arg),
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
    ingestUrl: ingest?.url ?? '',
    historyPages: () => fleetLog.pages(),
    storedOutcomes: () => {
      const counts: Partial<Record<string, number>> = {};
      for (const page of fleetLog.pages()) for (const r of page) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
      return counts;
    },
    applyRetention: () => 0,
    // Not warmed up: a deliver process of a fleet runs for long and takes its events from a stream.
    warmUp: Promise.resolve(null),
    urlPolicy: policy,
    setSuspended: (value) => delivery.setSuspended(value),
    closeBudgetMs: DaemonLink.stopBudgetMs + DRAIN_MS + CLOSE_MARGIN_MS,
    close: () =>
      (closing ??= (async () => {
        await daemon?.stop();
        await ingest?.close();
        await delivery.close();
        fleetLog.close();
        setup.close();
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
