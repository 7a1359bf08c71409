// Fleet mode as the window sees it (the `fleet` field of the state): which fleet, which role,
// which NATS servers this process reaches, and what is wrong when events cannot go through.

export interface FleetServerView {
  url: string;
  /** a TCP probe got the server's greeting within the last few seconds */
  reached: boolean;
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
