// The fleet-wide delivery log every window shows: the records every deliver process published to
// PILOT_DELIVERIES_<fleet>, followed live, the newest LOG_CAPACITY of them in memory. A record's
// id here is its sequence in the deliveries stream (unique and increasing fleet-wide); its
// `fleet` field says which node the event came from, which process delivered it, and its event's
// sequence (the event_id the receiver saw).
//
// It is a RecordLog (the window's log queries work unchanged) that only the stream writes to.

import { DeliverPolicy, type Consumer } from '@nats-io/jetstream';
import { pullOnce, type Pull } from './pull';
import type { DeliveryRecord } from '../../../shared/delivery';
import { DeliveryLog } from '../delivery/delivery-log';
import type { PublishedRecord } from './fleet-deliverer';
import type { JetStreamHandles } from './nats-link';

/** Records the window's fleet log holds. */
export const FLEET_LOG_CAPACITY = 5000;
const RETRY_PAUSE_MS = 1000;
/** Records per pull, and how long a pull waits for new ones. */
const FETCH_BATCH = 500;
const FETCH_EXPIRES_MS = 2000;

export class FleetLog extends DeliveryLog {
  private pull: Pull | null = null;
  private lastSeen = 0;
  private stopped = false;
  problem: string | null = null;

  constructor() {
    super({ capacity: FLEET_LOG_CAPACITY });
  }

  /**
   * Reads the last FLEET_LOG_CAPACITY records, then follows the stream until close(). It pulls in
   * batches from an ordered (ephemeral, single-copy) consumer, which dies with the server it was
   * on: a pull that brings nothing while the stream has moved on starts a new one after the last
   * record seen, so a lost server costs a moment, never records.
   */
  async follow(h: JetStreamHandles, stream: string): Promise<void> {
    let consumer: Consumer | null = null;
    while (!this.stopped) {
      try {
        if (!consumer) {
          if (this.lastSeen === 0) {
            const info = await h.jsm.streams.info(stream);
            this.lastSeen = Math.max(0, info.state.last_seq - FLEET_LOG_CAPACITY);
          }
          consumer = await h.js.consumers.get(stream, { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: this.lastSeen + 1 });
        }
        const got = await pullOnce(consumer, FETCH_BATCH, FETCH_EXPIRES_MS, (m) => this.take(m.seq, m.string()), (p) => (this.pull = p));
        this.pull = null;
        if (got === 0 && (await h.jsm.streams.info(stream)).state.last_seq > this.lastSeen) consumer = null;
        this.problem = null;
      } catch (err) {
        consumer = null;
        this.problem = `NATS → window: the fleet log cannot be read (${(err as Error).message}); retrying`;
        if (!this.stopped) await new Promise((r) => setTimeout(r, RETRY_PAUSE_MS));
      }
    }
  }

  private take(seq: number, body: string): void {
    if (seq <= this.lastSeen) return; // a new consumer may repeat what the old one gave
    this.lastSeen = seq;
    let p: PublishedRecord;
    try {
      p = JSON.parse(body) as PublishedRecord;
    } catch {
      return; // not a record of ours
    }
    const rec: DeliveryRecord = { ...p.rec, id: seq, fleet: p.fleet };
    this.add(rec);
  }

  close(): void {
    this.stopped = true;
    this.pull?.stop();
  }
}
