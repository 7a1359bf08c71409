// A destination's durable consumer on the fleet's events stream: one per destination, shared by
// every deliver process (each event to one of them), explicit acks, an ack wait after which a dead
// process's events go to another, and no limit on redeliveries (an event is never dropped for
// having been tried often: the engine's maximum age decides).

import { AckPolicy, DeliverPolicy } from '@nats-io/jetstream';
import type { FleetDestination } from './fleet-config';
import { consumerName } from './fleet-names';
import type { JetStreamHandles } from './nats-link';

const NS_PER_MS = 1_000_000;

/**
 * How long JetStream waits for an acknowledgement before it gives the event to another process:
 * a dead process's events go out again within this (plus a fetch), well inside a minute. The
 * engine keeps an event it works on alive with in-progress acks well inside it.
 */
export const ACK_WAIT_MS = 30_000;
/** Unacknowledged events per destination across the fleet, at most (each process holds far fewer). */
const MAX_ACK_PENDING = 20_000;

/** Creates the destination's durable consumer unless it exists: starting with events from its creation. */
export async function ensureConsumer(h: JetStreamHandles, stream: string, fleet: string, dest: Pick<FleetDestination, 'id' | 'createdAt'>): Promise<void> {
  const name = consumerName(dest.id);
  try {
    await h.jsm.consumers.info(stream, name);
    return;
  } catch {
    // not there yet
  }
  try {
    await h.jsm.consumers.add(stream, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ACK_WAIT_MS * NS_PER_MS,
      max_deliver: -1,
      deliver_policy: DeliverPolicy.StartTime,
      opt_start_time: new Date(dest.createdAt).toISOString(),
      filter_subject: `pilot.${fleet}.events.>`,
      max_ack_pending: MAX_ACK_PENDING,
    });
  } catch (err) {
    if (!/already (exists|in use)/i.test((err as Error).message)) throw err;
  }
}

