// Joining a fleet from the settings: the `nats` setting (and `natsCreds`, `fleet`, `fleetRole`,
// `fleetKeyFile`) does for the desktop app — and for a headless host started without --nats —
// what the headless host's fleet flags do. One reading for both, so a fleet is joined the same
// way whichever host runs. Without `nats` nothing changes: the embedded outbox needs no server.

import type { Settings } from '../settings/settings-schema';
import type { FleetOptions } from './fleet-controller';
import { FleetKeyError, readFleetKeyFile } from './fleet-key';
import { natsServers } from './fleet-names';

export type FleetSettings = Pick<Settings, 'nats' | 'natsCreds' | 'fleet' | 'fleetRole' | 'fleetKeyFile'>;

/**
 * The fleet this process joins by its settings, or null when `nats` is not set. Throws
 * FleetKeyError (naming the setting) when the key file is missing, unreadable, readable by other
 * users or not a fleet key: a process that cannot open the fleet's secrets must not join it.
 */
export function fleetFromSettings(s: FleetSettings): FleetOptions | null {
  if (s.nats === null || s.nats.trim() === '') return null;
  if (s.fleetKeyFile === null) {
    throw new FleetKeyError(
      `the "nats" setting (fleet mode) needs the "fleetKeyFile" setting: the fleet key encrypts the destinations' secrets in the cluster (the same file as every other process of fleet "${s.fleet}" uses)`,
    );
  }
  return {
    servers: natsServers(s.nats),
    ...(s.natsCreds !== null && { credsFile: s.natsCreds }),
    name: s.fleet,
    role: s.fleetRole,
    key: readFleetKeyFile(s.fleetKeyFile, 'the "fleetKeyFile" setting'),
  };
}
