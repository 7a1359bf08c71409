import { describe, expect, it } from 'vitest';
import { countsDown, secondsUntil, statusOf } from '../../src/shared/status';
import { sampleState } from '../fixtures/sample-state';

const NOW = 1_800_000_000_000;

describe('status badge', () => {
  it('is Delivering when all is well', () => {
    expect(statusOf(sampleState(), NOW)).toMatchObject({ kind: 'delivering', label: 'Delivering' });
  });

  it('puts the user pause first, then a missing URL', () => {
    expect(statusOf(sampleState({ paused: true, url: null }), NOW).kind).toBe('paused');
    expect(statusOf(sampleState({ url: null }), NOW)).toMatchObject({ kind: 'no_url', label: 'No URL' });
  });

  it('is not "No URL" while the primary is off but another destination delivers', () => {
    const other = {
      id: 'd1', name: 'Ops', url: 'http://127.0.0.1:9/ops', enabled: true, primary: false, format: 'pilot' as const, topics: [], rateLimit: null,
      headers: {}, secret: { set: false, hint: null }, stats: sampleState().stats, breaker: sampleState().breaker,
      client: { dropped: 0, circuitSkips: 0 }, concurrencyInUse: 1, status: { kind: 'delivering' as const, text: 'Delivering' },
    };
    expect(statusOf(sampleState({ url: null, destinations: [other] }), NOW)).toMatchObject({ kind: 'delivering', detail: expect.stringContaining('primary is off') });
    expect(statusOf(sampleState({ url: null, destinations: [{ ...other, enabled: false }] }), NOW).kind).toBe('no_url');
  });

  it('counts the breaker cool-down down in whole seconds, rounded up', () => {
    const open = sampleState({ breaker: { state: 'open', openUntil: NOW + 12_001, consecutiveFailures: 5, held: 0, probing: false, refusing: null } });
    expect(statusOf(open, NOW).label).toBe('Circuit open, retrying in 13 s');
    expect(statusOf(open, NOW + 12_000).label).toBe('Circuit open, retrying in 1 s');
    expect(secondsUntil(NOW - 5, NOW)).toBe(0);
    const probing = sampleState({ breaker: { state: 'half-open', openUntil: null, consecutiveFailures: 5, held: 0, probing: true, refusing: null } });
    expect(statusOf(probing, NOW)).toMatchObject({ kind: 'circuit_open', label: 'Circuit open, probing' });
  });

  it('says why the daemon is not connected', () => {
    const s = sampleState();
    s.daemon = { ...s.daemon, connected: false, error: 'daemon not found at /tmp/pilot.sock' };
    expect(statusOf(s, NOW)).toMatchObject({ kind: 'daemon_disconnected', detail: 'daemon not found at /tmp/pilot.sock' });
  });

  it('is Failing after exhausted events, and after a 4xx the breaker does not count', () => {
    const failing = sampleState({ breaker: { state: 'closed', openUntil: null, consecutiveFailures: 2, held: 0, probing: false, refusing: null } });
    expect(statusOf(failing, NOW)).toMatchObject({ kind: 'failing', detail: expect.stringMatching(/^2 events in a row/) });
    expect(statusOf(sampleState(), NOW, 'client_error').kind).toBe('failing');
    expect(statusOf(sampleState(), NOW, 'dropped').kind).toBe('delivering');
  });
});

describe('the badge over every destination', () => {
  const closed = sampleState().breaker;
  const dest = (id: string, name: string, breaker: Partial<typeof closed> = {}, primary = false) => ({
    id, name, url: `http://127.0.0.1:9/${id}`, enabled: true, primary, format: 'pilot' as const, topics: [], rateLimit: null,
    headers: {}, secret: { set: false, hint: null }, stats: sampleState().stats, breaker: { ...closed, ...breaker },
    client: { dropped: 0, circuitSkips: 0 }, concurrencyInUse: 1, status: { kind: 'delivering' as const, text: 'Delivering' },
  });
  const primary = dest('primary', 'Webhook', {}, true);

  it('names another destination whose breaker is open while the primary delivers, counting down', () => {
    const s = sampleState({ destinations: [primary, dest('d1', 'Team alerts', { state: 'open', openUntil: NOW + 12_001, consecutiveFailures: 5, held: 3 })] });
    expect(statusOf(s, NOW)).toMatchObject({ kind: 'circuit_open', label: 'Team alerts: Circuit open, retrying in 13 s', destinationId: 'd1' });
    expect(statusOf(s, NOW + 12_000).label).toBe('Team alerts: Circuit open, retrying in 1 s');
    expect(statusOf({ ...s, retry: { mode: 'durable', schedule: 'none', maxEventAge: '24h', suspended: false } }, NOW).detail).toBe(
      'Team alerts failed again and again, so its events (3 now) are held, in order, until a probe after the cool-down succeeds. The other destinations deliver as usual.',
    );
    expect(countsDown(s)).toBe(true);
    expect(countsDown({ ...s, paused: true })).toBe(false);
  });

  it('names a failing or refusing destination, the worst one first', () => {
    const failing = dest('d1', 'Ops', { consecutiveFailures: 2 });
    const refusing = dest('d2', 'Slack', { refusing: { status: 404, reason: 'no_service', count: 3 } });
    expect(statusOf(sampleState({ destinations: [primary, failing] }), NOW)).toMatchObject({ kind: 'failing', label: 'Ops: Failing', destinationId: 'd1', detail: expect.stringMatching(/^2 events in a row used up every attempt at Ops/) });
    expect(statusOf(sampleState({ destinations: [primary, failing, refusing] }), NOW)).toMatchObject({ kind: 'refusing', label: 'Slack refuses every event: no_service', destinationId: 'd2' });
  });

  it('a destination failing outranks the app catching up (its waiting events are in that count)', () => {
    const s = sampleState({ destinations: [primary, dest('d1', 'Ops', { consecutiveFailures: 1 })] });
    s.stats = { ...s.stats, queued: 9 };
    expect(statusOf(s, NOW)).toMatchObject({ kind: 'failing', label: 'Ops: Failing' });
  });

  it("keeps the primary's own state when it is as bad or worse, and the user's pause over everything", () => {
    const open = { state: 'open' as const, openUntil: NOW + 5_000, consecutiveFailures: 5, held: 0, probing: false, refusing: null };
    const other = dest('d1', 'Ops', { consecutiveFailures: 2 });
    const s = sampleState({ breaker: open, destinations: [{ ...primary, breaker: open }, other] });
    expect(statusOf(s, NOW)).toMatchObject({ kind: 'circuit_open', label: 'Circuit open, retrying in 5 s' });
    expect(statusOf(s, NOW).destinationId).toBeUndefined();
    expect(statusOf({ ...s, paused: true }, NOW).kind).toBe('paused');
    // A destination switched off or delivering is no trouble.
    expect(statusOf(sampleState({ destinations: [primary, { ...other, enabled: false }] }), NOW).kind).toBe('delivering');
    expect(statusOf(sampleState({ destinations: [primary, dest('d2', 'Fine')] }), NOW).kind).toBe('delivering');
  });
});
