// What every fleet test file starts from: a real 3-server NATS cluster, loopback receivers and a
// temp folder, made in beforeAll and taken down in afterAll — fleet hosts first (they hold
// connections to the cluster and files in the folder), then the receivers, the cluster, the folder.
// A file's own extra clean-up goes in an afterAll registered after this call: hooks run as a stack,
// so it runs before the hosts are stopped.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startNatsCluster, type NatsCluster } from '../fixtures/nats-cluster';
import { startReceiver, type Receiver } from '../fixtures/receiver';
import { stopAllFleetHosts } from './fleet-host';

export interface FleetWorld {
  readonly cluster: NatsCluster;
  /** the first receiver */
  readonly rx: Receiver;
  /** all of them, in order */
  readonly receivers: readonly Receiver[];
  /** the temp folder (`pilot-fleet-<name>-…`), removed after the file */
  readonly dir: string;
}

/** Registers the file's beforeAll/afterAll; the world's parts are readable once beforeAll ran. */
export function useFleetWorld(name: string, opts: { receivers?: number } = {}): FleetWorld {
  let cluster: NatsCluster | undefined;
  let receivers: Receiver[] = [];
  let dir: string | undefined;

  beforeAll(async () => {
    cluster = await startNatsCluster();
    receivers = await Promise.all(Array.from({ length: opts.receivers ?? 1 }, () => startReceiver()));
    dir = mkdtempSync(join(tmpdir(), `pilot-fleet-${name}-`));
  });

  afterAll(async () => {
    await stopAllFleetHosts();
    await Promise.all(receivers.map((r) => r.close()));
    await cluster?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });

  const ready = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`the fleet world's ${what} is read before beforeAll made it`);
    return value;
  };
  return {
    get cluster() {
      return ready(cluster, 'cluster');
    },
    get rx() {
      return ready(receivers[0], 'receiver');
    },
    get receivers() {
      return receivers;
    },
    get dir() {
      return ready(dir, 'temp folder');
    },
  };
}
