// The daemon link's pure decisions, apart from any socket: when it tries again, how it judges a
// daemon restart, what it remembers at the first link of a run, and the masked view.
import { describe, expect, it } from 'vitest';
import { backoffMessage, reconnectDelay } from '../../src/main/core/daemon/link-backoff';
import { firstLinkFindings, restartedSince } from '../../src/main/core/daemon/link-findings';
import { initialView, LinkStatus, maskedView } from '../../src/main/core/daemon/link-view';

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);

describe('reconnect backoff', () => {
  it('doubles from the minimum and stops at the cap, even after very many failures', () => {
    const delays = [0, 1, 2, 3, 4, 5, 6].map((n) => reconnectDelay(n, 500, 10_000));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
    expect(reconnectDelay(10_000, 500, 10_000)).toBe(10_000);
  });

  it('says why and when, in ms below a second and in seconds above', () => {
    expect(backoffMessage('connection closed', true, 500)).toBe('daemon gone: connection closed, retrying in 500 ms');
    expect(backoffMessage('stale socket', false, 2500)).toBe('stale socket; retrying in 2.5 s');
    expect(backoffMessage('stale socket', false, 10_000)).toBe('stale socket; retrying in 10 s');
  });
});

describe('restart judgement at a re-link', () => {
  it('takes a new process from /proc at its word', () => {
    expect(restartedSince({ health: { uptime_seconds: 9999 }, newProcessStartedAt: NOW - 5000, lastAliveAt: NOW - 1000, now: NOW })).toBe(NOW - 5000);
  });

  it('counts a daemon whose uptime began after it was last seen as restarted, and gives the rounded-up seconds their slack', () => {
    // seen alive 10 s ago, up for 4 s: restarted 4 s ago
    expect(restartedSince({ health: { uptime_seconds: 4 }, newProcessStartedAt: null, lastAliveAt: NOW - 10_000, now: NOW })).toBe(NOW - 4000);
    // up for 11 s, seen 10 s ago: within the slack of whole seconds rounded up, still a restart
    expect(restartedSince({ health: { uptime_seconds: 11 }, newProcessStartedAt: null, lastAliveAt: NOW - 10_000, now: NOW })).toBe(NOW - 11_000);
    // up for an hour: the same daemon
    expect(restartedSince({ health: { uptime_seconds: 3600 }, newProcessStartedAt: null, lastAliveAt: NOW - 10_000, now: NOW })).toBeNull();
    // no uptime at all: nothing to judge by
    expect(restartedSince({ health: {}, newProcessStartedAt: null, lastAliveAt: NOW - 10_000, now: NOW })).toBeNull();
  });
});

describe('the first link of a run', () => {
  const remembered = { url: 'https://hooks.example/user', source: 'config' as const, known: true, at: NOW - 86_400_000 };

  it('remembers what the daemon delivered to, with no loss when the last run handed back cleanly', () => {
    const out = firstLinkFindings({
      current: { url: 'https://hooks.example/now', source: 'webhook_url', known: true, leftover: false },
      remembered,
      previous: { lastAliveAt: NOW - 60_000, handedBack: true },
      health: { webhook_queue_dropped: 0, webhook_circuit_skips: 0, uptime_seconds: 100 },
      now: NOW,
    });
    expect(out.original).toEqual({ url: 'https://hooks.example/now', source: 'webhook_url', known: true, at: NOW });
    expect(out.loss).toBeNull();
  });

  it('after a crash (the daemon still points at our dead ingest) keeps the remembered origin and reports the loss', () => {
    const out = firstLinkFindings({
      current: { url: null, source: 'webhook_url', known: false, leftover: true },
      remembered,
      previous: { lastAliveAt: NOW - 60_000, handedBack: false },
      health: { webhook_queue_dropped: 3, webhook_circuit_skips: 2, uptime_seconds: 3600 },
      now: NOW,
    });
    expect(out.original).toBe(remembered);
    expect(out.loss).toMatchObject({ dropped: 3, circuitSkips: 2, from: NOW - 60_000, to: NOW });
    expect(out.loss?.text).toContain('at least 5 events');
  });
});

describe('the link view', () => {
  it('tells every listener of every change and folds Health into the hop totals', () => {
    const status = new LinkStatus(initialView('/run/pilot.sock', undefined, []));
    let heard = 0;
    status.onChange(() => heard++);
    status.update({ health: { webhook_queue_dropped: 2, webhook_circuit_skips: 1 } });
    status.update({ phase: 'linked' });
    expect(heard).toBe(2);
    expect(status.state.hop).toEqual({ dropped: 2, circuitSkips: 1 });
    expect(status.state.phase).toBe('linked');
  });

  it('is off with the reason when there is no socket, and masks credentials in every URL it shows', () => {
    expect(initialView(null, 'not supported here', [])).toMatchObject({ phase: 'off', enabled: false, error: 'not supported here' });
    const secret = 'https://user:hunter2@hooks.example/x';
    const view = maskedView(
      { ...initialView('/s', undefined, [`bad ${secret}`]), lastEvent: `linked to ${secret}`, takenBy: { url: secret, text: `taken by ${secret}` } },
      { url: secret, why: `had ${secret}`, ask: false, guess: null },
    );
    expect(JSON.stringify(view)).not.toContain('hunter2');
    expect(view.takenBy?.url).toContain('hooks.example/x');
  });
});
