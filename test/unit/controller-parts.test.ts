import { describe, expect, it } from 'vitest';
import { defaultDataDir } from '../../src/main/core/app-paths';
import { demoEvent } from '../../src/main/core/demo/demo-events';
import { isOwnIngestUrl } from '../../src/main/core/own-ingest-url';
import { PushBatcher } from '../../src/main/core/push-batcher';
import { checkEventBody } from '../../src/shared/events';
import type { DeliveryRecord } from '../../src/shared/delivery';

describe('demo events', () => {
  it('are valid daemon bodies, varied and repeatable', () => {
    const topics = new Set<string>();
    for (let n = 1; n <= 200; n++) {
      const ev = demoEvent(n, new Date('2026-11-30T10:00:00Z'));
      expect(checkEventBody(ev)).toEqual({ ok: true, event: ev });
      topics.add(ev.event);
    }
    expect(topics.size).toBeGreaterThanOrEqual(8);
    expect(demoEvent(17)).toMatchObject({ event: demoEvent(17).event });
  });
});

describe('own ingest URLs', () => {
  it('are recognised whatever the port and token', () => {
    expect(isOwnIngestUrl('http://127.0.0.1:41234/ingest/AbCdEfGhIjKlMnOpQrStUv')).toBe(true);
    expect(isOwnIngestUrl('http://127.0.0.1:8080/hook')).toBe(false);
    expect(isOwnIngestUrl('https://hooks.example.test/ingest/AbCdEfGhIjKlMnOpQrStUv')).toBe(false);
  });
});

describe('default data folder', () => {
  it('follows each platform', () => {
    expect(defaultDataDir({}, 'linux', '/home/ana')).toBe('/home/ana/.config/Pilot Webhook Desktop');
    expect(defaultDataDir({ XDG_CONFIG_HOME: '/cfg' }, 'linux', '/home/ana')).toBe('/cfg/Pilot Webhook Desktop');
    expect(defaultDataDir({}, 'darwin', '/Users/ana')).toBe('/Users/ana/Library/Application Support/Pilot Webhook Desktop');
    expect(defaultDataDir({ APPDATA: 'C:\\AD' }, 'win32', 'C:\\Users\\ana')).toMatch(/^C:\\AD.Pilot Webhook Desktop$/);
  });
});

function rec(id: number, outcome: DeliveryRecord['outcome'] = 'queued'): DeliveryRecord {
  return { id, event: 't', receivedAt: 0, outcome, url: null, attempts: [], payload: '{}', source: 'api' };
}

describe('push batcher', () => {
  it('coalesces a burst into one state push and one records push with the latest versions', async () => {
    let snapshots = 0;
    const b = new PushBatcher<{ state: number; records: DeliveryRecord[] }>(() => ++snapshots, 20);
    const states: number[] = [];
    const batches: DeliveryRecord[][] = [];
    b.subscribe('state', (s) => states.push(s));
    b.subscribe('records', (r) => batches.push(r));
    for (let i = 1; i <= 1000; i++) b.recordChanged(rec(i));
    b.recordChanged(rec(5, 'delivered'));
    b.stateChanged();
    await new Promise((r) => setTimeout(r, 60));
    expect(states).toEqual([1]);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toHaveLength(1000);
    expect(batches[0]!.find((r) => r.id === 5)!.outcome).toBe('delivered');
    b.close();
  });

  it('keeps pushing to other listeners when one throws, and stops after unsubscribe', () => {
    const b = new PushBatcher<{ state: number; records: DeliveryRecord[] }>(() => 7, 1000);
    const got: number[] = [];
    b.subscribe('state', () => {
      throw new Error('window gone');
    });
    const off = b.subscribe('state', (s) => got.push(s));
    b.stateChanged();
    b.flush();
    off();
    b.stateChanged();
    b.flush();
    expect(got).toEqual([7]);
    b.close();
  });
});
