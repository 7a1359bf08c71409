// What a fleet-mode process shows: the app state (the primary's URL, breaker and secret hint as
// the embedded app shows them, every destination's summary, the counters over this process's
// engines, the fleet-wide log's size) and the `fleet` view — which fleet and role, which servers
// are reached, the fleet's engine settings, and what is wrong, naming the hop.

import type { AppState } from '../../../shared/bridge';
import type { DaemonView } from '../../../shared/bridge';
import { CLOSED_BREAKER } from '../../../shared/delivery';
import type { DestinationSummary } from '../../../shared/destination-summary';
import type { FleetView } from '../../../shared/fleet';
import { secretHint } from '../delivery/signing';
import type { SettingsService } from '../settings/settings';
import type { FleetDelivery } from './fleet-delivery';
import { PRIMARY_ID } from './fleet-destination-calls';
import { engineView } from './fleet-engine';
import type { FleetIngest } from './fleet-ingest';
import type { FleetLog } from './fleet-log';
import type { FleetRole } from './fleet-names';
import type { FleetSetup } from './fleet-setup';
import type { NatsLink } from './nats-link';

export interface FleetStateParts {
  fleet: { name: string; role: FleetRole };
  link: NatsLink;
  setup: FleetSetup;
  delivery: FleetDelivery;
  ingest: FleetIngest | null;
  fleetLog: FleetLog;
  settings: SettingsService;
  warnings: readonly string[];
  daemon(): DaemonView;
  ingestUrl(): string | null;
  destinations(): DestinationSummary[];
}

export function fleetView(p: FleetStateParts): FleetView {
  const v = p.link.view();
  const problems = [
    v.error && `ingest/deliver → NATS: ${v.error}`,
    p.ingest?.lastRefusal ?? null,
    p.setup.problem,
    p.setup.config?.problem ?? null,
    p.setup.engine?.problem ?? null,
    p.fleetLog.problem,
    ...p.delivery.problems(),
  ].filter((x): x is string => typeof x === 'string' && x.length > 0);
  return {
    name: p.fleet.name,
    role: p.fleet.role,
    connected: v.connected,
    server: v.server,
    servers: v.servers,
    replicas: v.replicas,
    error: problems.length > 0 ? problems.join('; ') : null,
    published: p.ingest?.published ?? 0,
    refused: p.ingest?.refused ?? 0,
    destinations: p.setup.config?.list().length ?? 0,
    delivering: p.delivery.size,
    engine: p.setup.engine ? engineView(p.setup.engine.current) : null,
  };
}

export function fleetState(p: FleetStateParts): AppState {
  const primary = p.setup.config?.get(PRIMARY_ID);
  const engine = p.delivery.get(PRIMARY_ID)?.dispatcher;
  const secret = primary?.secret ?? null;
  const s = p.settings.get();
  return {
    url: primary?.url ?? null,
    paused: p.delivery.paused,
    breaker: engine?.breaker() ?? { ...CLOSED_BREAKER },
    stats: p.delivery.stats(),
    // What this process's ingest took from the daemon, once each (a deliver process has none).
    ...(p.ingest !== null && { eventsReceived: p.ingest.published }),
    client: engine?.client() ?? { dropped: 0, circuitSkips: 0 },
    daemon: p.daemon(),
    ingest: { url: p.ingestUrl() },
    secret: { set: secret !== null, hint: secret === null ? null : secretHint(secret) },
    warnings: [...p.warnings],
    demo: false,
    topicFilters: [...(primary?.topics ?? [])],
    history: { durable: false, path: null, days: s.historyDays, maxMB: s.historyMaxMB, retentionRemoved: 0, records: p.fleetLog.size() },
    fleet: fleetView(p),
    concurrency: p.delivery.concurrency,
    destinations: p.destinations(),
  };
}
