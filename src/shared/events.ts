// The Pilot daemon's webhook body, as its webhook plugin POSTs it, and the
// checks the ingest applies to it. Pure: used by the main process and by the window.

import { isRfc3339 } from './rfc3339';

/** What the daemon POSTs, and the shape the app sends on (with its own event_id). */
export interface PilotEventBody {
  event_id: number;
  event: string;
  node_id?: number;
  timestamp?: string;
  data?: unknown;
}

/** An event as the app accepted it, before it is given the app's own event_id. */
export interface AcceptedEvent {
  event: string;
  node_id?: number;
  timestamp?: string;
  data?: unknown;
  /** event_id the daemon gave it; restarts at 1, so only kept for the record. */
  daemonEventId?: number;
}

export type EventCheck = { ok: true; event: AcceptedEvent } | { ok: false; message: string };

/** Largest topic accepted; the daemon's are short dotted names, this only stops abuse. */
export const MAX_TOPIC_LENGTH = 256;


/**
 * Checks a parsed ingest body against the daemon's shape: an object with a non-empty string
 * `event`; `node_id` a non-negative integer when present; `timestamp` RFC 3339 when present;
 * `data` anything. The message says exactly which field is wrong.
 */
export function checkEventBody(body: unknown): EventCheck {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { ok: false, message: 'body must be a JSON object' };
  }
  const o = body as Record<string, unknown>;
  if (typeof o.event !== 'string' || o.event.length === 0) {
    return { ok: false, message: '"event" must be a non-empty string' };
  }
  if (o.event.length > MAX_TOPIC_LENGTH) {
    return { ok: false, message: `"event" is longer than ${MAX_TOPIC_LENGTH} characters` };
  }
  const event: AcceptedEvent = { event: o.event };
  if (o.node_id !== undefined && o.node_id !== null) {
    if (typeof o.node_id !== 'number' || !Number.isSafeInteger(o.node_id) || o.node_id < 0) {
      return { ok: false, message: '"node_id" must be a non-negative integer' };
    }
    event.node_id = o.node_id;
  }
  if (o.timestamp !== undefined && o.timestamp !== null) {
    if (typeof o.timestamp !== 'string' || !isRfc3339(o.timestamp)) {
      return { ok: false, message: '"timestamp" must be an RFC 3339 date-time' };
    }
    event.timestamp = o.timestamp;
  }
  if (o.data !== undefined) event.data = o.data;
  if (typeof o.event_id === 'number' && Number.isSafeInteger(o.event_id) && o.event_id >= 0) {
    event.daemonEventId = o.event_id;
  }
  return { ok: true, event };
}

/** The body the app sends: the daemon's fields, in the daemon's order, with the app's id. */
export function toOutgoingBody(eventId: number, ev: AcceptedEvent): PilotEventBody {
  const body: PilotEventBody = { event_id: eventId, event: ev.event };
  if (ev.node_id !== undefined) body.node_id = ev.node_id;
  body.timestamp = ev.timestamp ?? new Date().toISOString();
  if (ev.data !== undefined) body.data = ev.data;
  return body;
}
