// Which core the desktop app runs: the embedded one (the durable SQLite outbox in the data
// folder, the default), or fleet mode when the `nats` setting names NATS servers — the desktop
// app then joins the fleet as the headless host does with --nats (core/fleet/fleet-settings.ts):
// its ingest publishes to the fleet, its engines deliver the fleet's destinations (role `all` by
// default), and its window and tray show the fleet.

import { createController, type Controller, type ControllerOptions } from '../core/controller';
import { createFleetController, type FleetOptions } from '../core/fleet/fleet-controller';
import { fleetFromSettings } from '../core/fleet/fleet-settings';

export interface CoreFactories {
  embedded(opts: ControllerOptions): Promise<Controller>;
  fleet(opts: ControllerOptions & { fleet: FleetOptions }): Promise<Controller>;
}

const REAL: CoreFactories = { embedded: createController, fleet: createFleetController };

/**
 * Builds the core the settings ask for. Rejects (the start-up dialog shows why) when the `nats`
 * setting is set but the fleet key cannot be read: joining a fleet without its key would deliver
 * nothing and decrypt nothing.
 */
export async function createCoreController(opts: ControllerOptions, make: CoreFactories = REAL): Promise<Controller> {
  const fleet = fleetFromSettings(opts.settings.get());
  return fleet === null ? make.embedded(opts) : make.fleet({ ...opts, fleet });
}
