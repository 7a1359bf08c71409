// The fleet's engine settings as read from its KV bucket: field by field with the settings' own
// checks, a bad value named and replaced by this process's, an incoherent retry plan refused
// whole; and the engine options every deliver process builds from them (durable mode).

import { Agent } from 'undici';
import { afterAll, expect, test } from 'vitest';
import { resolveOptions } from '../../src/main/core/delivery/dispatcher-options';
import { engineDifferences, engineOf, engineOptions, engineView, readFleetEngine, type FleetEngine } from '../../src/main/core/fleet/fleet-engine';
import { DEFAULT_SETTINGS } from '../../src/main/core/settings/settings-schema';

const agent = new Agent();
afterAll(() => agent.close());

const local: FleetEngine = engineOf({ ...DEFAULT_SETTINGS });

test('a stored value is taken field by field', () => {
  const r = readFleetEngine(JSON.stringify({ ...local, timeoutMs: 2000, retrySchedule: '1s,5s', concurrency: 4, unknown: 1 }), local);
  expect(r.problems).toEqual([]);
  expect(r.engine).toEqual({ ...local, timeoutMs: 2000, retrySchedule: '1s,5s', concurrency: 4 });
  expect(engineDifferences(local, r.engine)).toEqual(['timeoutMs', 'concurrency', 'retrySchedule']);
});

test('a bad field keeps this process\'s value and is named; the others are taken', () => {
  const r = readFleetEngine(JSON.stringify({ timeoutMs: 1, retrySchedule: '10 parsecs', concurrency: 8 }), local);
  expect(r.engine.timeoutMs).toBe(local.timeoutMs);
  expect(r.engine.retrySchedule).toBe(local.retrySchedule);
  expect(r.engine.concurrency).toBe(8);
  expect(r.problems).toHaveLength(2);
  expect(r.problems[0]).toMatch(/^"timeoutMs" must be a whole number from 50 to 120000; using 5000$/);
  expect(r.problems[1]).toMatch(/^"retrySchedule" step 1: .*not a duration/);
});

test('a value that is not a JSON object is refused whole, saying so', () => {
  expect(readFleetEngine('{not json', local)).toEqual({ engine: local, problems: [expect.stringMatching(/not JSON/)] });
  expect(readFleetEngine('[1,2]', local)).toEqual({ engine: local, problems: [expect.stringMatching(/not an object/)] });
});

test('a maximum event age shorter than the first attempts takes this process\'s retry plan', () => {
  const r = readFleetEngine(JSON.stringify({ ...local, maxEventAge: '10s', concurrency: 2 }), local);
  expect(r.engine).toEqual({ ...local, concurrency: 2 });
  expect(r.problems.join()).toMatch(/maximum event age \(10s\) is shorter than the first attempts can take \(18s/);
});

test('every deliver engine runs in durable mode with the fleet\'s plan, and the engine accepts the options', () => {
  const e: FleetEngine = { ...local, retrySchedule: '500ms,2s,1m', maxEventAge: '6h', timeoutMs: 3000, concurrency: 4 };
  const o = engineOptions(e);
  expect(o).toMatchObject({ durable: true, outbox: true, retrySchedule: [500, 2000, 60_000], maxEventAgeMs: 6 * 3_600_000, timeoutMs: 3000, concurrency: 4 });
  const resolved = resolveOptions({ url: null, ...o }, agent);
  expect(resolved).toMatchObject({ durable: true, outbox: true, retrySchedule: [500, 2000, 60_000], maxEventAgeMs: 6 * 3_600_000 });
  expect(engineOptions({ ...e, retrySchedule: 'none' }).retrySchedule).toEqual([]);
  expect(engineView(e)).toEqual({ timeoutMs: 3000, retrySchedule: '500ms,2s,1m', maxEventAge: '6h', concurrency: 4, circuitCooldownMs: local.circuitCooldownMs });
});
