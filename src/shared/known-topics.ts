// The daemon's event topics, as its source and our real-daemon tier know them (listed in
// docs/architecture.md). Topic filters are checked against this list so that a pattern which
// can never match (`tunnel`, `Tunnel.*`) is caught before it silently filters every event.
// Pure.

/** Every fixed topic the daemon publishes (v1.18.0 and its plugins). */
export const KNOWN_TOPICS: readonly string[] = [
  'node.registered',
  'agent.registered',
  'node.reregistered',
  'agent.heartbeat',
  'key.rotated',
  'daemon.shutting_down',
  'network.auto_joined',
  'network.joined',
  'network.left',
  'network.tags_changed',
  'tunnel.peer_added',
  'tunnel.established',
  'tunnel.relay_activated',
  'tunnel.rx_silence',
  'tunnel.rx_recovered',
  'tunnel.path_suspect',
  'tunnel.path_recovered',
  'tunnel.addr_changed',
  'conn.syn_received',
  'conn.established',
  'conn.fin',
  'conn.rst',
  'conn.idle_timeout',
  'conn.dead_peer',
  'conn.accept_queue_full',
  'syn.rejected',
  'datagram.rejected',
  'data.datagram',
  'file.delivered',
  'message.received',
  'file.received',
  'inbox.full',
  'handshake.received',
  'handshake.pending',
  'handshake.auto_approved',
  'handshake.approved',
  'handshake.rejected',
  'trust.changed',
  'trust.revoked',
  'trust.revoked_by_peer',
  'security.syn_rate_limited',
  'security.nonce_replay',
  'security.src_spoofed',
  'pubsub.published',
  'L7.panic',
];

/**
 * Namespaces whose topics are open-ended: policies publish `policy.<anything>`, plugins
 * `plugin.<name>.panic` / `plugin.<name>.unhealthy`. Any topic under them is a real topic.
 */
export const OPEN_NAMESPACES: readonly string[] = ['policy.', 'plugin.'];

/**
 * `<layer>.panic`: the daemon's panic recovery publishes one per protocol layer, named `L<n>`
 * (`L4.panic`, `L7.panic`). Only that form: `Tunnel.panic` is not a topic the daemon publishes.
 */
export const LAYER_PANIC = /^L\d+\.panic$/;

/** The topic app-sent test events carry (outside the daemon's topics, never filtered out). */
export const TEST_TOPIC = 'webhook.test';

const KNOWN = new Set(KNOWN_TOPICS);

/** True for a topic the daemon can publish: a fixed one, a layer panic, or one in an open namespace. */
export function isKnownTopic(topic: string): boolean {
  return KNOWN.has(topic) || LAYER_PANIC.test(topic) || OPEN_NAMESPACES.some((ns) => topic.startsWith(ns) && topic.length > ns.length);
}
