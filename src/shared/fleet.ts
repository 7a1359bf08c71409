// Fleet mode as the window sees it (the `fleet` field of the state): which fleet, which role,
// which NATS servers this process reaches, and what is wrong when events cannot go through.

export interface FleetServerView {
  url: string;
  /** a TCP probe got the server's greeting within the last few seconds */
  reached: boolean;
}

/** The engine settings every deliver process of the fleet uses (from the fleet's KV bucket). */
export interface FleetEngineView {
  timeoutMs: number;
  /** the later attempts after the first ones: `10s,1m,…` or `none` */
  retrySchedule: string;
  /** how long an undelivered event keeps being retried, from its acceptance at an ingest */
  maxEventAge: string;
  /** attempts in flight per destination and deliver process, for a destination that sets none of its own */
  concurrency: number;
  circuitCooldownMs: number;
}

export interface FleetView {
  name: string;
  role: 'ingest' | 'deliver' | 'all';
  /** connected to the cluster and its streams exist */
  connected: boolean;
  /** the server the client is connected to now */
  server: string | null;
  servers: FleetServerView[];
  /** copies of each stream (min(3, servers)), once known */
  replicas: number | null;
  /**
   * What is wrong, naming the hop: "ingest → NATS" (events refused with 503 so the daemon keeps
   * and retries them), the fleet key, the configuration bucket. null when all is well.
   */
  error: string | null;
  /** events this process published and JetStream acknowledged */
  published: number;
  /** events this process's ingest refused with 503 because the cluster did not acknowledge them */
  refused: number;
  /** destinations in the fleet's configuration; consumers this process runs (deliver roles) */
  destinations: number;
  delivering: number;
  /** the fleet's engine settings once read (null before) */
  engine: FleetEngineView | null;
}

/** The fleet facts kept with each record of the fleet-wide log. */
export interface FleetRecordInfo {
  /** the event's Pilot node (its node_id), null when it named none */
  node: number | null;
  /** the process that delivered it (its --fleet client name) */
  by: string;
  /** the event's sequence number in the fleet's events stream: its fleet-wide event_id */
  eventSeq: number;
  destinationId: string;
}

/** One line for the window and the tray: fleet mode, and how many servers are reached. */
export function fleetSummary(f: FleetView): string {
  const reached = f.servers.filter((s) => s.reached).length;
  const base = `Fleet "${f.name}" (${f.role}): ${reached} of ${f.servers.length} NATS servers reached`;
  return f.error ? `${base} — ${f.error}` : base;
}

/** One line on the engine settings every deliver process of the fleet uses. */
export function fleetEngineLine(e: FleetEngineView): string {
  const retries = e.retrySchedule.trim().toLowerCase() === 'none' ? 'no later retries' : `later retries ${e.retrySchedule}`;
  return `Every deliver process: ${e.timeoutMs} ms per attempt, ${retries}, for up to ${e.maxEventAge}; ${e.concurrency} in flight per destination (unless it sets its own); breaker cool-down ${e.circuitCooldownMs} ms`;
}
