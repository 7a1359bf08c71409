import { expect, test } from 'vitest';
import { fleetSummary, type FleetView } from '../../src/shared/fleet';
import { TRAY_ITEM_IDS, buildTrayMenu } from '../../src/main/shell/tray-menu';
import { sampleState } from '../fixtures/sample-state';

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
  engine: null,
  ...over,
});

test('the fleet line says fleet mode, the role and how many servers are reached', () => {
  expect(fleetSummary(view())).toBe('Fleet "lab" (ingest): 2 of 3 NATS servers reached');
});

test('and names the hop when something is wrong', () => {
  const s = fleetSummary(view({ connected: false, error: 'ingest → NATS: the NATS cluster is unreachable; events are refused with 503' }));
  expect(s).toMatch(/— ingest → NATS: .*503/);
});

test('the tray says fleet mode in its menu and tooltip, and nothing outside fleet mode', () => {
  const noop = (): void => undefined;
  const actions = { openWindow: noop, pause: noop, resume: noop, sendTest: noop, openLink: noop, copyUrl: noop, setStartAtLogin: noop, quit: noop };
  const fleet = buildTrayMenu(sampleState({ fleet: view() }), Date.now(), false, actions);
  const line = fleet.template.find((i) => i.id === TRAY_ITEM_IDS.fleet);
  expect(line).toMatchObject({ label: 'Fleet "lab" (ingest): 2 of 3 NATS servers reached', enabled: false });
  expect(fleet.tooltip).toMatch(/\(fleet lab\)$/);
  const plain = buildTrayMenu(sampleState(), Date.now(), false, actions);
  expect(plain.template.find((i) => i.id === TRAY_ITEM_IDS.fleet)).toBeUndefined();
  expect(plain.tooltip).not.toMatch(/fleet/);
});
