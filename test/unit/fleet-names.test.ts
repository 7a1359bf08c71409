import { expect, test } from 'vitest';
import { checkFleetName, eventSubject, fleetNames } from '../../src/main/core/fleet/fleet-names';
import { messageIdFor } from '../../src/main/core/fleet/fleet-ingest';
import { parseHeadlessArgs } from '../../src/main/headless/headless-args';

test('names derive from the fleet name', () => {
  expect(fleetNames('lab')).toMatchObject({ events: 'PILOT_EVENTS_lab', deliveries: 'PILOT_DELIVERIES_lab', config: 'PILOT_CONFIG_lab', eventSubjects: 'pilot.lab.events.>' });
  expect(checkFleetName('team-a_1')).toBeNull();
  for (const bad of ['', 'a.b', 'a b', 'x'.repeat(33), 'a*', 'é']) expect(checkFleetName(bad)).toMatch(/letters, digits/);
});

test('event subjects carry node and topic, with characters NATS refuses made safe', () => {
  expect(eventSubject('pilot', 42, 'tunnel.established')).toBe('pilot.pilot.events.42.tunnel.established');
  expect(eventSubject('pilot', undefined, 'x')).toBe('pilot.pilot.events._.x');
  expect(eventSubject('p', 1, 'a..b > c*')).toBe('pilot.p.events.1.a._.b___c_');
  expect(eventSubject('p', 1, 'line\nbreak')).toBe('pilot.p.events.1.line_break');
});

test('Nats-Msg-Id: a retried daemon event gets the same id, distinct events distinct ones', () => {
  const ev = { event: 'peer.connected', node_id: 1, daemonEventId: 7, timestamp: '2026-01-01T00:00:00Z', data: { a: 1 } };
  expect(messageIdFor(ev, 'p', 1)).toBe(messageIdFor({ ...ev }, 'p', 2));
  expect(messageIdFor(ev, 'p', 1)).not.toBe(messageIdFor({ ...ev, daemonEventId: 8 }, 'p', 1));
  expect(messageIdFor(ev, 'p', 1)).not.toBe(messageIdFor({ ...ev, node_id: 2 }, 'p', 1));
  // Nothing to tell a retry from a repeat: never merged.
  expect(messageIdFor({ event: 'x' }, 'p', 1)).not.toBe(messageIdFor({ event: 'x' }, 'p', 2));
});

test('fleet flags', () => {
  const ok = parseHeadlessArgs(['--nats', 'nats://a:4222,nats://b:4222', '--fleet', 'lab', '--role', 'deliver', '--fleet-key-file', '/k']);
  expect(ok).toMatchObject({ ok: true, args: { nats: 'nats://a:4222,nats://b:4222', fleet: 'lab', role: 'deliver', fleetKeyFile: '/k' } });
  const fails: [string[], RegExp][] = [
    [['--role', 'deliver'], /--role needs --nats/],
    [['--fleet-key-file', '/k'], /--fleet-key-file needs --nats/],
    [['--nats', 'nats://a:4222'], /--nats needs --fleet-key-file/],
    [['--nats', 'http://a:4222', '--fleet-key-file', '/k'], /--nats needs nats:\/\/ URLs/],
    [['--nats', 'nats://a:4222', '--fleet-key-file', '/k', '--role', 'both'], /--role must be one of ingest, deliver, all/],
    [['--nats', 'nats://a:4222', '--fleet-key-file', '/k', '--fleet', 'a.b'], /--fleet must be 1-32/],
    [['--nats', 'nats://a:4222', '--fleet-key-file', '/k', '--no-outbox'], /cannot be used together/],
  ];
  for (const [argv, why] of fails) {
    const r = parseHeadlessArgs(argv);
    expect(r.ok, argv.join(' ')).toBe(false);
    if (!r.ok) expect(r.message).toMatch(why);
  }
});
