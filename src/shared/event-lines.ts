// One readable line per daemon event, e.g. "Node 42: trust handshake from node 7 approved". The
// chat formats, the window and the notifications all use these words. The data field names are
// the real daemon's (v1.18.0, recorded by the real-daemon tier and read from its source); any
// field may be missing or of another type, and the line then leaves that part out rather than
// printing "undefined". An unknown topic reads "<topic> on node <node_id>". Pure.

import { LAYER_PANIC, TEST_TOPIC } from './known-topics';

export type Severity = 'info' | 'warning' | 'error';

/** What a line is made from: the daemon's body (any extra field is ignored). */
export interface LineInput {
  event: string;
  node_id?: number;
  data?: unknown;
}

/** Longest piece of event data quoted in a line: a line is a summary, not a dump. */
export const MAX_FIELD_CHARS = 120;

type Data = Record<string, unknown>;

/** A string field, single-line and bounded; numbers are accepted too (ids, ports). */
function str(d: Data, key: string): string | null {
  const v = d[key];
  if (typeof v === 'number' && Number.isFinite(v)) return String(v);
  if (typeof v !== 'string' || v === '') return null;
  // Control characters would break the line (and some chat renderers): shown as spaces.
  // eslint-disable-next-line no-control-regex
  const flat = v.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ').trim();
  return flat.length > MAX_FIELD_CHARS ? `${flat.slice(0, MAX_FIELD_CHARS - 1)}…` : flat;
}

function num(d: Data, key: string): number | null {
  const v = d[key];
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** "1.5 KB" style sizes for message and file events. */
export function formatBytes(n: number): string {
  if (n < 1024) return plural(n, 'byte');
  const units = ['KB', 'MB', 'GB', 'TB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v >= 10 ? Math.round(v) : v.toFixed(1)} ${units[i]}`;
}

/** "42 s", "5 min", "3 h": durations the daemon reports in seconds. */
export function formatSeconds(s: number): string {
  if (s < 120) return `${Math.round(s)} s`;
  if (s < 7200) return `${Math.round(s / 60)} min`;
  return `${Math.round(s / 3600)} h`;
}

/** The other side of an event: "node 7" when the daemon names the node, else its address. */
function peer(d: Data): string | null {
  const id = num(d, 'peer_node_id') ?? num(d, 'peer');
  if (id !== null) return `node ${id}`;
  const addr = str(d, 'from') ?? str(d, 'src_addr') ?? str(d, 'remote_addr') ?? str(d, 'peer_addr') ?? str(d, 'addr');
  if (addr !== null) return addr;
  const hash = str(d, 'peer_hash');
  return hash === null ? null : `peer ${hash}`;
}

const opt = (s: string | null, f: (s: string) => string): string => (s === null ? '' : f(s));

/** A connection's far end and port, as conn.* events give them (either direction). */
function connection(d: Data): string {
  const who = str(d, 'src_addr') ?? str(d, 'remote_addr');
  const port = num(d, 'dst_port') ?? num(d, 'local_port');
  return `${who === null ? 'connection' : `connection with ${who}`}${port === null ? '' : ` on port ${port}`}`;
}

function sizeOf(d: Data): string | null {
  const n = num(d, 'size') ?? num(d, 'bytes');
  return n === null ? null : formatBytes(n);
}

/** Line bodies (after "Node N: ") per fixed topic. Each reads only the fields it needs. */
const LINES: Record<string, (d: Data) => string> = {
  'node.registered': (d) => `registered${opt(str(d, 'address'), (a) => ` as ${a}`)}${opt(str(d, 'endpoint'), (e) => ` (${e})`)}`,
  'agent.registered': (d) =>
    `agent ${d.reregistered === true ? 're-registered' : 'registered'}${opt(str(d, 'address'), (a) => ` as ${a}`)}`,
  'node.reregistered': (d) => `re-registered with the registry${opt(str(d, 'address'), (a) => ` as ${a}`)}`,
  'agent.heartbeat': () => 'agent heartbeat',
  'key.rotated': () => 'identity key rotated',
  'daemon.shutting_down': (d) => {
    const up = num(d, 'uptime_seconds');
    const peers = num(d, 'known_peers');
    const conns = num(d, 'open_connections');
    const facts = [peers === null ? null : plural(peers, 'known peer'), conns === null ? null : plural(conns, 'open connection')].filter(Boolean);
    return `daemon shutting down${up === null ? '' : ` after ${formatSeconds(up)}`}${facts.length ? ` (${facts.join(', ')})` : ''}`;
  },
  'network.auto_joined': (d) => `joined network ${networkOf(d)} automatically`,
  'network.joined': (d) => `joined network ${networkOf(d)}`,
  'network.left': (d) => `left network ${networkOf(d)}`,
  'network.tags_changed': (d) => {
    const tags = Array.isArray(d.tags) ? d.tags.filter((t): t is string => typeof t === 'string').slice(0, 10) : [];
    return `tags of network ${networkOf(d)} changed${tags.length ? ` to ${tags.join(', ')}` : ''}`;
  },
  'tunnel.peer_added': (d) => `tunnel peer${opt(peer(d), (p) => ` ${p}`)} added`,
  'tunnel.established': (d) => {
    const how = [d.rekeyed === true ? 'rekeyed' : null, d.relay === true ? 'through the relay' : d.relay === false ? 'direct' : null, d.authenticated === false ? 'NOT authenticated' : d.authenticated === true ? 'authenticated' : null].filter(Boolean);
    return `encrypted tunnel established${opt(peer(d), (p) => ` with ${p}`)}${how.length ? ` (${how.join(', ')})` : ''}`;
  },
  'tunnel.relay_activated': (d) => `traffic${opt(peer(d), (p) => ` with ${p}`)} now goes through the relay`,
  'tunnel.rx_silence': (d) => `nothing received${opt(peer(d), (p) => ` from ${p}`)}${silence(d, ' for ')}`,
  'tunnel.rx_recovered': (d) => `receiving again${silence(d, ' after ', ' of silence')}`,
  'tunnel.path_suspect': (d) => {
    const probes = num(d, 'probes_sent');
    return `path${opt(peer(d), (p) => ` to ${p}`)} suspect${silence(d, ', silent for ')}${probes === null ? '' : `, ${plural(probes, 'probe')} unanswered`}: resetting it`;
  },
  'tunnel.path_recovered': (d) => `path${opt(peer(d), (p) => ` to ${p}`)} recovered`,
  'tunnel.addr_changed': (d) => {
    const notified = num(d, 'peers_notified');
    const extra = [str(d, 'reason'), notified === null ? null : `${plural(notified, 'peer')} told`, d.registry_ok === false ? 'registry not reached' : null].filter(Boolean);
    return `address changed${opt(str(d, 'previous'), (p) => ` from ${p}`)}${opt(str(d, 'current'), (c) => ` to ${c}`)}${extra.length ? ` (${extra.join(', ')})` : ''}`;
  },
  'conn.syn_received': (d) => `connection request${opt(str(d, 'src_addr'), (a) => ` from ${a}`)}${opt(str(d, 'dst_port'), (p) => ` to port ${p}`)}`,
  'conn.established': (d) => `${connection(d)} established`,
  'conn.fin': (d) => `${connection(d)} closed`,
  'conn.rst': (d) => `${connection(d)} reset`,
  'conn.idle_timeout': (d) => `${connection(d)} closed after idling`,
  'conn.dead_peer': (d) => `${connection(d)} dropped: the peer stopped answering`,
  'conn.accept_queue_full': (d) => `accept queue full${opt(str(d, 'port') ?? str(d, 'dst_port'), (p) => ` on port ${p}`)}: a connection was refused`,
  'syn.rejected': (d) => `refused a connection${opt(str(d, 'src_addr'), (a) => ` from ${a}`)}${opt(str(d, 'dst_port'), (p) => ` to port ${p}`)}${opt(str(d, 'reason'), (r) => ` (${r})`)}`,
  'datagram.rejected': (d) => `refused a datagram${opt(str(d, 'src_addr'), (a) => ` from ${a}`)}${opt(str(d, 'dst_port'), (p) => ` to port ${p}`)}${opt(str(d, 'reason'), (r) => ` (${r})`)}`,
  'data.datagram': (d) => `datagram${opt(sizeOf(d), (s) => ` of ${s}`)}${opt(str(d, 'src_addr') ?? str(d, 'from'), (a) => ` from ${a}`)}${opt(str(d, 'dst_port'), (p) => ` on port ${p}`)}`,
  'file.delivered': (d) => `file${opt(str(d, 'filename') ?? str(d, 'name'), (f) => ` ${f}`)}${opt(sizeOf(d), (s) => ` (${s})`)} delivered${opt(str(d, 'to') ?? peer(d), (p) => ` to ${p}`)}`,
  'message.received': (d) => {
    const facts = [sizeOf(d), str(d, 'type')].filter(Boolean);
    return `message${opt(peer(d), (p) => ` from ${p}`)}${facts.length ? ` (${facts.join(', ')})` : ''}`;
  },
  'file.received': (d) => `file${opt(str(d, 'filename') ?? str(d, 'name'), (f) => ` ${f}`)}${opt(sizeOf(d), (s) => ` (${s})`)} received${opt(peer(d), (p) => ` from ${p}`)}`,
  'inbox.full': (d) => `inbox full: a message${opt(peer(d), (p) => ` from ${p}`)} was refused`,
  'handshake.received': (d) => `trust handshake request${opt(peer(d), (p) => ` from ${p}`)}${opt(str(d, 'justification'), (j) => `: “${j}”`)}`,
  'handshake.pending': (d) => `trust handshake${opt(peer(d), (p) => ` from ${p}`)} waiting for approval`,
  'handshake.auto_approved': (d) => `trust handshake${opt(peer(d), (p) => ` from ${p}`)} approved automatically${opt(str(d, 'reason'), (r) => ` (${r})`)}`,
  'handshake.approved': (d) => `trust handshake${opt(peer(d), (p) => ` from ${p}`)} approved`,
  'handshake.rejected': (d) => `trust handshake${opt(peer(d), (p) => ` from ${p}`)} rejected${opt(str(d, 'reason'), (r) => `: ${r}`)}`,
  'trust.changed': (d) => `trust${opt(peer(d), (p) => ` with ${p}`)} ${str(d, 'state') ?? 'changed'}${opt(str(d, 'reason'), (r) => ` (${r})`)}`,
  'trust.revoked': (d) => `trust${opt(peer(d), (p) => ` in ${p}`)} revoked${opt(str(d, 'reason'), (r) => ` (${r})`)}`,
  'trust.revoked_by_peer': (d) => `${peer(d) ?? 'a peer'} revoked its trust`,
  'security.syn_rate_limited': (d) => `connection attempts${opt(str(d, 'src_addr') ?? peer(d), (a) => ` from ${a}`)} rate-limited`,
  'security.nonce_replay': (d) => `replayed packet${opt(peer(d), (p) => ` from ${p}`)} dropped${opt(str(d, 'counter'), (c) => ` (counter ${c})`)}`,
  'security.src_spoofed': (d) => `packet with a spoofed source dropped${opt(peer(d), (p) => ` (${p})`)}`,
  'pubsub.published': (d) => `published${opt(str(d, 'topic'), (t) => ` to ${t}`)}${opt(sizeOf(d), (s) => ` (${s})`)}`,
  [TEST_TOPIC]: () => 'test event from Pilot Webhook Desktop',
};

function networkOf(d: Data): string {
  return str(d, 'name') ?? str(d, 'network') ?? str(d, 'network_id') ?? str(d, 'id') ?? '(unnamed)';
}

function silence(d: Data, before: string, after = ''): string {
  const s = num(d, 'silent_for_seconds');
  return s === null ? '' : `${before}${formatSeconds(s)}${after}`;
}

/** Lines for the open-ended topics: `policy.*`, `plugin.<name>.panic|unhealthy`, `<layer>.panic`. */
function openLine(topic: string, d: Data): string | null {
  const why = str(d, 'error') ?? str(d, 'panic') ?? str(d, 'reason') ?? str(d, 'message');
  const plugin = /^plugin\.(.+)\.(panic|unhealthy)$/.exec(topic);
  if (plugin) return `plugin ${plugin[1]} ${plugin[2] === 'panic' ? 'crashed and was recovered' : 'is unhealthy'}${opt(why, (w) => `: ${w}`)}`;
  if (LAYER_PANIC.test(topic)) return `layer ${topic.slice(0, topic.indexOf('.'))} crashed and was recovered${opt(str(d, 'where') ?? str(d, 'func'), (w) => ` in ${w}`)}${opt(why, (w) => `: ${w}`)}`;
  if (topic.startsWith('policy.') && topic.length > 'policy.'.length) return `policy event ${topic.slice('policy.'.length)}${opt(why, (w) => `: ${w}`)}`;
  return null;
}

function nodeName(nodeId: number | undefined): string {
  return nodeId === undefined ? 'This node' : `Node ${nodeId}`;
}

/** The readable line for one event. */
export function eventLine(ev: LineInput): string {
  const d: Data = typeof ev.data === 'object' && ev.data !== null && !Array.isArray(ev.data) ? (ev.data as Data) : {};
  const fixed = Object.hasOwn(LINES, ev.event) ? LINES[ev.event]!(d) : null;
  const body = fixed ?? openLine(ev.event, d);
  if (body === null) return `${ev.event} on node ${ev.node_id ?? '?'}`;
  return `${nodeName(ev.node_id)}: ${body}`;
}

/** Topics that mean something went wrong (error) or needs a look (warning); the rest are info. */
const WARNING_TOPICS = new Set([
  'daemon.shutting_down',
  'tunnel.rx_silence',
  'tunnel.path_suspect',
  'conn.dead_peer',
  'conn.accept_queue_full',
  'inbox.full',
  'handshake.pending',
  'handshake.received',
  'handshake.rejected',
  'trust.revoked',
  'trust.revoked_by_peer',
  'security.syn_rate_limited',
]);

/** How serious an event is: chat formats colour it, ntfy sets its priority from it. */
export function eventSeverity(topic: string): Severity {
  if (topic.endsWith('.panic') || topic.endsWith('.unhealthy') || topic === 'security.nonce_replay' || topic === 'security.src_spoofed') return 'error';
  return WARNING_TOPICS.has(topic) ? 'warning' : 'info';
}

/** Topics that have a line of their own (the rest fall back to the generic line). */
export function hasOwnLine(topic: string): boolean {
  return Object.hasOwn(LINES, topic) || openLine(topic, {}) !== null;
}
