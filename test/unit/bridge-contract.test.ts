// One contract, four ways to reach it: the call list, the HTTP routes of the headless host, the
// Electron IPC channels (and the preload built on them), and the window's web bridge. They must
// name the same set of calls, or a feature works in one host and not in the other.

import { describe, expect, it } from 'vitest';
import { buildPreloadApi } from '../../src/main/preload-api';
import { createWebBridge } from '../../src/renderer/web-bridge';
import { CALL_NAMES, PUSH_NAMES } from '../../src/shared/bridge';
import { HTTP_ROUTES } from '../../src/shared/http-routes';
import { CALL_CHANNELS, CALL_CHANNEL_PREFIX, PUSH_CHANNELS, PUSH_CHANNEL_PREFIX } from '../../src/shared/ipc-channels';

const calls = [...CALL_NAMES].sort();

describe('bridge contract', () => {
  it('CALL_NAMES has no duplicates', () => {
    expect(new Set(CALL_NAMES).size).toBe(CALL_NAMES.length);
  });

  it('HTTP_ROUTES covers exactly the calls, each on its own method + path', () => {
    expect(Object.keys(HTTP_ROUTES).sort()).toStrictEqual(calls);
    const routes = Object.values(HTTP_ROUTES).map((r) => `${r.method} ${r.path}`);
    expect(new Set(routes).size).toBe(routes.length);
  });

  it('the IPC channels are exactly one per call and one per push', () => {
    expect(CALL_CHANNELS.map((c) => c.slice(CALL_CHANNEL_PREFIX.length)).sort()).toStrictEqual(calls);
    expect(PUSH_CHANNELS.map((c) => c.slice(PUSH_CHANNEL_PREFIX.length)).sort()).toStrictEqual([...PUSH_NAMES].sort());
    expect(new Set([...CALL_CHANNELS, ...PUSH_CHANNELS]).size).toBe(CALL_CHANNELS.length + PUSH_CHANNELS.length);
  });

  it('the Electron preload exposes the calls plus on()', () => {
    const api = buildPreloadApi({ invoke: async () => undefined, on: () => undefined, removeListener: () => undefined });
    expect(Object.keys(api).sort()).toStrictEqual([...calls, 'on'].sort());
  });

  it('the web bridge exposes the calls plus on(), and only its own stream helpers besides', () => {
    // Building it makes no request: fetch runs per call, EventSource on the first on().
    const web = createWebBridge(null) as unknown as Record<string, unknown>;
    const extras = ['hasToken', 'onStream'];
    const contractKeys = Object.keys(web).filter((k) => !extras.includes(k));
    expect(contractKeys.sort()).toStrictEqual([...calls, 'on'].sort());
    for (const name of CALL_NAMES) expect(typeof web[name]).toBe('function');
  });
});
