// The preload's API, built over a recording stand-in for ipcRenderer: exactly the contract's calls
// on their channels, pushes only by known name, and nothing of IPC itself handed to the page.

import { describe, expect, it } from 'vitest';
import { buildPreloadApi, type IpcRendererLike } from '../../src/main/preload-api';
import { CALL_NAMES, type AppState } from '../../src/shared/bridge';
import { callChannel, pushChannel } from '../../src/shared/ipc-channels';
import { sampleState } from '../fixtures/sample-state';

type Listener = (event: unknown, ...args: unknown[]) => void;

function recordingIpc() {
  const invoked: unknown[][] = [];
  const listeners = new Map<string, Set<Listener>>();
  const ipc: IpcRendererLike = {
    invoke: async (channel, ...args) => {
      invoked.push([channel, ...args]);
      // What the ipcMain handlers answer: a CallAnswer (shared/call-answer.ts).
      return { ok: true, value: { answered: channel } };
    },
    on: (channel, l) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(l)),
    removeListener: (channel, l) => listeners.get(channel)?.delete(l),
  };
  /** main sends a push: the event object carries `sender` (ipcRenderer itself) in real Electron */
  const emit = (channel: string, value: unknown) => {
    for (const l of listeners.get(channel) ?? []) l({ sender: ipc, ports: [] }, value);
  };
  return { ipc, invoked, listeners, emit };
}

describe('buildPreloadApi', () => {
  it('exposes exactly the contract calls plus on(), frozen', () => {
    const api = buildPreloadApi(recordingIpc().ipc);
    expect(Object.keys(api).sort()).toStrictEqual([...CALL_NAMES, 'on'].sort());
    expect(Object.isFrozen(api)).toBe(true);
    for (const key of Object.keys(api)) expect(typeof (api as unknown as Record<string, unknown>)[key]).toBe('function');
  });

  it('each call invokes its own channel with exactly one argument', async () => {
    const { ipc, invoked } = recordingIpc();
    const api = buildPreloadApi(ipc);
    // setUrl answers a Result: the answer as it is; getState a plain value: the answer's value.
    await expect(api.setUrl({ url: 'https://example.com/h' })).resolves.toStrictEqual({ ok: true, value: { answered: 'pilot:call:setUrl' } });
    await expect(api.getState()).resolves.toStrictEqual({ answered: 'pilot:call:getState' });
    // Extra arguments from the page are dropped, not forwarded.
    await (api.sendTest as unknown as (...a: unknown[]) => Promise<unknown>)({}, 'extra', 42);
    expect(invoked).toStrictEqual([
      [callChannel('setUrl'), { url: 'https://example.com/h' }],
      [callChannel('getState'), undefined],
      [callChannel('sendTest'), {}],
    ]);
  });

  it('on() delivers the pushed value, never the IPC event, and unsubscribes', () => {
    const { ipc, emit, listeners } = recordingIpc();
    const api = buildPreloadApi(ipc);
    const got: unknown[][] = [];
    const off = api.on('state', (...args: unknown[]) => got.push(args));
    const state: AppState = sampleState();
    emit(pushChannel('state'), state);
    expect(got).toStrictEqual([[state]]);
    off();
    emit(pushChannel('state'), state);
    expect(got).toHaveLength(1);
    expect(listeners.get(pushChannel('state'))?.size).toBe(0);
  });

  it('on() refuses pushes the contract does not have, and non-function listeners', () => {
    const { ipc, listeners } = recordingIpc();
    const api = buildPreloadApi(ipc);
    const on = api.on as unknown as (push: string, l: unknown) => unknown;
    expect(() => on('pilot:call:setUrl', () => undefined)).toThrow(/unknown push/);
    expect(() => on('electron-store-get-data', () => undefined)).toThrow(/unknown push/);
    expect(() => on('__proto__', () => undefined)).toThrow(/unknown push/);
    expect(() => on('records', 'not a function')).toThrow(TypeError);
    expect(listeners.size).toBe(0);
  });
});
