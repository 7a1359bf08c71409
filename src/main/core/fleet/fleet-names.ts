// Fleet mode's names on the NATS side, in one place: the streams, the KV bucket, the subjects and
// the durable consumer names (the README's "Fleet" section). Every process of a fleet derives
// the same names from the fleet's name, so they find each other with no other configuration.

/** The fleet name when --fleet is not given. */
export const DEFAULT_FLEET = 'pilot';

/**
 * A fleet name becomes part of stream, bucket and subject names: NATS allows only these
 * characters in all three (no dots: a dot would split the subject token).
 */
const FLEET_NAME = /^[A-Za-z0-9_-]{1,32}$/;

export type FleetRole = 'ingest' | 'deliver' | 'all';
export const FLEET_ROLES: readonly FleetRole[] = ['ingest', 'deliver', 'all'];

/** null when the name is usable, else why not. */
export function checkFleetName(name: string): string | null {
  return FLEET_NAME.test(name) ? null : 'must be 1-32 letters, digits, _ or - (it becomes part of NATS stream and subject names)';
}

/** One NATS server URL as a fleet accepts it: nats:// or tls://, a host and a port, nothing else. */
const NATS_URL = /^(nats|tls):\/\/[^\s,/]+\/?$/;

/** The servers of a comma list (`--nats`, the `nats` setting), trimmed. */
export function natsServers(list: string): string[] {
  return list.split(',').map((u) => u.trim());
}

/** null when the comma list names only usable server URLs, else which one is not. */
export function checkNatsServers(list: string): string | null {
  const bad = natsServers(list).find((u) => !NATS_URL.test(u));
  return bad === undefined ? null : `needs nats:// URLs separated by commas, got "${bad}"`;
}

export interface FleetNames {
  events: string;
  deliveries: string;
  config: string;
  /** every event subject of the fleet (the events stream's subject filter) */
  eventSubjects: string;
  deliverySubjects: string;
}

export function fleetNames(fleet: string): FleetNames {
  return {
    events: `PILOT_EVENTS_${fleet}`,
    deliveries: `PILOT_DELIVERIES_${fleet}`,
    config: `PILOT_CONFIG_${fleet}`,
    eventSubjects: `pilot.${fleet}.events.>`,
    deliverySubjects: `pilot.${fleet}.deliveries.>`,
  };
}

/**
 * A subject token from outside text (a topic part): NATS forbids whitespace, `*`, `>` and empty
 * tokens in published subjects. The exact topic travels in the message body; the subject is for
 * filtering only, so a lossy but safe spelling is enough.
 */
function token(s: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are exactly what must go
  const t = s.replace(/[\s*>\u0000-\u001f\u007f]/g, '_');
  return t.length === 0 ? '_' : t;
}

/** `pilot.<fleet>.events.<node_id>.<topic>` (node `_` when the event names none). */
export function eventSubject(fleet: string, nodeId: number | undefined, topic: string): string {
  const parts = topic.split('.').map(token);
  return `pilot.${fleet}.events.${nodeId ?? '_'}.${parts.join('.')}`;
}

/** `pilot.<fleet>.deliveries.<destination>`: one subject per destination's records. */
export function deliverySubject(fleet: string, destinationId: string): string {
  return `pilot.${fleet}.deliveries.${destinationId}`;
}

/** The durable consumer every deliver process shares for one destination. */
export function consumerName(destinationId: string): string {
  return `dest_${destinationId}`;
}

/** A destination id: it names a KV key and a consumer, so the same characters as a fleet name. */
export function checkDestinationId(id: string): string | null {
  return /^[A-Za-z0-9_-]{1,64}$/.test(id) ? null : 'must be 1-64 letters, digits, _ or -';
}
