// Ingest role: every accepted event goes to the fleet's events stream, and the ingest answers the
// daemon 2xx only once JetStream acknowledged it (stored on a majority of its replicas). When the
// cluster cannot acknowledge it in time, the ingest answers 503: the daemon keeps the event and
// retries, counting what it drops itself — never a silent loss on our side.
//
// Nats-Msg-Id: the daemon sends a retried event with the same body (its event_id and timestamp),
// so an id derived from the body makes a retry after a lost acknowledgement land once. An event
// with neither field cannot be told from a genuine repeat, so it gets a unique id instead.

import { createHash, randomBytes } from 'node:crypto';
import type { AcceptedEvent } from '../../../shared/events';
import { eventSubject } from './fleet-names';
import type { NatsLink } from './nats-link';

/**
 * How long a publish may wait for JetStream's acknowledgement: below the daemon's 5 s per-attempt
 * timeout, so the daemon gets our 503 (and retries) instead of timing out on us.
 */
export const PUBLISH_TIMEOUT_MS = 4000;

/** The body of an event message in the events stream. */
export interface FleetEventMessage {
  v: 1;
  ev: AcceptedEvent;
  /** epoch ms the ingest accepted it */
  receivedAt: number;
  /** the ingest process (client name) */
  by: string;
  /** "Send again" from a window: only this destination delivers it (the others let it pass) */
  onlyFor?: string;
  /** …and the fleet-log record it repeats */
  resendOf?: number;
}

/** Thrown when JetStream did not acknowledge: the ingest answers 503 (see ingest-server.ts). */
export class FleetUnavailableError extends Error {
  readonly httpStatus = 503;
}

export function messageIdFor(ev: AcceptedEvent, uniquePrefix: string, counter: number): string {
  if (ev.daemonEventId === undefined && ev.timestamp === undefined) return `u-${uniquePrefix}-${counter}`;
  const h = createHash('sha256')
    .update(JSON.stringify([ev.node_id ?? null, ev.daemonEventId ?? null, ev.timestamp ?? null, ev.event, ev.data ?? null]))
    .digest('base64url');
  return `e-${h}`;
}

export class FleetIngest {
  published = 0;
  refused = 0;
  lastRefusal: string | null = null;
  private readonly prefix = randomBytes(8).toString('hex');
  private counter = 0;

  constructor(
    private readonly link: NatsLink,
    private readonly fleet: string,
    private readonly by: string,
    private readonly onChange: () => void,
  ) {}

  /** Resolves once JetStream stored the event; throws FleetUnavailableError otherwise. */
  async publish(ev: AcceptedEvent): Promise<void> {
    const h = this.link.current;
    // While disconnected the client would buffer the publish and wait out the whole timeout:
    // refuse at once, the daemon retries in a second.
    if (!h || !this.link.isConnected) {
      throw this.refuse(`the NATS cluster is unreachable (${this.link.view().error ?? 'not connected'})`);
    }
    const msg: FleetEventMessage = { v: 1, ev, receivedAt: Date.now(), by: this.by };
    try {
      await h.js.publish(eventSubject(this.fleet, ev.node_id, ev.event), JSON.stringify(msg), {
        msgID: messageIdFor(ev, this.prefix, ++this.counter),
        timeout: PUBLISH_TIMEOUT_MS,
      });
    } catch (err) {
      throw this.refuse(`JetStream did not acknowledge the event (${(err as Error).message})`);
    }
    this.published++;
    if (this.lastRefusal !== null) this.lastRefusal = null;
    this.onChange();
  }

  /**
   * Publishes an event again for one destination ("Send again" in any window): a new event in the
   * stream, so it gets its own sequence and webhook-id. Resolves with that sequence.
   */
  async republish(ev: AcceptedEvent, destinationId: string, resendOf: number): Promise<number> {
    const h = this.link.current;
    if (!h || !this.link.isConnected) throw new FleetUnavailableError(`the NATS cluster is unreachable (${this.link.view().error ?? 'not connected'})`);
    const msg: FleetEventMessage = { v: 1, ev, receivedAt: Date.now(), by: this.by, onlyFor: destinationId, resendOf };
    const ack = await h.js.publish(eventSubject(this.fleet, ev.node_id, ev.event), JSON.stringify(msg), {
      msgID: `u-${this.prefix}-${++this.counter}`,
      timeout: PUBLISH_TIMEOUT_MS,
    });
    return ack.seq;
  }

  private refuse(why: string): FleetUnavailableError {
    this.refused++;
    this.lastRefusal = `ingest → NATS: ${why}; events are refused with 503 so the daemon keeps them and retries`;
    this.onChange();
    return new FleetUnavailableError(this.lastRefusal);
  }
}
