import { expect, test } from 'vitest';
import { fleetSummary, type FleetView } from '../../src/shared/fleet';

const view = (over: Partial<FleetView> = {}): FleetView => ({
  name: 'lab',
  role: 'ingest',
  connected: true,
  server: '127.0.0.1:4222',
  servers: [
    { url: 'nats://127.0.0.1:4222', reached: true },
    { url: 'nats://127.0.0.1:4223', reached: false },
    { url: 'nats://127.0.0.1:4224', reached: true },
  ],
  replicas: 3,
  error: null,
  published: 0,
  refused: 0,
  destinations: 1,
  delivering: 0,
  ...over,
});

test('the fleet line says fleet mode, the role and how many servers are reached', () => {
  expect(fleetSummary(view())).toBe('Fleet "lab" (ingest): 2 of 3 NATS servers reached');
});

test('and names the hop when something is wrong', () => {
  const s = fleetSummary(view({ connected: false, error: 'ingest → NATS: the NATS cluster is unreachable; events are refused with 503' }));
  expect(s).toMatch(/— ingest → NATS: .*503/);
});
