// The fleet's NATS side as another process of the fleet sees it, for tests: the real FleetConfig
// over the fleet's KV bucket (writing destinations sealed with the fleet key, as any window
// would), the raw bucket (to show what the servers hold), and every message of a stream (to show
// what the fleet log holds).

import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, DeliverPolicy } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import { FleetConfig, openConfigBucket } from '../../src/main/core/fleet/fleet-config';
import { FleetCipher } from '../../src/main/core/fleet/fleet-key';
import { fleetNames } from '../../src/main/core/fleet/fleet-names';
import type { JetStreamHandles } from '../../src/main/core/fleet/nats-link';

export interface FleetBucket {
  config: FleetConfig;
  kv: KV;
  handles: JetStreamHandles;
  /** every message body in the stream now, oldest first */
  streamBodies(stream: string): Promise<string[]>;
  close(): Promise<void>;
}

/** How long one read of a stream waits for its next message before it counts it as read. */
const READ_IDLE_MS = 1000;

export async function openFleetBucket(servers: readonly string[], fleet: string, key: Buffer): Promise<FleetBucket> {
  const nc: NatsConnection = await connect({ servers: [...servers] });
  const handles: JetStreamHandles = { nc, js: jetstream(nc), jsm: await jetstreamManager(nc), replicas: Math.min(3, servers.length) };
  const bucket = fleetNames(fleet).config;
  const kv = await openConfigBucket(handles, bucket);
  const config = new FleetConfig(kv, new FleetCipher(key), bucket);
  await config.verifyKey();
  return {
    config,
    kv,
    handles,
    streamBodies: async (stream) => {
      const last = (await handles.jsm.streams.info(stream)).state.last_seq;
      if (last === 0) return [];
      const c = await handles.js.consumers.get(stream, { deliver_policy: DeliverPolicy.All });
      const out: string[] = [];
      while (out.length < last) {
        const m = await c.next({ expires: READ_IDLE_MS });
        if (!m) break;
        out.push(m.string());
        if (m.seq >= last) break;
      }
      return out;
    },
    close: async () => {
      config.close();
      await nc.close();
    },
  };
}
