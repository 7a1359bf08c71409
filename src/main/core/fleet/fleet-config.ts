// The fleet's destinations, in the KV bucket PILOT_CONFIG_<fleet>: any process (any window) may
// change them, every process watches them. Secrets and header values are stored encrypted with
// the fleet key (fleet-key.ts), bound to their key and field, so the servers never hold them in
// clear and a value cannot be moved to another destination.
//
// Keys: `keycheck` (see fleet-key.ts) and `destination.<id>` (one JSON document each).

import { Kvm, type KV } from '@nats-io/kv';
import { isFormatName, type FormatName } from '../../../shared/formats/format-names';
import { isUsableConcurrency, type RateLimit } from '../../../shared/destination';
import type { JetStreamHandles } from './nats-link';
import { FleetCipher, FleetKeyError } from './fleet-key';

/** Old values kept per key: enough to see the last few changes with the nats CLI. */
const KV_HISTORY = 5;
const KEY_CHECK = 'keycheck';
const DEST_PREFIX = 'destination.';

/** A destination as the fleet's processes use it (secret and headers in clear, in memory only). */
export interface FleetDestination {
  id: string;
  name: string;
  url: string | null;
  enabled: boolean;
  /** epoch ms it was first written: its consumer starts with the events accepted from then on */
  createdAt: number;
  topics: string[];
  secret: string | null;
  /** extra request headers (an n8n Header Auth token…), values in clear: this process's memory only */
  headers: Record<string, string>;
  /** the body format; absent: chosen from the URL's host, as for the embedded primary */
  format?: FormatName;
  /** the JSONata expression of the `custom` format */
  template?: string;
  /** kept with the destination for every window; not yet applied by the fleet's engines */
  rateLimit?: RateLimit | null;
  /** events in flight at once per deliver process; absent: the fleet's engine setting */
  concurrency?: number;
}

/** What is stored: the same, with secret and header values sealed. */
interface StoredDestination extends Omit<FleetDestination, 'secret' | 'headers'> {
  secret: string | null;
  headers: Record<string, string>;
}

export type DestinationListener = (id: string, dest: FleetDestination | null) => void;

/** Opens (creating it on first use) the fleet's KV bucket. */
export async function openConfigBucket(h: JetStreamHandles, bucket: string): Promise<KV> {
  const kvm = new Kvm(h.js);
  try {
    // No direct gets: those may be answered by a replica that has not applied the latest write, so
    // a process reading what it (or another) just stored could find nothing — the key check read
    // back empty and the process refused its own key. Reads go through the stream's leader.
    return await kvm.create(bucket, { replicas: h.replicas, history: KV_HISTORY, allow_direct: false });
  } catch (err) {
    // Created by another process with other settings: use it as it is.
    if (/already in use|exists/i.test((err as Error).message)) return kvm.open(bucket);
    throw err;
  }
}

export class FleetConfig {
  private readonly destinations = new Map<string, FleetDestination>();
  private readonly listeners = new Set<DestinationListener>();
  private stopWatch: (() => void) | null = null;
  /** set when a stored value could not be opened: shown in the state */
  problem: string | null = null;

  constructor(
    private readonly kv: KV,
    private readonly cipher: FleetCipher,
    private readonly bucket: string,
  ) {}

  /**
   * Checks the fleet key against the bucket's key check (storing one if this is the fleet's first
   * process). Throws FleetKeyError, having decrypted nothing, when the key is not the fleet's.
   */
  async verifyKey(): Promise<void> {
    let stored = await this.storedKeyCheck();
    if (stored === null) {
      const mine = this.cipher.makeKeyCheck();
      try {
        await this.kv.create(KEY_CHECK, mine);
        stored = mine;
      } catch {
        // Another process stored it first: check against theirs.
        stored = await this.storedKeyCheck();
      }
    }
    if (stored === null || !this.cipher.opensKeyCheck(stored)) {
      throw new FleetKeyError(
        `the fleet key (--fleet-key-file) is not the one this fleet's configuration was written with (KV bucket ${this.bucket}): ` +
          'no secret was decrypted and this process does not deliver; use the same key file on every process of the fleet',
      );
    }
  }

  private async storedKeyCheck(): Promise<string | null> {
    const entry = await this.kv.get(KEY_CHECK);
    return entry && entry.operation === 'PUT' ? entry.string() : null;
  }

  /** Loads every destination, then keeps following changes. Call after verifyKey(). */
  async watch(): Promise<void> {
    const it = await this.kv.watch({ key: `${DEST_PREFIX}>` });
    this.stopWatch = () => it.stop();
    void (async () => {
      for await (const e of it) {
        const id = e.key.slice(DEST_PREFIX.length);
        if (e.operation !== 'PUT') {
          this.destinations.delete(id);
          this.emit(id, null);
          continue;
        }
        try {
          const dest = this.open(id, JSON.parse(e.string()) as StoredDestination);
          this.destinations.set(id, dest);
          this.emit(id, dest);
        } catch (err) {
          this.problem = `destination ${id} in ${this.bucket} cannot be read: ${(err as Error).message}`;
          this.emit(id, this.destinations.get(id) ?? null);
        }
      }
    })();
  }

  list(): FleetDestination[] {
    return [...this.destinations.values()];
  }

  get(id: string): FleetDestination | undefined {
    return this.destinations.get(id);
  }

  /** Writes a destination (sealing its secret and header values); the watch brings it back. */
  async put(dest: FleetDestination): Promise<void> {
    const key = `${DEST_PREFIX}${dest.id}`;
    const stored: StoredDestination = {
      ...dest,
      secret: dest.secret === null ? null : this.cipher.encrypt(dest.secret, `${key}/secret`),
      headers: Object.fromEntries(Object.entries(dest.headers).map(([n, v]) => [n, this.cipher.encrypt(v, `${key}/header/${n.toLowerCase()}`)])),
    };
    await this.kv.put(key, JSON.stringify(stored));
    // Seen at once by this process too, without waiting for the watch.
    this.destinations.set(dest.id, dest);
    this.emit(dest.id, dest);
  }

  async remove(id: string): Promise<void> {
    await this.kv.delete(`${DEST_PREFIX}${id}`);
  }

  onChange(listener: DestinationListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.stopWatch?.();
  }

  private open(id: string, s: StoredDestination): FleetDestination {
    const key = `${DEST_PREFIX}${id}`;
    if (s.format !== undefined && !isFormatName(s.format)) throw new Error(`unknown format ${JSON.stringify(s.format)}`);
    // A hand-written concurrency that cannot be used: the fleet's engine setting applies instead.
    const { concurrency, ...rest } = s;
    return {
      ...rest,
      ...(isUsableConcurrency(concurrency) && concurrency !== undefined && { concurrency }),
      id,
      secret: s.secret === null ? null : this.cipher.decrypt(s.secret, `${key}/secret`),
      headers: Object.fromEntries(Object.entries(s.headers ?? {}).map(([n, v]) => [n, this.cipher.decrypt(v, `${key}/header/${n.toLowerCase()}`)])),
      topics: Array.isArray(s.topics) ? s.topics : [],
    };
  }

  private emit(id: string, dest: FleetDestination | null): void {
    for (const l of this.listeners) {
      try {
        l(id, dest);
      } catch {
        // One failing listener must not stop the others.
      }
    }
  }
}
