// What every chat format renders: one message per event (its readable line, a few facts from
// its data, how serious it is) or one digest message standing for many events. Each service's
// renderer turns this into its own body within its own documented limits. Pure.

import type { PilotEventBody } from '../events';
import { eventLine, eventSeverity, type Severity } from '../event-lines';
import { truncate } from './text-bounds';

export { truncate };

export interface Fact {
  name: string;
  value: string;
}

export interface ChatMessage {
  /** short heading: the topic and node, or "Digest #3: 12 events" */
  title: string;
  /** the readable line (a digest: its summary line) */
  text: string;
  /** a digest's covered events, one line each (bounded; see MAX_DIGEST_LINES) */
  lines: string[];
  /** key facts from the event's data (a digest has none) */
  facts: Fact[];
  severity: Severity;
  /** the topic, or "digest" */
  topic: string;
  nodeId?: number;
  timestamp?: string;
  eventId?: number;
}

/** Facts shown per event: the chat services show about this many fields before it gets noisy. */
export const MAX_FACTS = 10;
/** Longest fact value; the services' field limits are larger, a summary needs less. */
export const MAX_FACT_CHARS = 200;
/** Lines of a digest listed one by one; the rest are counted ("…and 40 more"). */
export const MAX_DIGEST_LINES = 20;
/** Topics named in a digest's summary line before "…". */
const MAX_SUMMARY_TOPICS = 5;

function factValue(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v === '' ? null : truncate(v, MAX_FACT_CHARS);
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return truncate(JSON.stringify(v), MAX_FACT_CHARS);
}

/** The event's data as facts: its top-level fields, in the daemon's order, bounded. */
export function factsOf(data: unknown): Fact[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  const facts: Fact[] = [];
  for (const [k, v] of Object.entries(data as Record<string, unknown>)) {
    const value = factValue(v);
    if (value === null) continue;
    facts.push({ name: truncate(k, 60), value });
    if (facts.length === MAX_FACTS) break;
  }
  return facts;
}

export function eventMessage(ev: PilotEventBody): ChatMessage {
  const msg: ChatMessage = {
    title: `${ev.event}${ev.node_id === undefined ? '' : ` · node ${ev.node_id}`}`,
    text: eventLine(ev),
    lines: [],
    facts: factsOf(ev.data),
    severity: eventSeverity(ev.event),
    topic: ev.event,
    eventId: ev.event_id,
  };
  if (ev.node_id !== undefined) msg.nodeId = ev.node_id;
  if (ev.timestamp !== undefined) msg.timestamp = ev.timestamp;
  return msg;
}

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

/**
 * "12 events from node 42: 5 × tunnel.established, 4 × conn.fin, …" — the summary of events
 * gathered into one message, most frequent topics first.
 */
export function digestSummary(events: readonly PilotEventBody[]): string {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.event, (counts.get(e.event) ?? 0) + 1);
  const sorted = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  const parts = sorted.slice(0, MAX_SUMMARY_TOPICS).map(([t, n]) => `${n} × ${t}`);
  if (sorted.length > MAX_SUMMARY_TOPICS) parts.push('…');
  const nodes = [...new Set(events.map((e) => e.node_id).filter((n): n is number => n !== undefined))];
  const from = nodes.length === 1 ? ` from node ${nodes[0]}` : nodes.length > 1 ? ` from ${nodes.length} nodes` : '';
  return `${events.length} ${events.length === 1 ? 'event' : 'events'}${from}: ${parts.join(', ')}`;
}

/** One message standing for `events` (in acceptance order), numbered `digestNo`. */
export function digestMessage(digestNo: number, events: readonly PilotEventBody[]): ChatMessage {
  const lines = events.slice(0, MAX_DIGEST_LINES).map((e) => eventLine(e));
  if (events.length > MAX_DIGEST_LINES) lines.push(`…and ${events.length - MAX_DIGEST_LINES} more`);
  let severity: Severity = 'info';
  for (const e of events) {
    const s = eventSeverity(e.event);
    if (SEVERITY_RANK[s] > SEVERITY_RANK[severity]) severity = s;
  }
  const last = events[events.length - 1];
  const msg: ChatMessage = {
    title: `Digest #${digestNo}: ${events.length} events`,
    text: digestSummary(events),
    lines,
    facts: [],
    severity,
    topic: 'digest',
  };
  const nodes = new Set(events.map((e) => e.node_id));
  if (nodes.size === 1 && last?.node_id !== undefined) msg.nodeId = last.node_id;
  if (last?.timestamp !== undefined) msg.timestamp = last.timestamp;
  return msg;
}

/** "`tunnel.established` · node 42 · 2026-11-30T10:00:00Z · #17": the small print under a message. */
export function footerOf(msg: ChatMessage): string {
  return [msg.topic, msg.nodeId === undefined ? null : `node ${msg.nodeId}`, msg.timestamp ?? null, msg.eventId === undefined ? null : `#${msg.eventId}`]
    .filter((p): p is string => p !== null)
    .join(' · ');
}
