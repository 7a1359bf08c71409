// The event a stored record was made from, for sending it again: its payload parsed back.

import type { AcceptedEvent } from '../../../shared/events';
import type { DeliveryRecord } from '../../../shared/delivery';

/** The AcceptedEvent a stored record was made from, for sending it again. */
export function eventOf(rec: DeliveryRecord): AcceptedEvent | null {
  let body: unknown;
  try {
    body = JSON.parse(rec.payload);
  } catch {
    return null;
  }
  if (typeof body !== 'object' || body === null) return null;
  const b = body as { event?: unknown; node_id?: unknown; timestamp?: unknown; data?: unknown };
  const ev: AcceptedEvent = { event: typeof b.event === 'string' ? b.event : rec.event };
  if (typeof b.node_id === 'number') ev.node_id = b.node_id;
  if (typeof b.timestamp === 'string') ev.timestamp = b.timestamp;
  if (b.data !== undefined) ev.data = b.data;
  if (rec.daemonEventId !== undefined) ev.daemonEventId = rec.daemonEventId;
  return ev;
}
