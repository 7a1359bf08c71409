// The fleet-wide delivery log every window shows: the records every deliver process published to
// PILOT_DELIVERIES_<fleet>, followed live, the newest LOG_CAPACITY of them in memory. A record's
// id here is its sequence in the deliveries stream (unique and increasing fleet-wide); its
// `fleet` field says which node the event came from, which process delivered it, and its event's
// sequence (the event_id the receiver saw).
//
// It is a RecordLog (the window's log queries work unchanged) that only the stream writes to.

import { DeliverPolicy, type ConsumerMessages } from '@nats-io/jetstream';
import type { DeliveryRecord } from '../../../shared/delivery';
import { DeliveryLog } from '../delivery/delivery-log';
import type { PublishedRecord } from './fleet-deliverer';
import type { JetStreamHandles } from './nats-link';

/** Records the window's fleet log holds. */
export const FLEET_LOG_CAPACITY = 5000;
const RETRY_PAUSE_MS = 1000;

export class FleetLog extends DeliveryLog {
  private messages: ConsumerMessages | null = null;
  private stopped = false;
  problem: string | null = null;

  constructor() {
    super({ capacity: FLEET_LOG_CAPACITY });
  }

  /** Reads the last FLEET_LOG_CAPACITY records, then follows the stream until close(). */
  async follow(h: JetStreamHandles, stream: string): Promise<void> {
    while (!this.stopped) {
      try {
        const info = await h.jsm.streams.info(stream);
        const after = Math.max(this.lastSeen, info.state.last_seq - FLEET_LOG_CAPACITY);
        const consumer = await h.js.consumers.get(stream, {
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: after + 1,
        });
        this.messages = await consumer.consume();
        this.problem = null;
        for await (const m of this.messages) {
          this.lastSeen = m.seq;
          let p: PublishedRecord;
          try {
            p = JSON.parse(m.string()) as PublishedRecord;
          } catch {
            continue; // not a record of ours
          }
          const rec: DeliveryRecord = { ...p.rec, id: m.seq, fleet: p.fleet };
          this.add(rec);
        }
      } catch (err) {
        this.problem = `NATS → window: the fleet log cannot be read (${(err as Error).message}); retrying`;
      }
      if (!this.stopped) await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
    }
  }

  private lastSeen = 0;

  close(): void {
    this.stopped = true;
    this.messages?.stop();
  }
}
