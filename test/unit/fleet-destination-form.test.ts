// A fleet destination (the KV bucket's form) in the embedded app's terms and back: what the
// shared destination checks and views work on, nothing lost in the round trip.

import { expect, test } from 'vitest';
import { configOf, fleetDestinationOf, PRIMARY_ID } from '../../src/main/core/fleet/fleet-destination-calls';
import type { FleetDestination } from '../../src/main/core/fleet/fleet-config';
import { patchedDestinationConfig } from '../../src/shared/destination';

const base: FleetDestination = {
  id: 'd1a2b3c4',
  name: 'n8n',
  url: 'https://n8n.example.test/webhook/x',
  enabled: true,
  createdAt: 1_700_000_000_000,
  topics: ['tunnel.*'],
  secret: 'whsec_abc',
  headers: { 'X-N8N-Auth': 'n8n-token' },
  format: 'pilot',
  rateLimit: null,
};

test('round trip keeps every field, the secret, the headers and the creation time', () => {
  const cfg = configOf(base);
  expect(cfg).toEqual({ id: 'd1a2b3c4', name: 'n8n', url: base.url, enabled: true, primary: false, format: 'pilot', topics: ['tunnel.*'], rateLimit: null });
  expect(fleetDestinationOf(cfg, base)).toEqual(base);
});

test('the primary is the destination with id primary; an older entry without a format takes the one its host calls for', () => {
  const old: FleetDestination = { ...base, id: PRIMARY_ID, url: 'https://hooks.slack.com/services/T/B/x' };
  delete old.format;
  expect(configOf(old)).toMatchObject({ primary: true, format: 'slack' });
  expect(configOf({ ...old, url: null })).toMatchObject({ url: '', format: 'pilot' });
});

test('a patch through the shared rules comes back as the fleet form (custom template, cleared URL)', () => {
  const patched = patchedDestinationConfig(configOf(base), { format: 'custom', template: '{"text": text}' });
  const back = fleetDestinationOf(patched, base);
  expect(back).toMatchObject({ format: 'custom', template: '{"text": text}', headers: base.headers, secret: base.secret });
  expect(fleetDestinationOf({ ...configOf(base), url: '' }, base).url).toBeNull();
});

test('a destination\'s own concurrency goes both ways; without one the fleet form has none (the engine\'s applies)', () => {
  const fast: FleetDestination = { ...base, concurrency: 8 };
  expect(configOf(fast).concurrency).toBe(8);
  expect(fleetDestinationOf(configOf(fast), fast)).toEqual(fast);
  const cleared = patchedDestinationConfig(configOf(fast), { concurrency: null });
  expect('concurrency' in fleetDestinationOf(cleared, fast)).toBe(false);
  expect('concurrency' in configOf(base)).toBe(false);
});
